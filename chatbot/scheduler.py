"""Background jobs: refresh and the weekly #FollowFriday tick.

Started once per process by `kloutbot run` (never from a platform's ready
event, which fires again on reconnects and would double every job).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from chatbot.app import App
from chatbot.followfriday.service import Delivery
from chatbot.team_removal import purge_uninstalled

log = logging.getLogger(__name__)

REFRESH_TICK_MINUTES = 15


def build_scheduler(app: App, delivery: Delivery) -> AsyncIOScheduler:
    interval = app.settings.klout_refresh_interval_minutes
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def refresh() -> None:
        try:
            report = await app.refresher.refresh_due(timedelta(minutes=interval))
        except Exception:
            log.exception("scheduled refresh failed")
            return
        log.info("refreshed %d members (%d scored; failures: %s)", report.members,
                 report.scored, report.failed or "none")

    async def followfriday() -> None:
        try:
            await app.followfriday.run_due(delivery, app.clock.now())
        except Exception:
            log.exception("weekly #FollowFriday tick failed")

    async def purge() -> None:
        try:
            await purge_uninstalled(app.storage, app.clock.now(),
                                    app.settings.klout_uninstall_grace_days)
        except Exception:
            log.exception("deleting uninstalled teams failed")

    # The job looks for due members more often than the interval, so members a
    # spent rate limit held back go as soon as budget returns. Jitter spreads many
    # self-hosted bots' calls to the same public APIs; coalescing turns a backlog
    # of missed runs into one.
    tick = min(interval, REFRESH_TICK_MINUTES)
    scheduler.add_job(refresh, IntervalTrigger(minutes=tick, jitter=min(120, tick * 6)),
                      id="refresh", coalesce=True, max_instances=1, misfire_grace_time=None,
                      next_run_time=app.clock.now() + timedelta(minutes=1))
    scheduler.add_job(followfriday, IntervalTrigger(minutes=1), id="followfriday",
                      coalesce=True, max_instances=1, misfire_grace_time=None,
                      next_run_time=app.clock.now() + timedelta(seconds=5))
    scheduler.add_job(purge, IntervalTrigger(hours=1), id="purge_uninstalled", coalesce=True,
                      max_instances=1, misfire_grace_time=None,
                      next_run_time=app.clock.now() + timedelta(minutes=2))
    return scheduler
