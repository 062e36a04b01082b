"""Two teams' pages served on 127.0.0.1: what the web tests and the browser tests read.

Team A (`console:acme`, "Acme") has 25 ranked members, so its board has three pages;
alice is among them with a goal and endorsements. Ursula registered but never verified
(provisional: not ranked), and Hank was ranked once but his accounts no longer count.
Team B (`console:bravo`) has Bob and Zed, names that must never show on A's pages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from chatbot.influence.leaderboards import Leaderboards
from chatbot.storage import Storage
from chatbot.storage.social import EndorsementLimits
from chatbot.web.links import WebLinks
from chatbot.web.server import WebPages
from commands.context import Services
from tests.support.fakes import FakeEngine, FakeFollowFriday, FrozenClock, seed_scores

TEAM_A = "console:acme"
TEAM_B = "console:bravo"
SECRET = "a-test-secret-that-is-long-enough-0123456789"
MEMBERS_A = 25
DAYS = 12


@dataclass
class Site:
    url: str
    storage: Storage
    clock: FrozenClock
    links: WebLinks

    async def personal(self, team_id: str, user_id: str, language: str = "en") -> str:
        return (await self.links.personal(team_id, user_id, language, self.clock.now())).url


def member_name(index: int) -> str:
    return "Alice Example" if index == 7 else f"Member {index:02d}"


def member_id(index: int) -> str:
    return "alice" if index == 7 else f"u{index:02d}"


async def seed(storage: Storage, clock: FrozenClock) -> None:
    today = clock.now().date()
    now = clock.now()
    await storage.teams.ensure(TEAM_A, "console", "Acme", now)
    for index in range(MEMBERS_A):
        top = 20.0 + index * 2.5
        # Rising members and falling ones, so the movers boards differ from the board.
        step = 0.5 if index % 2 else -0.3
        await seed_scores(storage, TEAM_A, member_id(index), member_name(index),
                          [top - step * (DAYS - 1 - day) for day in range(DAYS)],
                          last_day=today)
    await storage.goals.set(TEAM_A, "alice", 60, today + timedelta(days=60), 30.0, now)
    limits = EndorsementLimits(per_day=5, same_topic_every=timedelta(days=1))
    alice = ("alice", member_name(7))
    for giver in (1, 2, 3):
        await storage.endorsements.give(TEAM_A, (member_id(giver), member_name(giver)), alice,
                                        "Python", now, limits)
    await storage.endorsements.give(TEAM_A, (member_id(4), member_name(4)), alice, "Community",
                                    now, limits)
    await storage.members.ensure(TEAM_A, "ursula", "Ursula Unverified", now)
    await storage.handles.add(TEAM_A, "ursula", "github", "ursula-gh", "id-ursula", "code", now)
    await seed_scores(storage, TEAM_A, "hank", "Hank Hidden", [70.0, 71.0], last_day=today)
    await storage.scores.withdraw(TEAM_A, ["hank"])
    await seed_scores(storage, TEAM_B, "bob", "Bob Bravo", [55.0, 56.0, 57.0], last_day=today)
    await seed_scores(storage, TEAM_B, "zed", "Zed Bravo", [44.0, 45.0], last_day=today)


@asynccontextmanager
async def serve(storage: Storage, clock: FrozenClock) -> AsyncIterator[Site]:
    """The pages on a free port, with links built on its address."""
    http = web.Application()
    services = Services(storage=storage, engine=FakeEngine(),
                        followfriday=FakeFollowFriday(storage), clock=clock,
                        boards=Leaderboards(storage))
    placeholder = WebLinks(storage, "http://127.0.0.1", SECRET)
    WebPages(services, placeholder.signer).add_routes(http)
    runner = web.AppRunner(http, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield Site(url, storage, clock, WebLinks(storage, url, SECRET))
    finally:
        await runner.cleanup()
