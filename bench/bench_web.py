"""The web pages' latency at 10,000 members, end to end over HTTP on 127.0.0.1.

A team of 10,000 members with 90 days of daily history and each member's posts is
seeded into a real database; the real `WebPages` routes are served by aiohttp on a
free port, and an httpx client fetches, with a valid personal link each time, the
leaderboard (random pages, random viewers, whose row is looked up and pinned), this
week's movers, and a random member's profile (score, networks, 90-day chart,
explanation from the stored posts, endorsements, goal). Each figure is the whole
request: link check, queries, template, HTTP. Quick mode uses 1,000 members.

Run: `python -m bench --only web` (add `--quick` for the small team).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

import httpx
from aiohttp import web

from bench import Figure, latency_figures
from bench.bench_commands import sample_ms
from bench.engine import bench_database, engine_name
from bench.seed import member_id, noon, seed_activity, seed_team
from chatbot.influence.leaderboards import Leaderboards
from chatbot.platforms.console import console_team_id
from chatbot.storage import Storage, open_storage
from chatbot.web.links import WebLinks
from chatbot.web.server import WebPages
from commands.context import Services
from tests.support.fakes import FakeEngine, FakeFollowFriday, FrozenClock

TODAY = date(2026, 11, 25)
TEAM = console_team_id("bench-web")
HISTORY_DAYS = 90
PAGE_TARGET_MS = 50.0
SECRET = "bench-secret-for-web-links-0123456789abcdef"


async def _served(storage: Storage, clock: FrozenClock,
                  measure: Callable[[str, WebLinks], Awaitable[list[Figure]]]
                  ) -> list[Figure]:
    http = web.Application()
    services = Services(storage=storage, engine=FakeEngine(),
                        followfriday=FakeFollowFriday(storage), clock=clock,
                        boards=Leaderboards(storage))
    WebPages(services, WebLinks(storage, "http://127.0.0.1", SECRET).signer).add_routes(http)
    runner = web.AppRunner(http, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        return await measure(url, WebLinks(storage, url, SECRET))
    finally:
        await runner.cleanup()


async def _pages(members: int, *, quick: bool, label: str, storage: Storage,
                 clock: FrozenClock) -> list[Figure]:
    rng = random.Random(5)
    samples = 60 if quick else 400
    budget = 4.0 if quick else 30.0

    async def measure(url: str, links: WebLinks) -> list[Figure]:
        viewers = [member_id(rng.randrange(members)) for _ in range(50)]
        tokens = {viewer: (await links.personal(TEAM, viewer, "en", clock.now())).url
                  for viewer in viewers}
        targets = list((await storage.web.member_web_ids(
            TEAM, [member_id(rng.randrange(members)) for _ in range(200)])).values())
        figures: list[Figure] = []
        async with httpx.AsyncClient(timeout=30) as client:

            async def fetch(path: str) -> None:
                response = await client.get(tokens[rng.choice(viewers)] + path)
                assert response.status_code == 200, (path, response.status_code)

            async def board(n: int) -> None:
                await fetch("" if n % 2 == 0 else f"?page={1 + rng.randrange(members // 10)}")

            async def movers(_: int) -> None:
                await fetch("?period=week")

            async def profile(_: int) -> None:
                await fetch(f"members/{rng.choice(targets)}")

            for name, action in (("leaderboard page", board), ("movers page (week)", movers),
                                 ("profile page", profile)):
                timings = await sample_ms(action, samples=samples, budget_s=budget, warmup=5)
                figures += latency_figures(f"web {name}, {label}", timings, PAGE_TARGET_MS,
                                           note="HTTP on 127.0.0.1, link check to HTML")
        return figures

    return await _served(storage, clock, measure)


async def _run(quick: bool) -> list[Figure]:
    members = 1_000 if quick else 10_000
    engine = engine_name()
    label = f"{members:,} members" + ("" if engine == "sqlite" else f", {engine}")
    clock = FrozenClock(noon(TODAY))
    with tempfile.TemporaryDirectory(prefix="klout-bench-web-") as folder:
        async with bench_database(Path(folder), f"web-{members}") as url:
            storage = await open_storage(url)
            try:
                await seed_team(storage, TEAM, members, days=HISTORY_DAYS, today=TODAY)
                await seed_activity(storage, TEAM, members, day=TODAY, posts_per_handle=20)
                for index in range(0, members, 7):
                    await storage.goals.set(TEAM, member_id(index), 70, TODAY + timedelta(
                        days=60), 30.0, clock.now())
                return await _pages(members, quick=quick, label=label, storage=storage,
                                    clock=clock)
            finally:
                await storage.close()


def run(quick: bool) -> list[Figure]:
    return asyncio.run(_run(quick))


__all__ = ["run"]
