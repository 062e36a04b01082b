"""The console chat: try every command locally, or script it from a pipe.

It doubles as the in-process test bot: tests drive `ConsoleSession.handle`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import sys
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from chatbot.admission import busy_reply
from chatbot.i18n import Translator
from chatbot.platforms.caller_language import (
    KnownLanguage,
    quick_translator,
    team_translator,
    translator_for,
)
from chatbot.platforms.console_render import render
from chatbot.values.delivery import DmLimit, PostMarker
from chatbot.values.message import N_
from chatbot.values.reply import Reply, Tone, error
from commands.context import Caller
from commands.parser import UsageError
from commands.registry import Dispatcher

POSTED = N_("— posted to #{channel} in {team} —")
CONSOLE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
PROMPT = "klout> "


def console_team_id(team: str) -> str:
    return f"console:{team}"


def resolve_mention(token: str) -> str | None:
    """`@NAME` names the console member NAME (whether the team has one is checked apart)."""
    if token.startswith("@") and CONSOLE_NAME.match(token[1:]):
        return token[1:]
    return None


def mentioned(text: str) -> list[str]:
    """The names written as `@NAME` in a command line."""
    return [name for name in map(resolve_mention, text.split()) if name is not None]


def resolver_for(members: Collection[str]) -> Callable[[str], str | None]:
    """`@NAME` is the console member NAME, if the team has such a member.

    The console has no directory of people: without this check any typo would
    become a member who never used the bot.
    """
    def resolve(token: str) -> str | None:
        name = resolve_mention(token)
        return name if name in members else None

    return resolve


def member_files(files_dir: Path, team: str, user: str) -> Path:
    """Where one member's exports and images go, so `forget` can delete them all.

    The prefixes keep `..`, a valid console name, from naming a parent folder.
    """
    return files_dir / f"team-{team}" / f"member-{user}"


def command_text(line: str) -> str | None:
    """The text after `/klout`; None for blank lines and comments."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    if stripped.casefold() == "/klout" or stripped.casefold().startswith("/klout "):
        return stripped[len("/klout") :].strip()
    return stripped


def terminal_locale(environ: Mapping[str, str]) -> str | None:
    """The language the terminal asks for, the way gettext reads it: LC_ALL, then
    LC_MESSAGES, then LANG ("de_DE.UTF-8"); "C" and unset mean no preference."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return value
    return None


class ConsoleSession:
    def __init__(self, dispatcher: Dispatcher, user: str, team: str, *, admin: bool = True,
                 files_dir: Path | None = None, locale: str | None = None):
        """`locale` is the console's --lang, else the terminal's (`terminal_locale`)."""
        if not CONSOLE_NAME.match(user):
            raise ValueError("--user is letters, digits, dot, dash or underscore (max 64)")
        if not CONSOLE_NAME.match(team):
            raise ValueError("--team is letters, digits, dot, dash or underscore (max 64)")
        self.dispatcher = dispatcher
        self.caller = Caller(
            team_id=console_team_id(team), platform="console", user_id=user,
            display_name=user, is_admin=admin, team_name=team, channel_id="console",
            locale=locale,
        )
        self.files = member_files(files_dir, team, user) if files_dir is not None else None
        """This member's exports and images; None when replies are not saved to files."""

    async def handle(self, text: str) -> Reply:
        reply, _ = await self.answer(text)
        return reply

    async def answer(self, text: str) -> tuple[Reply, Translator]:
        """The reply and the language it is in (for what the console prints around it)."""
        language = KnownLanguage(quick_translator(self.dispatcher, self.caller.locale))
        slot = self.dispatcher.admission.admit()
        if slot is None:
            return busy_reply(language.tr), language.tr
        with slot:
            return await slot.reply(self._handle(text, language), language.get), language.tr

    async def _handle(self, text: str, language: KnownLanguage) -> Reply:
        tr = language.learn(await translator_for(self.dispatcher, self.caller))
        names = mentioned(text)
        known = set(await self.dispatcher.services.storage.members.names_of(
            self.caller.team_id, names)) if names else set()
        known.add(self.caller.user_id)
        try:
            spec, args = self.dispatcher.parse(text, resolver_for(known), tr)
        except UsageError as exc:
            return error(str(exc))
        reply = await self.dispatcher.run(self.caller, spec, args, tr=tr)
        if spec.name == "forget" and args.get("confirm") == "confirm" \
                and reply.tone is not Tone.ERROR and self.files is not None:
            # The files were made from the member's data; they go with it.
            shutil.rmtree(self.files, ignore_errors=True)
        return reply


async def _read_line(stream: TextIO, interactive: bool) -> str | None:
    if interactive:
        try:
            return await asyncio.to_thread(input, PROMPT)
        except EOFError:
            return None
    line = await asyncio.to_thread(stream.readline)
    return line if line else None


def _enable_line_editing() -> Callable[[], None]:
    """readline gives arrows, editing and a history kept between sessions."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input still works
        return lambda: None
    history = Path.home() / ".kloutbot_history"
    with contextlib.suppress(OSError):
        readline.read_history_file(history)
    readline.set_history_length(1000)

    def save() -> None:
        with contextlib.suppress(OSError):
            readline.write_history_file(history)

    return save


async def run_console(
    session: ConsoleSession,
    *,
    stdin: TextIO | None = None,
    console: Console | None = None,
) -> int:
    if session.files is None:
        raise ValueError("run_console needs a session made with files_dir")
    stream = stdin or sys.stdin
    out = console or Console(highlight=False)
    interactive = stream.isatty()
    save_history = _enable_line_editing() if interactive else (lambda: None)
    if interactive:
        tr = await translator_for(session.dispatcher, session.caller)
        user = "[bold]" + escape(session.caller.user_id) + "[/]"
        team = "[bold]" + escape(session.caller.team_name) + "[/]"
        out.print(tr._("Kloutbot console — you are {user} in team {team}. Type /klout help, "
                       "Ctrl-D to quit.", user=user, team=team))
    try:
        while True:
            line = await _read_line(stream, interactive)
            if line is None:
                break
            text = command_text(line)
            if text is None:
                continue
            reply, tr = await session.answer(text)
            _show(out, reply, session.files, tr)
            out.print()
    except KeyboardInterrupt:
        pass
    finally:
        save_history()
    return 0


def _show(out: Console, reply: Reply, files: Path, tr: Translator) -> None:
    """A folder that can't be written (KLOUT_EXPORT_DIR is a file, the disk is full) costs
    the file, not the session."""
    try:
        render(out, reply, files, tr)
    except OSError as exc:
        out.print(escape("✖ " + tr._("Couldn't save the file in {folder}: {reason}. Check "
                                     "KLOUT_EXPORT_DIR.", folder=str(files),
                                     reason=exc.strerror or str(exc))))


class ConsolePlatform:
    """Delivers scheduled posts for console teams by printing them."""

    name = "console"

    def __init__(self, console: Console, files_dir: Path,
                 dispatcher: Dispatcher | None = None) -> None:
        """With `dispatcher`, the line around a post is in the team's language."""
        self._console = console
        self._files_dir = files_dir
        self._dispatcher = dispatcher

    @property
    def connected(self) -> bool:
        """The terminal is always there."""
        return True

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def post(self, team_id: str, channel_id: str, reply: Reply,
                   marker: PostMarker | None = None) -> None:
        tr = await team_translator(self._dispatcher, team_id) if self._dispatcher else None
        line = POSTED.format(channel=channel_id, team=team_id) if tr is None \
            else tr._(POSTED, channel=channel_id, team=team_id)
        self._console.print(f"[dim]{escape(line)}[/]")
        render(self._console, reply, self._files_dir, tr)

    def dm_limit(self, team_id: str) -> DmLimit:
        """A terminal has no limit worth pacing for; the budget still counts them."""
        return DmLimit(key=f"dm:console:{team_id}", per_second=1000)

    async def send_dm(self, team_id: str, user_id: str, reply: Reply) -> None:
        self._console.print(f"[dim]— direct message to {user_id} in {team_id} —[/]")
        render(self._console, reply, self._files_dir)

    async def find_post(self, team_id: str, channel_id: str, marker: PostMarker) -> bool:
        """A terminal keeps no history to look in: an unconfirmed week is printed again."""
        return False
