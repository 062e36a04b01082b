"""A database that can't be trusted stops `kloutbot` at once with one clear line.

Each test starts a real `python -m chatbot console` process with a bounded
timeout: before the fix these printed a traceback and then hung forever.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from chatbot.storage.database import LATEST_VERSION
from chatbot.storage.schema import head

REPO_ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60


def _env(database: str | Path, code_root: Path = REPO_ROOT) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "NO_COLOR": "1",
            "PYTHONPATH": str(code_root), "PYTHONDONTWRITEBYTECODE": "1"}


def _console(tmp_path: Path, env: dict[str, str], stdin: str = "/klout help\n",
             preexec: Callable[[], None] | None = None, user: str = "alice",
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chatbot", "console", "--user", user, "--team", "acme"],
        input=stdin, capture_output=True, text=True, cwd=tmp_path, env=env,
        timeout=TIMEOUT, preexec_fn=preexec,
    )


def _one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 1, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for part in expected:
        assert part in lines[0], lines[0]
    return lines[0]


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    garbage = tmp_path / "notes.db"
    garbage.write_bytes(b"these are my notes, not a database\n" * 200)
    before = garbage.read_bytes()
    result = _console(tmp_path, _env(garbage))
    _one_line_error(result, str(garbage), "not a database")
    assert garbage.read_bytes() == before


def test_a_database_from_a_newer_version_is_never_written(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    raw = sqlite3.connect(newer)
    raw.executescript("CREATE TABLE future (x); INSERT INTO future VALUES (1);"
                      "PRAGMA user_version = 999;")
    raw.close()
    before = newer.read_bytes()
    result = _console(tmp_path, _env(newer))
    _one_line_error(result, "newer Kloutbot", "schema 999", f"up to {LATEST_VERSION}")
    assert newer.read_bytes() == before
    assert not (tmp_path / "newer.db-wal").exists()


def test_a_place_where_no_file_can_be_made_is_one_clear_line(tmp_path: Path) -> None:
    """Tests run as root, where chmod does not stop writes: /proc stands in for a read-only
    file system (no file can be created there, whoever asks)."""
    result = _console(tmp_path, _env("/proc/kloutbot-test.db"))
    _one_line_error(result, "/proc/kloutbot-test.db", "unable to open")


def _full_disk() -> None:
    """Runs in the child: every write past the first byte fails as on a full disk (the size
    limit's signal is ignored, so writes return an error instead of killing)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1))


def test_a_full_disk_at_start_is_one_clear_line(tmp_path: Path) -> None:
    result = _console(tmp_path, _env(tmp_path / "full.db"), preexec=_full_disk)
    _one_line_error(result, str(tmp_path / "full.db"))


def test_a_failing_migration_stops_the_process_and_keeps_the_earlier_ones(tmp_path: Path
                                                                          ) -> None:
    code = tmp_path / "code"
    for package in ("chatbot", "commands"):
        shutil.copytree(REPO_ROOT / package, code / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (code / "chatbot" / "storage" / "alembic" / "versions" / "v9999_broken.py").write_text(
        '"""A revision that fails halfway."""\n'
        "from alembic import op\n"
        f"revision = 'v9999_broken'\ndown_revision = {head()!r}\n"
        "def upgrade() -> None:\n"
        "    op.execute('CREATE TABLE half_done (x)')\n"
        "    op.execute('ALTER TABLE no_such_table ADD COLUMN y')\n")
    database = tmp_path / "k.db"
    result = _console(tmp_path, _env(database, code))
    _one_line_error(result, str(database), "no_such_table")
    raw = sqlite3.connect(database)
    try:
        # One transaction: nothing of the failed upgrade stays, not even the baseline.
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
        assert "half_done" not in tables
    finally:
        raw.close()


def test_six_processes_starting_together_on_a_new_database_all_come_up(tmp_path: Path
                                                                       ) -> None:
    database = tmp_path / "fresh.db"
    env = _env(database)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "chatbot", "console", "--user", f"member{i}", "--team",
             "acme"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=tmp_path, env=env)
        for i in range(6)
    ]
    outcomes = []
    try:
        for process in processes:
            out, err = process.communicate("/klout goal 60\n", timeout=TIMEOUT * 2)
            outcomes.append((process.returncode, out, err))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    for code, out, err in outcomes:
        assert code == 0 and err == "", err
        assert "60" in out
    raw = sqlite3.connect(database)
    try:
        assert raw.execute("SELECT COUNT(*) FROM goals").fetchone()[0] == 6
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [(head(),)]
    finally:
        raw.close()
