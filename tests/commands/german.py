"""Driving commands as a member who reads German, and checking what they were shown."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from babel.messages.pofile import read_po

from chatbot.i18n.catalogs import catalog_files
from chatbot.values.reply import Reply
from commands.context import Caller
from commands.registry import Dispatcher

_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def shown(reply: Reply) -> str:
    """Every piece of text a member sees in a reply, one per line."""
    parts = [reply.title, reply.text, reply.footer]
    parts += [text for item in reply.fields for text in (item.label, item.value)]
    parts += [button.label for button in reply.buttons]
    if reply.table is not None:
        parts += [*reply.table.columns, *(cell for row in reply.table.rows for cell in row)]
    if reply.image is not None:
        parts.append(reply.image.alt)
    return "\n".join(part for part in parts if part)


@cache
def english_fragments() -> tuple[str, ...]:
    """The commands catalog's English sentences, cut at their placeholders: every piece of
    three words or more that its German doesn't contain too (a command line, say)."""
    with next(item for item in catalog_files("de") if item.name == "commands.po").open(
            "rb") as stream:
        catalog = read_po(stream, locale="de")
    german = [str(text) for message in catalog if message.id
              for text in (message.string if isinstance(message.string, tuple)
                           else (message.string,))]
    fragments: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        for english in (message.id if isinstance(message.id, tuple) else (message.id,)):
            for piece in _PLACEHOLDER.split(english):
                piece = piece.strip()
                if len(piece.split()) >= 3 and not any(piece in text for text in german):
                    fragments.add(piece)
    return tuple(sorted(fragments))


def english_left_in(text: str) -> list[str]:
    return [fragment for fragment in english_fragments() if fragment in text]


def mention(token: str) -> str | None:
    return token[1:] if token.startswith("@") and len(token) > 1 else None


@dataclass
class GermanMember:
    """A member whose app runs in German, typing `/klout …` in team `acme`."""

    dispatcher: Dispatcher
    user: str
    admin: bool = False
    locale: str | None = "de"
    team_locale: str | None = None
    seen: list[str] = field(default_factory=list)

    @property
    def caller(self) -> Caller:
        return Caller(team_id="console:acme", platform="console", user_id=self.user,
                      display_name=self.user, is_admin=self.admin, team_name="acme",
                      locale=self.locale, team_locale=self.team_locale)

    async def says(self, text: str) -> Reply:
        reply = await self.dispatcher.run_text(self.caller, text, mention)
        self.seen.append(shown(reply))
        return reply
