"""The console as a newcomer uses it: a real `python -m chatbot console` process."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from chatbot.platforms.console import ConsoleSession, run_console
from chatbot.storage import Storage
from commands.registry import Dispatcher
from tests.support.fakes import FrozenClock

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run_cli(tmp_path: Path, stdin: str, *args: str, command: str = "console",
             environ: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m chatbot console …` in a terminal that asks for no language unless
    `environ` sets LANG or LC_ALL."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "DISCORD_", "LC_")) and k != "LANG"}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'k.db'}", NO_COLOR="1",
               PYTHONPATH=str(REPO_ROOT), KLOUT_EXPORT_DIR=str(tmp_path / "out"),
               **(environ or {}))
    return subprocess.run(
        [sys.executable, "-m", "chatbot", command, *args],
        input=stdin, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60,
    )


def test_piped_console_answers_each_line_and_exits_zero(tmp_path: Path) -> None:
    result = _run_cli(tmp_path, "/klout help\n\n# a comment\n/klout leaderboard\nfrobnicate\n",
                      "--user", "alice", "--team", "acme")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Kloutbot — what I can do" in out
    assert "Nobody has a score yet" in out
    assert "I don't know the command “frobnicate”" in out
    assert "\x1b[" not in out  # no colour codes in a pipe
    assert result.stderr == ""


def test_console_rejects_a_bad_member_name(tmp_path: Path) -> None:
    result = _run_cli(tmp_path, "", "--user", "bad name!")
    assert result.returncode == 2 and "--user" in result.stderr


async def test_one_reply_per_line_with_aligned_tables(
    dispatcher: Dispatcher, storage: Storage, clock: FrozenClock, tmp_path: Path
) -> None:
    await storage.teams.ensure("console:acme", "console", "acme", clock.now())
    await storage.members.ensure("console:acme", "bob", "bob", clock.now())
    console = ConsoleSession(dispatcher, "alice", "acme", files_dir=tmp_path)
    out = io.StringIO()
    lines = "/klout give @bob python\n/klout topics @bob\n/klout export\n"
    code = await run_console(console, stdin=io.StringIO(lines),
                             console=Console(file=out, width=100, color_system=None))
    text = out.getvalue()
    assert code == 0
    assert text.count("\n\n") == 3  # one blank-separated reply per input line
    assert "+K! alice endorsed bob for python" in text
    assert (tmp_path / "team-acme" / "member-alice" / "klout-export.json").exists()


def test_forget_deletes_the_members_exports_and_images_too(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _run_cli(tmp_path, "/klout goal 60\n/klout export\n", "--user", "alice",
                     "--team", "acme")
    assert first.returncode == 0, first.stderr
    _run_cli(tmp_path, "/klout export\n", "--user", "bob", "--team", "acme")
    alice = out / "team-acme" / "member-alice"
    assert (alice / "klout-export.json").exists()
    (alice / "klout-card.png").write_bytes(b"\x89PNG rendered earlier")

    gone = _run_cli(tmp_path, "/klout forget confirm\n", "--user", "alice", "--team", "acme")
    assert gone.returncode == 0 and "deleted" in gone.stdout
    assert not alice.exists()
    assert (out / "team-acme" / "member-bob" / "klout-export.json").exists()


def test_an_export_folder_that_is_a_file_is_a_clear_message(tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    at_start = _run_cli(tmp_path, "/klout export\n", "--user", "alice")
    assert at_start.returncode == 2
    assert at_start.stderr.strip() == f"kloutbot: KLOUT_EXPORT_DIR: must be a folder, and " \
                                      f"{blocker} is a file"


async def test_a_file_that_cannot_be_saved_costs_the_file_not_the_session(
    dispatcher: Dispatcher, tmp_path: Path
) -> None:
    """The folder turned into a file after start-up: the reply says so and the session goes on."""
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    console = ConsoleSession(dispatcher, "alice", "acme", files_dir=blocker)
    out = io.StringIO()
    code = await run_console(console, stdin=io.StringIO("/klout export\n/klout help\n"),
                             console=Console(file=out, width=100, color_system=None))
    text = out.getvalue()
    assert code == 0
    assert "Couldn't save the file" in text and "KLOUT_EXPORT_DIR" in text
    assert "what I can do" in text
