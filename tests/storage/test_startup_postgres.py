"""Six `kloutbot` processes starting together on one new PostgreSQL database all come up:
the advisory lock lets one upgrade the schema while the others wait and find it done."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chatbot.storage import open_storage
from chatbot.storage.schema import head
from tests.support.engines import is_postgres

REPO_ROOT = Path(__file__).resolve().parents[2]


async def test_six_processes_starting_together_on_a_new_postgres_database(
    database_url: str, tmp_path: Path,
) -> None:
    if not is_postgres(database_url):
        pytest.skip("the SQLite variant is in tests/test_startup_errors.py")
    env = {**os.environ, "DATABASE_URL": database_url, "NO_COLOR": "1",
           "PYTHONPATH": str(REPO_ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    outcomes = await asyncio.to_thread(_six_consoles, env, tmp_path)
    for code, out, err in outcomes:
        assert code == 0 and err == "", err
        assert "60" in out
    storage = await open_storage(database_url)
    try:
        row = await storage.db.fetch_one("SELECT COUNT(*) FROM goals")
        assert row is not None and row[0] == 6
        assert (await storage.db.schema()).revision == head()
    finally:
        await storage.close()


def _six_consoles(env: dict[str, str], cwd: Path) -> list[tuple[int, str, str]]:
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "chatbot", "console", "--user", f"member{i}", "--team",
             "acme"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=cwd, env=env)
        for i in range(6)
    ]
    outcomes: list[tuple[int, str, str]] = []
    try:
        for process in processes:
            out, err = process.communicate("/klout goal 60\n", timeout=120)
            outcomes.append((process.returncode, out, err))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    return outcomes
