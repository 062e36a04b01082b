"""Background jobs: refresh and the weekly #FollowFriday tick.

Started once per process by `kloutbot run` (never from a platform's ready
event, which fires again on reconnects and would double every job).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from chatbot.app import App
from chatbot.followfriday.service import Delivery, DirectMessages
from chatbot.influence.networks.limits import LONGEST_WINDOW
from chatbot.ops.metrics import Metrics
from chatbot.storage.models import Team
from chatbot.team_removal import purge_uninstalled
from chatbot.values.delivery import DeliveryError, DeliveryUnconfirmed, PostMarker
from chatbot.values.reply import Reply

log = logging.getLogger(__name__)

REFRESH_TICK_MINUTES = 15


class CountedDelivery:
    """A Delivery that counts each weekly post's outcome for /metrics: posted, failed,
    unconfirmed (it may have gone out), found (an earlier unconfirmed post was there)."""

    def __init__(self, delivery: Delivery, metrics: Metrics) -> None:
        self._delivery = delivery
        self._metrics = metrics

    async def post(self, team: Team, reply: Reply, marker: PostMarker) -> None:
        try:
            await self._delivery.post(team, reply, marker)
        except DeliveryUnconfirmed:
            self._metrics.weekly_post("unconfirmed")
            raise
        except DeliveryError:
            self._metrics.weekly_post("failed")
            raise
        self._metrics.weekly_post("posted")

    async def find(self, team: Team, marker: PostMarker) -> bool:
        found = await self._delivery.find(team, marker)
        if found:
            self._metrics.weekly_post("found")
        return found


def _tracked(job: Callable[[], Awaitable[None]],
             in_flight: set[asyncio.Task[None]] | None) -> Callable[[], Awaitable[None]]:
    """The job, registering its task in `in_flight` while it runs, so a stopping
    process can wait for it or abandon it."""
    if in_flight is None:
        return job

    @functools.wraps(job)
    async def run() -> None:
        task = asyncio.current_task()
        if task is not None:
            in_flight.add(task)
        try:
            await job()
        finally:
            in_flight.discard(task)

    return run


def build_scheduler(app: App, delivery: Delivery, *,
                    direct_messages: DirectMessages | None = None,
                    in_flight: set[asyncio.Task[None]] | None = None) -> AsyncIOScheduler:
    """`direct_messages` sends the weekly #FollowFriday to members who asked for it, after
    each week's post went out."""
    interval = app.settings.klout_refresh_interval_minutes
    scheduler = AsyncIOScheduler(timezone="UTC")
    delivery = CountedDelivery(delivery, app.metrics)

    async def refresh() -> None:
        try:
            report = await app.refresher.refresh_due(timedelta(minutes=interval))
        except Exception:
            log.exception("scheduled refresh failed")
            return
        app.metrics.refreshed(report)
        log.info("refreshed %d members (%d scored; failures: %s)", report.members,
                 report.scored, report.failed or "none")

    async def followfriday() -> None:
        try:
            await app.followfriday.run_due(delivery, app.clock.now())
        except Exception:
            log.exception("weekly #FollowFriday tick failed")
        if direct_messages is None:
            return
        try:
            await app.followfriday.send_due_dms(direct_messages, app.clock.now())
        except Exception:
            log.exception("weekly #FollowFriday direct messages failed")

    async def forget_rate_windows() -> None:
        # Budget rows older than the longest window count against nothing any more.
        try:
            await app.storage.budgets.forget_before(
                app.clock.now() - timedelta(seconds=2 * LONGEST_WINDOW))
        except Exception:
            log.exception("forgetting spent rate-limit windows failed")

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
    scheduler.add_job(_tracked(refresh, in_flight),
                      IntervalTrigger(minutes=tick, jitter=min(120, tick * 6)), id="refresh",
                      coalesce=True, max_instances=1, misfire_grace_time=None,
                      next_run_time=app.clock.now() + timedelta(minutes=1))
    scheduler.add_job(_tracked(followfriday, in_flight), IntervalTrigger(minutes=1),
                      id="followfriday", coalesce=True, max_instances=1, misfire_grace_time=None,
                      next_run_time=app.clock.now() + timedelta(seconds=5))
    scheduler.add_job(purge, IntervalTrigger(hours=1), id="purge_uninstalled", coalesce=True,
                      max_instances=1, misfire_grace_time=None,
                      next_run_time=app.clock.now() + timedelta(minutes=2))
    scheduler.add_job(forget_rate_windows, IntervalTrigger(hours=1), id="forget_rate_windows",
                      coalesce=True, max_instances=1, misfire_grace_time=None,
                      next_run_time=app.clock.now() + timedelta(minutes=3))
    return scheduler
