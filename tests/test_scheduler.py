"""The background jobs: configured once, coalesced and jittered, and each one does its work.

The jobs catch every exception (one bad tick must not stop the next), so a test can't
rely on an exception escaping them: each test asserts on what the job did, and on the
absence of a logged failure.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from apscheduler.triggers.interval import IntervalTrigger

from chatbot.app import App, build_app
from chatbot.influence.refresh import RefreshReport
from chatbot.scheduler import build_scheduler
from chatbot.settings import Settings
from tests.followfriday.support import TEAM, Deliveries, FakeDirect, at, make_team
from tests.support.fakes import FrozenClock

FRIDAY_TEN = at("2026-11-27 10:00")


@pytest.fixture
def friday() -> FrozenClock:
    return FrozenClock(FRIDAY_TEN)


@pytest.fixture
async def app(tmp_path: Path, friday: FrozenClock) -> AsyncIterator[App]:
    settings = Settings(database_url=str(tmp_path / "k.db"), klout_refresh_interval_minutes=30)
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    async with build_app(settings, clock=friday, http=http) as built:
        yield built
    await http.aclose()


class SpyRefresher:
    """Stands in for the refresher: records the calls, or fails on demand."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[timedelta] = []
        self.fail = fail

    async def refresh_due(self, older_than: timedelta) -> RefreshReport:
        self.calls.append(older_than)
        if self.fail:
            raise RuntimeError("database is locked")
        return RefreshReport(members=3, scored=2, failed={"github": 1})


def _jobs(app: App, delivery: Deliveries) -> dict[str, Callable[[], Awaitable[None]]]:
    return {job.id: job.func for job in build_scheduler(app, delivery).get_jobs()}


def _failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_jobs_are_coalesced_single_instance_and_jittered(app: App) -> None:
    scheduler = build_scheduler(app, Deliveries())
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"refresh", "followfriday", "purge_uninstalled", "forget_rate_windows"}
    for job in jobs.values():
        assert job.coalesce and job.max_instances == 1
    refresh = jobs["refresh"].trigger
    assert isinstance(refresh, IntervalTrigger)
    # Checks for due members every 15 minutes; a member is due after 30.
    assert refresh.interval.total_seconds() == 15 * 60 and refresh.jitter


async def test_the_jobs_run_cleanly_on_an_empty_bot(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    delivery = Deliveries()
    caplog.set_level(logging.INFO)
    scheduler = build_scheduler(app, delivery)
    for job in scheduler.get_jobs():
        await job.func()
    assert _failures(caplog) == []
    assert delivery.sent == [] and delivery.lookups == []
    assert any("refreshed 0 members" in record.getMessage() for record in caplog.records)


async def test_spent_rate_windows_are_forgotten_once_no_budget_can_count_them(
    app: App, friday: FrozenClock,
) -> None:
    budgets = app.storage.budgets
    now = friday.now().timestamp()
    day = 86_400.0  # YouTube's window, the longest
    assert (await budgets.take("youtube/86400s/www.googleapis.com", 1, 10, day,
                               now - 3 * day))[0] == 1
    assert (await budgets.take("youtube/86400s/www.googleapis.com", 1, 10, day, now))[0] == 1
    await _jobs(app, Deliveries())["forget_rate_windows"]()
    assert await budgets.spent("youtube/86400s/www.googleapis.com", day, now) == 1
    assert await budgets.spent("youtube/86400s/www.googleapis.com", day,
                               now - 3 * day) == 0


async def test_the_refresh_job_refreshes_members_due_after_the_interval(
    app: App, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = SpyRefresher()
    monkeypatch.setattr(app, "refresher", spy)
    caplog.set_level(logging.INFO)
    await _jobs(app, Deliveries())["refresh"]()
    assert spy.calls == [timedelta(minutes=30)]
    assert any("refreshed 3 members (2 scored; failures: {'github': 1})" in r.getMessage()
               for r in caplog.records)


async def test_a_failing_refresh_is_logged_and_the_job_survives(
    app: App, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = SpyRefresher(fail=True)
    monkeypatch.setattr(app, "refresher", spy)
    await _jobs(app, Deliveries())["refresh"]()
    (failure,) = _failures(caplog)
    assert failure.getMessage() == "scheduled refresh failed"
    assert failure.exc_info is not None and "database is locked" in str(failure.exc_info[1])


async def test_the_weekly_job_posts_a_team_whose_slot_has_come(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    await make_team(app.storage, members=3)
    delivery = Deliveries()
    job = _jobs(app, delivery)["followfriday"]
    await job()
    assert [(team, channel) for team, channel, _ in delivery.sent] == [(TEAM, "general")]
    assert delivery.sent[0][2].title == "#FollowFriday · 2026-W48"
    await job()
    assert len(delivery.sent) == 1
    assert _failures(caplog) == []


async def test_the_weekly_job_waits_for_the_slot(app: App, friday: FrozenClock) -> None:
    await make_team(app.storage, members=3)
    friday.moment = FRIDAY_TEN - timedelta(minutes=1)
    delivery = Deliveries()
    await _jobs(app, delivery)["followfriday"]()
    assert delivery.sent == []



async def test_the_weekly_job_sends_the_direct_messages_members_asked_for(
    app: App, friday: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    await make_team(app.storage, members=3)
    await app.storage.followfriday_dms.set_opt_in(TEAM, "bob", True, FRIDAY_TEN)
    delivery, direct = Deliveries(), FakeDirect(friday, per_second=100)
    scheduler = build_scheduler(app, delivery, direct_messages=direct)
    job = next(j.func for j in scheduler.get_jobs() if j.id == "followfriday")
    await job()
    await job()
    assert len(delivery.sent) == 1
    assert [message.user_id for message in direct.sent] == ["bob"]
    assert _failures(caplog) == []
