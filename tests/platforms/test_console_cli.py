"""The console as a newcomer uses it: a real `python -m chatbot console` process."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from chatbot.platforms.console import ConsoleSession, run_console

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run_cli(tmp_path: Path, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'k.db'}", NO_COLOR="1",
               PYTHONPATH=str(REPO_ROOT), KLOUT_EXPORT_DIR=str(tmp_path / "out"))
    return subprocess.run(
        [sys.executable, "-m", "chatbot", "console", *args],
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


async def test_one_reply_per_line_with_aligned_tables(console: ConsoleSession,
                                                      tmp_path: Path) -> None:
    out = io.StringIO()
    lines = "/klout give @bob python\n/klout topics @bob\n/klout export\n"
    code = await run_console(console, stdin=io.StringIO(lines),
                             console=Console(file=out, width=100, color_system=None),
                             files_dir=tmp_path)
    text = out.getvalue()
    assert code == 0
    assert text.count("\n\n") == 3  # one blank-separated reply per input line
    assert "+K! alice endorsed bob for python" in text
    assert (tmp_path / "klout-export.json").exists()
