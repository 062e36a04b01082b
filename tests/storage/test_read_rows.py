"""Rows read the same on both engines: a sum is the int or float SQLite gives, never
PostgreSQL's Decimal, so repository code written against one engine works on the other."""

from __future__ import annotations

from chatbot.storage import Storage
from tests.support.fakes import FrozenClock

TEAM = "console:acme"


async def test_sums_read_as_plain_numbers(storage: Storage, clock: FrozenClock) -> None:
    now = clock.now()
    await storage.teams.ensure(TEAM, "console", "acme", now)
    for user, target, baseline in (("alice", 60, 10.5), ("bob", 80, 20.0)):
        await storage.members.ensure(TEAM, user, user, now)
        await storage.goals.set(TEAM, user, target, None, baseline, now)
    row = await storage.db.fetch_one(
        "SELECT SUM(target) AS targets, SUM(target) / 4.0 AS quarter,"
        " COUNT(*) AS goals FROM goals WHERE team_id = ?", (TEAM,))
    assert row is not None
    assert (row["targets"], row["quarter"], row["goals"]) == (140, 35, 2)
    assert [type(row[name]) for name in ("targets", "goals")] == [int, int]
    half = await storage.db.fetch_one(
        "SELECT SUM(target) / 8.0 AS eighth FROM goals WHERE team_id = ?", (TEAM,))
    assert half is not None and half["eighth"] == 17.5 and type(half["eighth"]) is float
