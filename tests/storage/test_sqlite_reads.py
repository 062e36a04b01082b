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


class Watched:
    """The loop's reader, noting what it was asked."""

    def __init__(self, reader: sqlite3.Connection) -> None:
        self._reader = reader
        self.asked: list[str] = []

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        self.asked.append(sql)
        return self._reader.execute(sql, params)

    def close(self) -> None:
        self._reader.close()


async def test_whole_team_reads_run_beside_the_loop_and_a_members_on_it(
    tmp_path: Path, clock: FrozenClock
) -> None:
    storage = await open_storage(f"sqlite:///{tmp_path / 'k.db'}")
    try:
        now = clock.now()
        await storage.teams.ensure(TEAM, "console", "acme", now)
        for n in range(3):
            await storage.members.ensure(TEAM, f"u{n}", f"U{n}", now)
        db = storage.db
        watched = Watched(db._reader)  # type: ignore[arg-type]
        db._reader = watched  # type: ignore[assignment]
        assert await storage.members.names(TEAM) == {"u0": "U0", "u1": "U1", "u2": "U2"}
        assert watched.asked == [], "a whole team's names are read on the thread"
        member = await storage.members.get(TEAM, "u1")
        assert member is not None and member.display_name == "U1"
        assert len(watched.asked) == 1, "one member is read on the loop's thread"
    finally:
        await storage.close()
