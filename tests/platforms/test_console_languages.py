"""German and English on the console: --lang, else the terminal's LC_ALL/LANG, else
English; what the console itself prints follows the same language."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from chatbot.platforms.console import (
    ConsolePlatform,
    ConsoleSession,
    run_console,
    terminal_locale,
)
from chatbot.storage import Storage
from chatbot.values.reply import Reply
from commands.registry import Dispatcher
from tests.platforms.test_console_cli import _run_cli
from tests.support.english_leaks import english_in
from tests.support.fakes import FrozenClock, seed_scores

GERMAN_AUTO = "Du liest Deutsch."
ENGLISH_AUTO = ("Kloutbot now follows your app's language, and the team's where your app "
                "doesn't say: you read English.")


def flat(text: str) -> str:
    """Terminal output with its line wrapping undone."""
    return " ".join(text.split())


def test_lang_de_makes_the_console_german(tmp_path: Path) -> None:
    result = _run_cli(tmp_path, "/klout language auto\n", "--user", "hans", "--lang", "de")
    assert result.returncode == 0, result.stderr
    assert "Sprache gespeichert" in result.stdout and GERMAN_AUTO in result.stdout
    assert english_in(result.stdout) == []


@pytest.mark.parametrize(("environ", "german"), [
    ({"LANG": "de_DE.UTF-8"}, True),
    ({"LC_ALL": "de_AT.UTF-8", "LANG": "en_US.UTF-8"}, True),
    ({"LC_ALL": "en_US.UTF-8", "LANG": "de_DE.UTF-8"}, False),
    ({"LANG": "C.UTF-8"}, False),
    ({"LANG": "fr_FR.UTF-8"}, False),
    ({}, False),
])
def test_without_lang_the_terminals_locale_decides(
    tmp_path: Path, environ: dict[str, str], german: bool,
) -> None:
    result = _run_cli(tmp_path, "/klout language auto\n", "--user", "hans", environ=environ)
    assert result.returncode == 0, result.stderr
    if german:
        assert GERMAN_AUTO in result.stdout
    else:
        assert "Language saved" in result.stdout and ENGLISH_AUTO in flat(result.stdout)


def test_lang_beats_the_terminal(tmp_path: Path) -> None:
    result = _run_cli(tmp_path, "/klout language auto\n", "--user", "hans", "--lang", "en",
                      environ={"LANG": "de_DE.UTF-8"})
    assert ENGLISH_AUTO in flat(result.stdout)


def test_an_unknown_lang_is_refused_with_the_choices(tmp_path: Path) -> None:
    result = _run_cli(tmp_path, "", "--lang", "fr")
    assert result.returncode == 2
    assert "--lang" in result.stderr and "'de'" in result.stderr and "'en'" in result.stderr


def test_run_falling_back_to_the_console_takes_lang_too(tmp_path: Path) -> None:
    result = _run_cli(tmp_path, "/klout language auto\n", "--lang", "de", command="run")
    assert result.returncode == 0, result.stderr
    assert GERMAN_AUTO in result.stdout


def test_terminal_locale_reads_lc_all_then_lc_messages_then_lang() -> None:
    assert terminal_locale({"LANG": "de_DE.UTF-8"}) == "de_DE.UTF-8"
    assert terminal_locale({"LC_MESSAGES": "en_GB", "LANG": "de_DE"}) == "en_GB"
    assert terminal_locale({"LC_ALL": "de_CH", "LC_MESSAGES": "en_GB"}) == "de_CH"
    assert terminal_locale({"LC_ALL": "", "LANG": "de_DE"}) == "de_DE"
    assert terminal_locale({}) is None


async def test_what_the_console_adds_to_a_reply_is_german_too(
    dispatcher: Dispatcher, storage: Storage, clock: FrozenClock, tmp_path: Path,
) -> None:
    for index, name in enumerate(("hans", "bob")):
        await seed_scores(storage, "console:acme", name, name, [30.0 + index, 31.0 + index],
                          last_day=clock.now().date())
    session = ConsoleSession(dispatcher, "hans", "acme", files_dir=tmp_path, locale="de")
    out = io.StringIO()
    await run_console(session, stdin=io.StringIO("/klout leaderboard\n/klout export\n"),
                      console=Console(file=out, width=120, color_system=None))
    text = out.getvalue()
    assert "← du" in text and "← you" not in text
    assert f"Gespeichert unter {tmp_path / 'team-acme' / 'member-hans'}" in text
    assert english_in(text, files=("platforms.po",)) == []


async def test_an_english_console_prints_exactly_what_it_printed_before(
    dispatcher: Dispatcher, storage: Storage, clock: FrozenClock, tmp_path: Path,
) -> None:
    await seed_scores(storage, "console:acme", "alice", "alice", [30.0, 31.0],
                      last_day=clock.now().date())
    session = ConsoleSession(dispatcher, "alice", "acme", files_dir=tmp_path)
    out = io.StringIO()
    await run_console(session, stdin=io.StringIO("/klout leaderboard\n/klout export\n"),
                      console=Console(file=out, width=120, color_system=None))
    text = out.getvalue()
    assert "← you" in text
    assert f"Saved to {tmp_path / 'team-acme' / 'member-alice' / 'klout-export.json'}" in text


async def test_a_file_that_cannot_be_saved_is_told_in_german(
    dispatcher: Dispatcher, tmp_path: Path,
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    session = ConsoleSession(dispatcher, "hans", "acme", files_dir=blocker, locale="de")
    out = io.StringIO()
    await run_console(session, stdin=io.StringIO("/klout export\n"),
                      console=Console(file=out, width=200, color_system=None))
    folder = blocker / "team-acme" / "member-hans"
    assert f"Die Datei konnte nicht in {folder} gespeichert werden" in out.getvalue()


@pytest.mark.parametrize(("language", "line"), [
    ("de", "— gepostet in #general in console:acme —"),
    ("en", "— posted to #general in console:acme —"),
])
async def test_a_weekly_post_on_the_console_is_introduced_in_the_teams_language(
    dispatcher: Dispatcher, storage: Storage, clock: FrozenClock, tmp_path: Path,
    language: str, line: str,
) -> None:
    await storage.teams.ensure("console:acme", "console", "acme", clock.now(), language)
    out = io.StringIO()
    platform = ConsolePlatform(Console(file=out, width=120, color_system=None), tmp_path,
                               dispatcher)
    await platform.post("console:acme", "general", Reply(text="#FollowFriday"))
    assert out.getvalue().splitlines()[0] == line
