"""Refresh throughput against local networks that enforce their published limits.

The real clients come from `build_clients` with the real published budgets
(`networks/limits.py`); only time is sped up: the clients, their limiters and
the fake servers share a `DilatedClock` that runs `factor` times faster than
the wall clock, so a 5-minute Mastodon window lasts 3 real seconds at factor
100 while every rate, header and reset stays as published. Each network is
refreshed on its own by a `Refresher` over a real SQLite database, with enough
members that the refresh needs several windows of budget. A network whose
window is longer than the limiter will wait (GitHub: an hour) cannot finish in
one run, so it is also run the way `kloutbot run` does it: `refresh_due` on
the scheduler's tick until every member has been refreshed.

Figures per network, in network time (what a real deployment would see):
- share of the allowed rate achieved: the shortest time the requests could
  have taken without ever putting more than the budget in one sliding window
  ((ceil(requests / budget) - 1) windows), divided by the time they took;
- requests over the limit: answers 429/403 from the server, and the busiest
  sliding window the server saw against the budget;
- members refreshed, members per minute sustained, API calls per member.

Run: `python -m bench --only refresh` (add `--quick` for shorter runs).
"""

from __future__ import annotations

import asyncio
import math
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from bench import Figure, figure
from bench.fake_networks import DilatedClock, FakeNetworks, ServedAccounts
from bench.seed import seed_members
from chatbot.influence.networks import build_clients, build_mastodon_http
from chatbot.influence.networks import limits as published
from chatbot.influence.refresh import Progress, Refresher, RefreshReport
from chatbot.influence.score import WINDOW_DAYS_DEFAULT
from chatbot.scheduler import REFRESH_TICK_MINUTES
from chatbot.settings import Settings
from chatbot.storage import open_storage

RATE_TARGET = 0.90
MAX_RUNS = 100
"""A scheduled scenario gives up after this many refresh runs."""
BUDGETS: dict[str, tuple[int, float]] = {
    "mastodon": (published.MASTODON.requests, published.MASTODON.per_seconds),
    "bluesky": (published.BLUESKY.requests, published.BLUESKY.per_seconds),
    "github": (published.GITHUB_KEYLESS.requests, published.GITHUB_KEYLESS.per_seconds),
}


@dataclass(frozen=True)
class Scenario:
    network: str
    members: int
    factor: float
    label: str
    scheduled: bool = False
    """Run `refresh_due` on the scheduler's tick until every member is refreshed,
    instead of one `refresh` of everyone."""
    must_finish: bool = True
    """False where one run is expected to leave members due for the next tick."""


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    report: RefreshReport
    """The last refresh run's report."""
    refreshed: int
    runs: int
    requests: int
    rejected: int
    busiest_window: int
    span: float
    """Network seconds from the first request to the last."""
    calls: Mapping[str, int]
    oversized_batches: int
    """Bluesky getProfiles calls refused for asking more than 25 actors."""
    real_seconds: float
    fetch_real_seconds: float


def _handle(network: str, index: int, port: int) -> str:
    if network == "mastodon":
        return f"member{index}@127.0.0.1:{port}"
    if network == "bluesky":
        return f"member{index}.bsky.social"
    return f"member{index}"


TEAM = "console:refresh"


async def _on_schedule(
    refresher: Refresher,
    settings: Settings,
    clock: DilatedClock,
    scenario: Scenario,
    progress: Progress,
) -> tuple[RefreshReport, int, int]:
    """What `kloutbot run` does: `refresh_due` every tick, members a spent limit held
    back staying due. Returns (last report, members refreshed, runs)."""
    interval = timedelta(minutes=settings.klout_refresh_interval_minutes)
    tick = 60 * min(settings.klout_refresh_interval_minutes, REFRESH_TICK_MINUTES)
    refreshed = runs = 0
    while True:
        report = await refresher.refresh_due(interval, team_id=TEAM, progress=progress)
        runs += 1
        refreshed += report.fetched.get(scenario.network, 0)
        if refreshed >= scenario.members or runs >= MAX_RUNS:
            return report, refreshed, runs
        await clock.sleep(tick)


async def _run_scenario(scenario: Scenario, folder: Path) -> Outcome:
    clock = DilatedClock(scenario.factor)
    fake = FakeNetworks(clock, BUDGETS, ServedAccounts(window_days=WINDOW_DAYS_DEFAULT))
    port = await fake.start()
    base = f"http://127.0.0.1:{port}"
    path = folder / f"{scenario.network}-{scenario.members}.db"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite:///{path}",
        bluesky_appview_url=base,
        github_api_url=base,
        klout_allow_private_networks=True,
    )
    storage = await open_storage(path)
    guarded = build_mastodon_http(settings)
    try:
        members = await seed_members(
            storage, TEAM,
            [{scenario.network: _handle(scenario.network, i, port)}
             for i in range(scenario.members)],
            clock.now(),
        )
        async with httpx.AsyncClient(timeout=settings.klout_http_timeout_seconds) as http:
            clients = build_clients(settings, http, clock=clock, sleep=clock.sleep,
                                    mastodon_http=guarded, budgets=storage.budgets)
            refresher = Refresher(storage, {scenario.network: clients[scenario.network]},
                                  clock, window_days=settings.klout_score_window_days)
            fetched_at: list[float] = []

            def progress(stage: str, done: int, total: int) -> None:
                if stage == "saving" and not fetched_at:
                    fetched_at.append(time.perf_counter())

            begin = time.perf_counter()
            if scenario.scheduled:
                report, refreshed, runs = await _on_schedule(refresher, settings, clock,
                                                             scenario, progress)
            else:
                report = await refresher.refresh(members, progress=progress)
                refreshed, runs = report.fetched.get(scenario.network, 0), 1
            real = time.perf_counter() - begin
    finally:
        await guarded.aclose()
        await storage.close()
        await fake.stop()
    counter = fake.counters[scenario.network]
    arrivals = counter.arrivals
    return Outcome(
        scenario=scenario,
        report=report,
        refreshed=refreshed,
        runs=runs,
        requests=len(arrivals),
        rejected=counter.rejected,
        busiest_window=counter.busiest_sliding_window(),
        span=(max(arrivals) - min(arrivals)) if arrivals else 0.0,
        calls=dict(fake.requests[scenario.network]),
        oversized_batches=fake.oversized_batches,
        real_seconds=real,
        fetch_real_seconds=(fetched_at[0] - begin) if fetched_at else real,
    )


def _figures(outcome: Outcome) -> list[Figure]:
    scenario = outcome.scenario
    limit, window = BUDGETS[scenario.network]
    name = f"{scenario.network} ({scenario.label})"
    answered = outcome.requests - outcome.rejected
    fetched = outcome.refreshed
    per_member = outcome.requests / scenario.members
    calls = ", ".join(f"{endpoint} {count / scenario.members:.3f}"
                      for endpoint, count in sorted(outcome.calls.items()))
    figures = []
    ideal = (math.ceil(answered / limit) - 1) * window
    if ideal > 0 and outcome.span > 0:
        share = ideal / outcome.span
        allowed_per_min = 60 * limit / window
        figures.append(figure(
            f"{name}: share of the allowed rate achieved", share, "of rate", RATE_TARGET,
            goal="min",
            note=f"{answered} requests in {outcome.span:,.0f} s of network time; the "
                 f"budget allows them in {ideal:,.0f} s ({limit} per {window:,.0f} s)"))
        figures.append(figure(
            f"{name}: members refreshed per minute (sustained)",
            share * allowed_per_min / per_member, "members/min", None,
            note=f"time {scenario.factor:g}x faster than real; {outcome.real_seconds:.1f} s "
                 f"real, of which fetching {outcome.fetch_real_seconds:.1f} s"))
    else:
        figures.append(figure(
            f"{name}: network time for the whole refresh", outcome.span, "s", None,
            note=f"{answered} requests fit one window of {limit}; "
                 f"{outcome.real_seconds:.1f} s real"))
    figures.append(figure(f"{name}: requests over the limit (429/403)", outcome.rejected,
                          "requests", 0))
    figures.append(figure(
        f"{name}: busiest sliding window / budget", outcome.busiest_window / limit, "of budget",
        1.0, note=f"{outcome.busiest_window} requests in the busiest {window:,.0f} s"))
    failures = list(outcome.report.errors.values())
    runs = f"in {outcome.runs} refresh runs {REFRESH_TICK_MINUTES} min apart" \
        if scenario.scheduled else "in one refresh run"
    left = f"; {len(failures)} failed in the last, e.g. {failures[0]!r}" if failures else ""
    figures.append(figure(
        f"{name}: members refreshed", fetched, "members",
        scenario.members if scenario.must_finish else None, goal="min",
        note=runs + left + (f"; {outcome.report.deferred} left due"
                            if outcome.report.deferred else "")))
    if scenario.network == "bluesky":
        calls += f"; profile batches over 25 refused: {outcome.oversized_batches}"
    figures.append(figure(f"{name}: API calls per member", per_member, "calls", None,
                          note=calls))
    return figures


def scenarios(quick: bool) -> list[Scenario]:
    """Sized so each refresh needs several windows of the network's budget."""
    if quick:
        return [
            Scenario("mastodon", 240, 100, "1.6 windows of demand"),
            Scenario("bluesky", 1_000, 60, "one window of demand"),
            Scenario("github", 20, 1_000, "one window of demand"),
            Scenario("github", 30, 1_000, "1.5 windows of demand, scheduler", scheduled=True),
        ]
    return [
        Scenario("mastodon", 525, 100, "3.5 windows of demand"),
        Scenario("bluesky", 7_200, 15, "2.5 windows of demand"),
        Scenario("github", 20, 1_000, "one window of demand"),
        Scenario("github", 50, 1_000, "2.5 windows of demand, one run", must_finish=False),
        Scenario("github", 80, 1_000, "4 windows of demand, scheduler", scheduled=True),
    ]


async def _run(quick: bool) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="klout-refresh-") as folder:
        for scenario in scenarios(quick):
            figures += _figures(await _run_scenario(scenario, Path(folder)))
    return figures


def run(quick: bool) -> list[Figure]:
    return asyncio.run(_run(quick))
