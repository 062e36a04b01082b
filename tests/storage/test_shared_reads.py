"""Identical reads in flight at once are sent once, but never across a commit: a member
who has just set a goal sees it, even while a read from before is still on its way."""

from __future__ import annotations

import asyncio
from typing import Any

from chatbot.storage import Storage
from chatbot.storage.database import Row
from tests.support.fakes import FrozenClock

TEAM = "console:acme"
GOAL = "SELECT target FROM goals WHERE team_id = ? AND user_id = ?"


async def test_a_read_after_a_commit_is_not_answered_by_one_from_before(
    storage: Storage, clock: FrozenClock,
) -> None:
    now = clock.now()
    await storage.teams.ensure(TEAM, "console", "acme", now)
    await storage.members.ensure(TEAM, "alice", "alice", now)
    await storage.goals.set(TEAM, "alice", 60, None, 10.0, now)
    db = storage.db
    sent: list[str] = []
    hold = asyncio.Event()
    answered = asyncio.Event()
    real_read = db._read

    async def slow_first_read(sql: str, params: tuple[Any, ...], bulk: bool = False) -> list[Row]:
        sent.append(sql)
        rows = await real_read(sql, params, bulk)
        if len(sent) == 1:
            answered.set()
            await hold.wait()  # answered from before the commit, still on its way
        return rows

    db._read = slow_first_read  # type: ignore[method-assign]
    early = [asyncio.create_task(db.fetch_all(GOAL, (TEAM, "alice"))) for _ in range(3)]
    await answered.wait()
    await storage.goals.set(TEAM, "alice", 80, None, 10.0, now)
    asked_late = asyncio.create_task(db.fetch_all(GOAL, (TEAM, "alice")))
    await asyncio.sleep(0)  # asked while the early read is still on its way
    hold.set()
    answers = await asyncio.gather(*early)
    late = await asked_late

    assert [row["target"] for row in late] == [80]
    assert [[row["target"] for row in rows] for rows in answers] == [[60]] * 3
    assert sent.count(GOAL) == 2, "the three early reads went to the database once"


async def test_a_reader_whose_first_asker_gave_up_still_gets_its_answer(
    storage: Storage, clock: FrozenClock,
) -> None:
    now = clock.now()
    await storage.teams.ensure(TEAM, "console", "acme", now)
    await storage.members.ensure(TEAM, "alice", "alice", now)
    await storage.goals.set(TEAM, "alice", 60, None, 10.0, now)
    db = storage.db
    sent: list[str] = []
    started = asyncio.Event()
    real_read = db._read

    async def first_read_hangs(sql: str, params: tuple[Any, ...], bulk: bool = False) -> list[Row]:
        sent.append(sql)
        if len(sent) == 1:
            started.set()
            await asyncio.Event().wait()  # until cancelled, like a read past its deadline
        return await real_read(sql, params, bulk)

    db._read = first_read_hangs  # type: ignore[method-assign]
    first = asyncio.create_task(db.fetch_all(GOAL, (TEAM, "alice")))
    await started.wait()
    second = asyncio.create_task(db.fetch_all(GOAL, (TEAM, "alice")))
    await asyncio.sleep(0)  # the second now waits on the first's read
    first.cancel()

    assert [row["target"] for row in await second] == [60]
    assert first.cancelled()
