"""The language an adapter speaks its own texts in (notes, refusals, apologies).

The dispatcher chooses it (`Dispatcher.translator_for`: the member's choice, their
client's language, the team's); this module only adds what an adapter needs around that
choice: an answer when the database can't be asked, and a language for refusals that
must not wait for any query (the busy answer inside Slack's 3-second ack).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from chatbot.i18n import Translator, choose_language, language_of
from chatbot.storage.database import DatabaseUnavailable
from commands.context import Caller
from commands.registry import Dispatcher

LANGUAGES_REMEMBERED = 50_000
"""Members whose last answered language is kept; forgetting one costs the next refusal
its member language (it falls back to their client's)."""


def quick_translator(dispatcher: Dispatcher, locale: str | None,
                     team_locale: str | None = None) -> Translator:
    """Without any query: the client's language, else the server's, else English."""
    return dispatcher.services.catalogs.translator(
        choose_language(None, locale, language_of(team_locale)))


async def translator_for(dispatcher: Dispatcher, caller: Caller) -> Translator:
    """The dispatcher's choice; with the database unreachable, the client's language (the
    command then answers "temporarily unavailable" in it)."""
    try:
        return await dispatcher.translator_for(caller)
    except DatabaseUnavailable:
        return quick_translator(dispatcher, caller.locale, caller.team_locale)


async def team_translator(dispatcher: Dispatcher, team_id: str) -> Translator:
    """The team's language: what a post to the whole team (the weekly one) is written in."""
    try:
        team = await dispatcher.services.storage.teams.get(team_id)
    except DatabaseUnavailable:
        team = None
    return dispatcher.services.catalogs.translator(team.language if team else None)


class RecentLanguages:
    """The language each member was last answered in, least recently used forgotten first.

    Slack's slash command carries no locale, so a refusal in the ack (which may not wait
    for users.info or the database) speaks the language the member's last answer had.
    """

    def __init__(self, size: int = LANGUAGES_REMEMBERED) -> None:
        self._size = size
        self._languages: OrderedDict[Hashable, str] = OrderedDict()

    def get(self, key: Hashable) -> str | None:
        return self._languages.get(key)

    def remember(self, key: Hashable, language: str) -> None:
        self._languages[key] = language
        self._languages.move_to_end(key)
        while len(self._languages) > self._size:
            self._languages.popitem(last=False)


class KnownLanguage:
    """The caller's translator as far as it is known: the client's language at first, the
    dispatcher's choice once the command has learnt it (so the too-long answer and an
    apology use the member's own choice too)."""

    def __init__(self, quick: Translator) -> None:
        self.tr = quick

    def learn(self, tr: Translator) -> Translator:
        self.tr = tr
        return tr

    def get(self) -> Translator:
        return self.tr
