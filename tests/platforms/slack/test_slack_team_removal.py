"""Deleting a team: the scheduled job for workspaces that removed the app, once their grace
period (KLOUT_UNINSTALL_GRACE_DAYS) is over, and `kloutbot team delete` at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from apscheduler.triggers.interval import IntervalTrigger

from chatbot.app import App, build_app
from chatbot.cli import main
from chatbot.scheduler import build_scheduler
from chatbot.settings import Settings
from tests.followfriday.support import Deliveries
from tests.support.fakes import FrozenClock, seed_scores


@pytest.fixture
async def app(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[App]:
    settings = Settings(database_url=str(tmp_path / "k.db"),  # type: ignore[call-arg]
                        klout_uninstall_grace_days=7)
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    async with build_app(settings, clock=clock, http=http) as built:
        yield built
    await http.aclose()


async def test_the_hourly_job_deletes_teams_past_their_grace_period_only(
    app: App, clock: FrozenClock, caplog: pytest.LogCaptureFixture,
) -> None:
    today = clock.now().date()
    for team in ("slack:T0GONE", "slack:T0RECENT", "slack:T0STAYS"):
        await seed_scores(app.storage, team, "U0ANNA", "Anna", [40.0], last_day=today)
    await app.storage.teams.mark_uninstalled("slack:T0GONE", clock.now() - timedelta(days=7))
    await app.storage.teams.mark_uninstalled("slack:T0RECENT", clock.now() - timedelta(days=6))
    job = next(j for j in build_scheduler(app, Deliveries()).get_jobs()
               if j.id == "purge_uninstalled")
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval == timedelta(hours=1) and job.coalesce
    caplog.set_level(logging.INFO)
    await job.func()
    assert await app.storage.teams.get("slack:T0GONE") is None
    assert await app.storage.members.get("slack:T0GONE", "U0ANNA") is None
    assert await app.storage.scores.latest("slack:T0GONE", "U0ANNA") is None
    assert await app.storage.members.get("slack:T0RECENT", "U0ANNA") is not None
    assert await app.storage.members.get("slack:T0STAYS", "U0ANNA") is not None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def _delete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("DATABASE_URL", str(tmp_path / "k.db"))
    return await asyncio.to_thread(main, ["--env-file", str(tmp_path / "none.env"),
                                          "team", "delete", *args])


async def test_team_delete_asks_for_yes_before_deleting_anything(
    app: App, clock: FrozenClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await seed_scores(app.storage, "slack:T0ACME", "U0ANNA", "Anna", [40.0],
                      last_day=clock.now().date())
    assert await _delete(tmp_path, monkeypatch, "T0ACME") == 1
    assert "everything about its 1 members" in capsys.readouterr().err
    assert await app.storage.members.get("slack:T0ACME", "U0ANNA") is not None


async def test_team_delete_of_an_unknown_team_lists_the_teams(
    app: App, clock: FrozenClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await seed_scores(app.storage, "slack:T0ACME", "U0ANNA", "Anna", [40.0],
                      last_day=clock.now().date())
    assert await _delete(tmp_path, monkeypatch, "T0NOPE", "--yes") == 2
    assert "No team “T0NOPE”. Teams: (no name) (slack:T0ACME)." in capsys.readouterr().err
    assert await app.storage.teams.get("slack:T0ACME") is not None
