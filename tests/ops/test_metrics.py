"""What /metrics tells an operator: command latency, refresh outcomes, rate-limit waits and
weekly posts, each counted where the work happens, in one registry per app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from chatbot.app import App, build_app
from chatbot.influence.refresh import RefreshReport
from chatbot.ops.metrics import Metrics
from chatbot.scheduler import build_scheduler
from chatbot.settings import Settings
from commands.context import Caller
from tests.followfriday.support import Deliveries, at, make_team
from tests.support.fakes import FrozenClock

FRIDAY_TEN = at("2026-11-27 10:00")


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    settings = Settings(_env_file=None,  # type: ignore[call-arg]
                        database_url=str(tmp_path / "k.db"))
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    clock = FrozenClock(FRIDAY_TEN)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    async with build_app(settings, clock=clock, http=http, sleep=sleep) as built:
        yield built
    await http.aclose()


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition as Prometheus would scrape it."""
    text = metrics.exposition().decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def caller(platform: str = "slack") -> Caller:
    return Caller(team_id=f"{platform}:T1", platform=platform, user_id="U1",
                  display_name="Alice", is_admin=False, team_name="Acme")


async def test_each_command_is_timed_by_command_and_platform(app: App) -> None:
    dispatcher = app.dispatcher
    await dispatcher.run_text(caller("slack"), "help", lambda token: None)
    await dispatcher.run_text(caller("slack"), "help", lambda token: None)
    await dispatcher.run_text(caller("discord"), "leaderboard", lambda token: None)
    seen = samples(app.metrics)
    assert seen[("kloutbot_command_seconds_count",
                 (("command", "help"), ("platform", "slack")))] == 2
    assert seen[("kloutbot_command_seconds_count",
                 (("command", "leaderboard"), ("platform", "discord")))] == 1


async def test_a_refresh_counts_fetched_failed_and_deferred_by_network(
    app: App, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def refresh_due(older_than: timedelta) -> RefreshReport:
        return RefreshReport(members=5, scored=3, deferred=2,
                             fetched={"bluesky": 3, "github": 1}, failed={"github": 1})

    monkeypatch.setattr(app.refresher, "refresh_due", refresh_due)
    jobs = {job.id: job.func for job in build_scheduler(app, Deliveries()).get_jobs()}
    await jobs["refresh"]()
    await jobs["refresh"]()
    seen = samples(app.metrics)
    assert seen[("kloutbot_refresh_accounts_total",
                 (("network", "bluesky"), ("outcome", "fetched")))] == 6
    assert seen[("kloutbot_refresh_accounts_total",
                 (("network", "github"), ("outcome", "failed")))] == 2
    assert seen[("kloutbot_refresh_deferred_members_total", ())] == 4


async def test_waits_for_a_networks_rate_limit_are_observed(app: App) -> None:
    """GitHub without a token allows 60 requests an hour: one early, 59 near the hour's
    end, and the 61st waits until the first leaves the window: the 10 s this process
    counts itself, then until the minute it was sent in leaves the budget all processes
    share (the window is kept in minute-long buckets), 70 s in all."""
    limiter = app.clients["github"]._fetcher.limiter  # type: ignore[attr-defined]
    clock = app.clock
    assert isinstance(clock, FrozenClock)
    for number in range(61):
        if number == 1:
            clock.advance(seconds=3590)
        async with limiter.slot("api.github.com"):
            pass
    seen = samples(app.metrics)
    assert seen[("kloutbot_rate_limit_wait_seconds_count", (("network", "github"),))] == 2
    assert seen[("kloutbot_rate_limit_wait_seconds_sum", (("network", "github"),))] == \
        pytest.approx(70, abs=1)


async def test_weekly_posts_are_counted_by_outcome(app: App) -> None:
    await make_team(app.storage, members=3)
    delivery = Deliveries()
    delivery.fail_with("The bot may not post in channel general")
    job = {job.id: job.func for job in build_scheduler(app, delivery).get_jobs()}["followfriday"]
    await job()
    seen = samples(app.metrics)
    assert seen[("kloutbot_weekly_posts_total", (("outcome", "failed"),))] == 1
    assert ("kloutbot_weekly_posts_total", (("outcome", "posted"),)) not in seen


async def test_a_weekly_post_that_goes_out_is_counted_once(app: App) -> None:
    await make_team(app.storage, members=3)
    job = {job.id: job.func
           for job in build_scheduler(app, Deliveries()).get_jobs()}["followfriday"]
    await job()
    await job()
    assert samples(app.metrics)[("kloutbot_weekly_posts_total", (("outcome", "posted"),))] == 1


async def test_two_apps_in_one_process_keep_separate_counts(tmp_path: Path) -> None:
    first, second = Metrics(), Metrics()
    first.weekly_post("posted")
    assert samples(first)[("kloutbot_weekly_posts_total", (("outcome", "posted"),))] == 1
    assert ("kloutbot_weekly_posts_total", (("outcome", "posted"),)) not in samples(second)
