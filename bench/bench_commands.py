"""Command latency through the real command core and a real SQLite file.

A team of 10,000 members with 90 days of daily history is seeded, then
`/klout @user` and `/klout leaderboard` run through `Dispatcher.run_text` with
the console's mention resolver, exactly the path a console or Slack message
takes after parsing; the leaderboard is timed again on 100,000 members. Quick
mode uses 1,000 members, and 10,000 with 30 days of history. The engine and
#FollowFriday planner are the test fakes: neither command touches them.

Besides the end-to-end p50/p99, the storage calls those commands make are
timed one by one, so a miss names the slow query.
Then 200 commands are sent at once, on an idle bot and during a refresh.

Run: `python -m bench --only commands` (add `--quick` for small teams).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from bench import Figure, figure, latency_figures, percentile
from bench.engine import bench_database, engine_name
from bench.seed import NETWORKS, member_id, member_name, noon, seed_team
from chatbot.influence.leaderboards import Leaderboards
from chatbot.influence.refresh import Refresher
from chatbot.platforms.console import console_team_id, resolve_mention
from chatbot.storage import Storage, open_storage
from chatbot.values.accounts import Post, Profile
from chatbot.values.network_errors import NetworkError
from commands.context import Caller, Services
from commands.registry import Dispatcher
from tests.support.fakes import FakeEngine, FakeFollowFriday, FrozenClock

TODAY = date(2026, 11, 25)
TEAM = "bench"
HISTORY_DAYS = 90

CARD_TARGET_MS = 50.0
BOARD_TARGET_MS = 50.0
BIG_BOARD_TARGET_MS = 150.0
CONCURRENT_TARGET_MS = 300.0
CONCURRENT_COMMANDS = 200

def caller(index: int) -> Caller:
    return Caller(
        team_id=console_team_id(TEAM),
        platform="console",
        user_id=member_id(index),
        display_name=member_name(index),
        is_admin=False,
        team_name=TEAM,
        channel_id="console",
    )


def build_dispatcher(storage: Storage, clock: FrozenClock) -> Dispatcher:
    services = Services(storage=storage, engine=FakeEngine(),
                        followfriday=FakeFollowFriday(storage), clock=clock,
                        boards=Leaderboards(storage))
    return Dispatcher(services)


async def sample_ms(
    action: Callable[[int], Awaitable[object]],
    *,
    samples: int,
    budget_s: float,
    minimum: int = 20,
    warmup: int = 2,
) -> list[float]:
    """Up to `samples` timings, stopping early (but not below `minimum`) at `budget_s`."""
    for n in range(warmup):
        await action(n)
    timings: list[float] = []
    started = time.perf_counter()
    for n in range(samples):
        begin = time.perf_counter()
        await action(n)
        timings.append((time.perf_counter() - begin) * 1000)
        if len(timings) >= minimum and time.perf_counter() - started > budget_s:
            break
    return timings


async def _seeded(url: str, members: int, days: int, *, compact: bool) -> Storage:
    storage = await open_storage(url)
    await seed_team(storage, console_team_id(TEAM), members, days=days, today=TODAY,
                    compact_history=compact)
    return storage


async def _command_latency(
    storage: Storage, members: int, *, quick: bool, label: str, large: bool
) -> list[Figure]:
    """The small team times help, score card and board; the large one the board only."""
    clock = FrozenClock(noon(TODAY))
    dispatcher = build_dispatcher(storage, clock)
    rng = random.Random(3)
    board_target = BIG_BOARD_TARGET_MS if large else BOARD_TARGET_MS
    budget = 3.0 if quick else 20.0
    samples = 60 if quick else 300
    minimum = 5 if quick and large else 20
    figures: list[Figure] = []

    async def card(_: int) -> object:
        target = member_id(rng.randrange(members))
        reply = await dispatcher.run_text(caller(rng.randrange(members)), f"@{target}",
                                          resolve_mention)
        assert reply.title.startswith(member_name(int(target[1:]))), reply.title
        return reply

    async def board(n: int) -> object:
        page = "" if n % 2 == 0 else f" page {1 + rng.randrange(members // 10)}"
        reply = await dispatcher.run_text(caller(rng.randrange(members)), f"leaderboard{page}",
                                          resolve_mention)
        assert reply.table is not None, reply.text
        return reply

    async def movers(_: int) -> object:
        reply = await dispatcher.run_text(caller(rng.randrange(members)), "leaderboard week",
                                          resolve_mention)
        assert reply.table is not None, reply.text
        return reply

    async def help_text(_: int) -> object:
        return await dispatcher.run_text(caller(rng.randrange(members)), "help",
                                         resolve_mention)

    if not large:
        timings = await sample_ms(help_text, samples=samples, budget_s=budget / 4)
        figures += latency_figures(
            f"/klout help (the dispatcher's own cost), {label}", timings, None,
            note="the team and the caller's name are written when they change")
        timings = await sample_ms(card, samples=samples, budget_s=budget)
        figures += latency_figures(f"/klout @user, {label}", timings, CARD_TARGET_MS)
        timings = await sample_ms(movers, samples=samples, budget_s=budget / 2,
                                  minimum=10)
        figures += latency_figures(f"/klout leaderboard week (movers), {label}", timings,
                                   None, note="no target set; ranks every member's gain")
    timings = await sample_ms(board, samples=samples, budget_s=budget, minimum=minimum)
    figures += latency_figures(f"/klout leaderboard, {label}", timings, board_target)
    if not (quick and large):
        figures += await _query_breakdown(storage, members, label, quick=quick)
    return figures


def _ignoring_index(call: Callable[[], Awaitable[object]]) -> Callable[[int], Awaitable[object]]:
    async def action(_: int) -> object:
        return await call()

    return action


async def _query_breakdown(
    storage: Storage, members: int, label: str, *, quick: bool
) -> list[Figure]:
    """Median time of each storage call the score card and the boards make."""
    team = console_team_id(TEAM)
    user = member_id(members // 2)
    week_ago = TODAY - timedelta(days=7)
    boards = Leaderboards(storage)
    repeats = 5 if quick else 15
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "boards.page (current board, one page)": lambda: boards.page(
            team, TODAY, page=1 + members // 20, size=10, caller=user),
        "scores.board_place (score card's rank)": lambda: storage.scores.board_place(team,
                                                                                     user),
        "scores.values_on(today)": lambda: storage.scores.values_on(team, TODAY),
        "scores.values_on(a week ago)": lambda: storage.scores.values_on(team, week_ago),
        "boards.page(since a week ago) (movers)": lambda: boards.page(
            team, TODAY, page=1, size=10, caller=user, since=week_ago),
        "members.names (whole team)": lambda: storage.members.names(team),
        "scores.latest": lambda: storage.scores.latest(team, user, TODAY),
        "scores.history (90 d)": lambda: storage.scores.history(
            team, user, TODAY - timedelta(days=90)),
        "scores.network_history": lambda: storage.scores.network_history(team, user, TODAY),
    }
    figures = []
    for name, call in calls.items():
        timings = await sample_ms(_ignoring_index(call), samples=repeats, budget_s=10.0,
                                  minimum=3, warmup=1)
        figures.append(figure(f"query {name}, {label} p50", percentile(timings, 0.5), "ms",
                              None))
    return figures


class LatencyClient:
    """A network that answers every account after `latency` seconds, like a real API."""

    label = "Bench"
    profiles_per_request = 25
    parallel_accounts = 16

    def __init__(self, name: str, latency: float) -> None:
        self.name = name
        self._latency = latency

    def parse_handle(self, raw: str) -> str:
        return raw

    def handle_for_humans(self, handle: str) -> str:
        return f"@{handle}"

    async def fetch_profiles(self, handles: Sequence[str]) -> Mapping[str, Profile | NetworkError]:
        await asyncio.sleep(self._latency)
        return {
            handle: Profile(network=self.name, handle=handle, account_id=f"id-{handle}",
                            followers=500 + len(handle), following=120, posts_count=900,
                            extra={"stars": 12, "forks": 3, "public_repos": 20}
                            if self.name == "github" else {})
            for handle in handles
        }

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        await asyncio.sleep(self._latency)
        return [
            Post(id=f"{profile.handle}-{n}", created_at=since + timedelta(days=1 + n * 4),
                 replies=n % 4, reposts=n % 6, likes=3 * n)
            for n in range(20)
        ]

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        return None


async def _burst(dispatcher: Dispatcher, members: int, seed: int) -> list[tuple[float, bool]]:
    """CONCURRENT_COMMANDS commands sent at once: (ms until answered, answered without error).

    The mix is what a busy channel sends: score cards, boards, movers, help.
    """
    rng = random.Random(seed)
    mix = (["@{}"] * 100 + ["leaderboard"] * 50 + ["leaderboard week"] * 20
           + ["leaderboard page {}"] * 10 + ["help"] * 20)
    rng.shuffle(mix)

    async def one(text: str) -> tuple[float, bool]:
        command = text.format(member_id(rng.randrange(members))) if text.startswith("@") \
            else text.format(1 + rng.randrange(max(1, members // 10)))
        reply = await dispatcher.run_text(caller(rng.randrange(members)), command,
                                          resolve_mention)
        # From the moment all were sent: time spent waiting for a turn counts.
        return (time.perf_counter() - sent) * 1000, reply.tone.value != "error"

    sent = time.perf_counter()
    return list(await asyncio.gather(*(one(text) for text in mix[:CONCURRENT_COMMANDS])))


async def _concurrent_during_refresh(
    storage: Storage, members: int, *, quick: bool, label: str
) -> list[Figure]:
    """200 commands sent at once, first on an idle bot, then while a refresh writes."""
    clock = FrozenClock(noon(TODAY) + timedelta(hours=1))
    dispatcher = build_dispatcher(storage, clock)
    figures: list[Figure] = []
    if not quick:
        idle = await _burst(dispatcher, members, seed=4)
        figures += latency_figures(
            f"{CONCURRENT_COMMANDS} concurrent commands, idle, {label}",
            [ms for ms, _ in idle], CONCURRENT_TARGET_MS)

    clients = {net: LatencyClient(net, 0.02) for net in NETWORKS}
    # One process: the refresh steps aside for the commands, as in `kloutbot run`.
    refresher = Refresher(storage, clients, clock, foreground=dispatcher.services.foreground)
    refreshing = min(members, 150 if quick else 2_000)
    team = console_team_id(TEAM)
    due = (await storage.members.all(team))[:refreshing]
    writing = asyncio.Event()

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "saving":
            writing.set()

    refresh_started = time.perf_counter()
    refresh = asyncio.create_task(refresher.refresh(due, progress=progress))
    await asyncio.wait_for(writing.wait(), timeout=120)
    cpu_before = time.process_time()
    answered = await _burst(dispatcher, members, seed=5)
    burst_cpu_ms = (time.process_time() - cpu_before) * 1000
    refresh_running = not refresh.done()
    report = await refresh
    refresh_s = time.perf_counter() - refresh_started
    timings = [ms for ms, _ in answered]
    ok = sum(1 for _, good in answered if good)
    figures += latency_figures(
        f"{CONCURRENT_COMMANDS} concurrent commands during refresh, {label}", timings,
        CONCURRENT_TARGET_MS,
        note=f"refresh of {refreshing} members still running when the last answered: "
             f"{refresh_running}",
    )
    figures.append(figure(f"concurrent commands answered, {label}", ok, "commands",
                          CONCURRENT_COMMANDS, goal="min"))
    figures.append(figure(
        f"this process's CPU during those commands, {label}", burst_cpu_ms, "ms", None,
        note="the commands' and the refresh's share of it; unlike the p99, it does not grow "
             "with other work on the machine (PostgreSQL's own CPU is not in it)"))
    figures.append(figure(f"refresh of {refreshing} members alongside, {label}", refresh_s,
                          "s", None, note=f"scored {report.scored}"))
    return figures


async def _run(quick: bool) -> list[Figure]:
    small, large = (1_000, 10_000) if quick else (10_000, 100_000)
    large_days = 30 if quick else HISTORY_DAYS
    figures: list[Figure] = []
    engine = engine_name()
    with tempfile.TemporaryDirectory(prefix="klout-bench-") as folder:
        async with bench_database(Path(folder), f"team-{small}") as url:
            figures += await _small_team(url, small, quick=quick, engine=engine)
        async with bench_database(Path(folder), f"team-{large}") as url:
            figures += await _large_team(url, large, large_days, quick=quick, engine=engine)
    return figures


async def _small_team(url: str, small: int, *, quick: bool, engine: str) -> list[Figure]:
    figures: list[Figure] = []
    storage = await _seeded(url, small, HISTORY_DAYS, compact=False)
    try:
        label = f"{small:,} members" + ("" if engine == "sqlite" else f", {engine}")
        figures += await _command_latency(storage, small, quick=quick, label=label,
                                          large=False)
        figures += await _concurrent_during_refresh(storage, small, quick=quick,
                                                    label=label)
    finally:
        await storage.close()
    return figures


async def _large_team(url: str, large: int, large_days: int, *, quick: bool, engine: str
                      ) -> list[Figure]:
    storage = await _seeded(url, large, large_days, compact=True)
    suffix = "" if engine == "sqlite" else f", {engine}"
    try:
        return await _command_latency(storage, large, quick=quick,
                                      label=f"{large:,} members, {large_days} d{suffix}",
                                      large=True)
    finally:
        await storage.close()


def run(quick: bool) -> list[Figure]:
    return asyncio.run(_run(quick))


__all__ = ["run"]
