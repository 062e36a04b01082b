"""SQLite reads run on the loop's thread; a file that is busy is read by the reader that
may wait, on a thread of its own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chatbot.storage import open_storage
from tests.support.fakes import FrozenClock

TEAM = "console:acme"


class BusyOnce:
    """The loop's reader as SQLite answers it while another connection recovers the log
    after a crash: busy, once."""

    def __init__(self, reader: sqlite3.Connection) -> None:
        self._reader = reader
        self.refused: list[str] = []

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        if not self.refused:
            self.refused.append(sql)
            raise sqlite3.OperationalError("database is locked")
        return self._reader.execute(sql, params)

    def close(self) -> None:
        self._reader.close()


async def test_a_read_that_finds_the_file_busy_is_answered_by_the_waiting_reader(
    tmp_path: Path, clock: FrozenClock
) -> None:
    storage = await open_storage(f"sqlite:///{tmp_path / 'k.db'}")
    try:
        now = clock.now()
        await storage.teams.ensure(TEAM, "console", "acme", now)
        await storage.members.ensure(TEAM, "alice", "Alice", now)
        db = storage.db
        busy = BusyOnce(db._reader)  # type: ignore[arg-type]
        db._reader = busy  # type: ignore[assignment]
        member = await storage.members.get(TEAM, "alice")
        assert member is not None and member.display_name == "Alice"
        assert busy.refused, "the first try met the busy file"
        assert (await storage.members.get(TEAM, "alice")) == member
    finally:
        await storage.close()


async def test_reads_see_every_commit_at_once(tmp_path: Path, clock: FrozenClock) -> None:
    storage = await open_storage(f"sqlite:///{tmp_path / 'k.db'}")
    try:
        now = clock.now()
        await storage.teams.ensure(TEAM, "console", "acme", now)
        for n in range(5):
            await storage.members.ensure(TEAM, f"u{n}", f"U{n}", now)
            assert len(await storage.members.all(TEAM)) == n + 1
    finally:
        await storage.close()
