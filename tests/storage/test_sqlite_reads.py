"""SQLite reads run on the loop's thread; a file that is busy is read by the reader that
may wait, on a thread of its own."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chatbot.storage import Storage, open_storage
from tests.support.fakes import FrozenClock

TEAM = "console:acme"


class Watched:
    """The loop's reader, noting what it was asked; with `busy_once`, it answers the first
    statement as SQLite does while another connection recovers the log after a crash."""

    def __init__(self, reader: sqlite3.Connection, *, busy_once: bool = False) -> None:
        self._reader = reader
        self._busy_once = busy_once
        self.asked: list[str] = []

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        self.asked.append(sql)
        if self._busy_once and len(self.asked) == 1:
            raise sqlite3.OperationalError("database is locked")
        return self._reader.execute(sql, params)

    def close(self) -> None:
        self._reader.close()


@pytest.fixture
async def members(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Storage]:
    """A SQLite file whose team has members u0, u1 and u2."""
    storage = await open_storage(f"sqlite:///{tmp_path / 'k.db'}")
    now = clock.now()
    await storage.teams.ensure(TEAM, "console", "acme", now)
    for n in range(3):
        await storage.members.ensure(TEAM, f"u{n}", f"U{n}", now)
    yield storage
    await storage.close()


def watch(storage: Storage, *, busy_once: bool = False) -> Watched:
    db = storage.db
    watched = Watched(db._reader, busy_once=busy_once)  # type: ignore[arg-type]
    db._reader = watched  # type: ignore[assignment]
    return watched


async def test_a_read_that_finds_the_file_busy_is_answered_by_the_waiting_reader(
    members: Storage,
) -> None:
    busy = watch(members, busy_once=True)
    member = await members.members.get(TEAM, "u1")
    assert member is not None and member.display_name == "U1"
    assert busy.asked, "the first try met the busy file"
    assert (await members.members.get(TEAM, "u1")) == member


async def test_reads_see_every_commit_at_once(members: Storage, clock: FrozenClock) -> None:
    for n in range(3, 8):
        await members.members.ensure(TEAM, f"u{n}", f"U{n}", clock.now())
        assert len(await members.members.all(TEAM)) == n + 1


async def test_whole_team_reads_run_beside_the_loop_and_a_members_on_it(
    members: Storage,
) -> None:
    watched = watch(members)
    assert await members.members.names(TEAM) == {"u0": "U0", "u1": "U1", "u2": "U2"}
    assert watched.asked == [], "a whole team's names are read on the thread"
    member = await members.members.get(TEAM, "u1")
    assert member is not None and member.display_name == "U1"
    assert len(watched.asked) == 1, "one member is read on the loop's thread"
