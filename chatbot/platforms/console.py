"""The console chat: try every command locally, or script it from a pipe.

It doubles as the in-process test bot: tests drive `ConsoleSession.handle`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from rich.console import Console

from chatbot.platforms.base import PostMarker
from chatbot.platforms.console_render import render
from commands.context import Caller
from commands.registry import Dispatcher
from commands.reply import Reply

CONSOLE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
PROMPT = "klout> "


def console_team_id(team: str) -> str:
    return f"console:{team}"


def resolve_mention(token: str) -> str | None:
    """`@NAME` is the console member NAME."""
    if token.startswith("@") and CONSOLE_NAME.match(token[1:]):
        return token[1:]
    return None


def command_text(line: str) -> str | None:
    """The text after `/klout`; None for blank lines and comments."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    if stripped.casefold() == "/klout" or stripped.casefold().startswith("/klout "):
        return stripped[len("/klout") :].strip()
    return stripped


class ConsoleSession:
    def __init__(self, dispatcher: Dispatcher, user: str, team: str, *, admin: bool = True):
        if not CONSOLE_NAME.match(user):
            raise ValueError("--user is letters, digits, dot, dash or underscore (max 64)")
        if not CONSOLE_NAME.match(team):
            raise ValueError("--team is letters, digits, dot, dash or underscore (max 64)")
        self.dispatcher = dispatcher
        self.caller = Caller(
            team_id=console_team_id(team), platform="console", user_id=user,
            display_name=user, is_admin=admin, team_name=team, channel_id="console",
        )

    async def handle(self, text: str) -> Reply:
        return await self.dispatcher.run_text(self.caller, text, resolve_mention)


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
    files_dir: Path,
) -> int:
    stream = stdin or sys.stdin
    out = console or Console(highlight=False)
    interactive = stream.isatty()
    save_history = _enable_line_editing() if interactive else (lambda: None)
    if interactive:
        out.print(f"Kloutbot console — you are [bold]{session.caller.user_id}[/] in team "
                  f"[bold]{session.caller.team_name}[/]. Type /klout help, Ctrl-D to quit.")
    try:
        while True:
            line = await _read_line(stream, interactive)
            if line is None:
                break
            text = command_text(line)
            if text is None:
                continue
            reply = await session.handle(text)
            render(out, reply, files_dir)
            out.print()
    except KeyboardInterrupt:
        pass
    finally:
        save_history()
    return 0


class ConsolePlatform:
    """Delivers scheduled posts for console teams by printing them."""

    name = "console"

    def __init__(self, console: Console, files_dir: Path) -> None:
        self._console = console
        self._files_dir = files_dir

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
        self._console.print(f"[dim]— posted to #{channel_id} in {team_id} —[/]")
        render(self._console, reply, self._files_dir)

    async def find_post(self, team_id: str, channel_id: str, marker: PostMarker) -> bool:
        """A terminal keeps no history to look in: an unconfirmed week is printed again."""
        return False
