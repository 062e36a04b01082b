"""The store's version is what read caches (the boards) compare: it moves when scores
change and stays put while a refresh stores what it fetched, so 200 commands during a
refresh are not each rebuilding the movers board (bench/RESULTS.md)."""

from __future__ import annotations

from datetime import timedelta

from chatbot.storage import Storage
from chatbot.storage.activity import FetchedAccount
from chatbot.storage.scores import DayScore
from chatbot.values.accounts import Post
from tests.support.fakes import FrozenClock

TEAM = "console:acme"


async def test_storing_a_fetch_leaves_the_version_and_scores_move_it(
    storage: Storage, clock: FrozenClock,
) -> None:
    now = clock.now()
    await storage.teams.ensure(TEAM, "console", "acme", now)
    await storage.members.ensure(TEAM, "alice", "alice", now)
    handle = await storage.handles.add(TEAM, "alice", "github", "alice", None, "code", now)
    before = await storage.db.version()

    assert await storage.activity.save_fetch(handle, FetchedAccount(
        "id-alice", 10, 5, 1, {}, [Post("p", now - timedelta(days=1), likes=3)]), now)
    await storage.handles.mark_stale(TEAM, "alice", "github", "timed out", now)
    assert await storage.activity.prune_posts(now - timedelta(days=2)) == 0
    assert await storage.db.version() == before, "nothing a board shows has changed"

    await storage.scores.save_days([DayScore(TEAM, "alice", now.date(), 40, 40.0, "2.0", "{}",
                                             {"github": 40.0}, now)])
    scored = await storage.db.version()
    assert scored > before
    await storage.scores.withdraw(TEAM, ["alice"])
    assert await storage.db.version() > scored
