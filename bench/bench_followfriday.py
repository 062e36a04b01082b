"""The weekly post's button at team scale: each member's own #FollowFriday, answered from
the stored week.

A team of 10,000 members (1,000 in quick mode) is seeded with two networks each, then the
real planner makes the week's post (three suggestions per member, stored) and the week is
recorded as posted, as the scheduler leaves it; how long that took is reported too.
The button runs `followfriday week 2026-W48` as the presser
through `Dispatcher.run_text` with the real FollowFridayService, the path a Slack or
Discord click takes after the adapter. Timed: the very first press (cold caches) by the
last member in id order, then 200 presses by the last member and 200 by random members;
for comparison, the whole-plan path a preview takes before the week is posted.
The target is the issue's: under 3 s, even for the last member of 10,000.

Run: `python -m bench --only followfriday` (add `--quick` for 1,000 members).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from bench import Figure, figure, latency_figures
from bench.engine import bench_database, engine_name
from bench.seed import member_id, member_name, seed_team
from chatbot.followfriday.schedule import KIND
from chatbot.followfriday.service import FollowFridayService
from chatbot.influence.leaderboards import Leaderboards
from chatbot.platforms.console import resolve_mention
from chatbot.storage import Storage, open_storage
from commands.context import Caller, Services
from commands.registry import Dispatcher
from tests.support.fakes import FakeEngine, FrozenClock

TEAM = "bench"
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
WEEK = "2026-W48"
SAMPLES = 200
TARGET_MS = 3000.0


async def _plan_and_post(storage: Storage, service: FollowFridayService) -> float:
    """The weekly post as the scheduler makes it (plan stored), then recorded as posted;
    returns the seconds composing it took."""
    started = time.perf_counter()
    post = await service.weekly_post(TEAM, FRIDAY)
    elapsed = time.perf_counter() - started
    if not post.buttons:
        raise AssertionError(f"the post has no button: {post}")
    schedule = storage.schedule
    await schedule.claim(TEAM, KIND, WEEK, FRIDAY, "bench")
    await schedule.mark_posted(TEAM, KIND, WEEK, FRIDAY)
    await storage.db.analyze()
    return elapsed


def _caller(index: int) -> Caller:
    return Caller(team_id=TEAM, platform="console", user_id=member_id(index),
                  display_name=member_name(index))


async def _press(dispatcher: Dispatcher, index: int) -> float:
    started = time.perf_counter()
    reply = await dispatcher.run_text(_caller(index), f"followfriday week {WEEK}",
                                      resolve_mention)
    elapsed = (time.perf_counter() - started) * 1000
    if not reply.fields or "#FollowFriday @" not in reply.fields[-1].value:
        raise AssertionError(f"member {index} got no suggestions: {reply}")
    return elapsed


async def _run(quick: bool) -> list[Figure]:
    members = 1_000 if quick else 10_000
    with tempfile.TemporaryDirectory() as folder:
        async with bench_database(Path(folder), "followfriday") as url:
            storage = await open_storage(url)
            try:
                await seed_team(storage, TEAM, members, days=8, today=date(2026, 11, 27),
                                compact_history=True)
                clock = FrozenClock(FRIDAY)
                service = FollowFridayService(storage, {}, clock)
                composed = await _plan_and_post(storage, service)
                dispatcher = Dispatcher(Services(storage=storage, engine=FakeEngine(),
                                                 followfriday=service, clock=clock,
                                                 boards=Leaderboards(storage)))
                last = members - 1
                first = await _press(dispatcher, last)
                again = [await _press(dispatcher, last) for _ in range(SAMPLES)]
                rng = random.Random(3)
                anyone = [await _press(dispatcher, rng.randrange(members))
                          for _ in range(SAMPLES)]
                whole = []
                for _ in range(5):
                    started = time.perf_counter()
                    await service.preview(TEAM, member_id(last), FRIDAY)
                    whole.append((time.perf_counter() - started) * 1000)
            finally:
                await storage.close()
    label = f"followfriday button, {members:,} members, {engine_name()}"
    return [
        figure(f"followfriday weekly post planned and composed, {members:,} members, "
               f"{engine_name()}", composed, "s", None,
               note="the scheduler's work once a week, follow lists not fetched"),
        figure(f"{label}: first press, last member", first, "ms", TARGET_MS),
        *latency_figures(f"{label}: last member", again, TARGET_MS),
        *latency_figures(f"{label}: random members", anyone, TARGET_MS),
        figure(f"{label}: the same part read from the whole plan and roster", min(whole),
               "ms", None, note="the path before a week is posted, for comparison"),
    ]


def run(quick: bool) -> list[Figure]:
    return asyncio.run(_run(quick))


__all__ = ["run"]
