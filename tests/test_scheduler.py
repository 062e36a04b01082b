"""The background jobs are configured once, coalesced and jittered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from apscheduler.triggers.interval import IntervalTrigger

from chatbot.app import App, build_app
from chatbot.scheduler import build_scheduler
from chatbot.settings import Settings
from chatbot.storage.models import Team
from commands.reply import Reply
from tests.support.fakes import FrozenClock


@pytest.fixture
async def app(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[App]:
    settings = Settings(database_url=str(tmp_path / "k.db"), klout_refresh_interval_minutes=30)
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    async with build_app(settings, clock=clock, http=http) as built:
        yield built
    await http.aclose()


async def _nowhere(team: Team, reply: Reply) -> None:
    raise AssertionError("nothing is due")


async def test_jobs_are_coalesced_single_instance_and_jittered(app: App) -> None:
    scheduler = build_scheduler(app, _nowhere)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"refresh", "followfriday"}
    for job in jobs.values():
        assert job.coalesce and job.max_instances == 1
    refresh = jobs["refresh"].trigger
    assert isinstance(refresh, IntervalTrigger)
    # Checks for due members every 15 minutes; a member is due after 30.
    assert refresh.interval.total_seconds() == 15 * 60 and refresh.jitter


async def test_the_jobs_run_without_error_on_an_empty_bot(app: App) -> None:
    scheduler = build_scheduler(app, _nowhere)
    for job in scheduler.get_jobs():
        await job.func()
