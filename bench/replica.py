"""One replica of `kloutbot run` for the replicas benchmark and the multi-process test.

`python -m bench.replica` builds the app exactly as `kloutbot run` does (settings
from the environment, `build_app`, `build_scheduler`) and fires the scheduler's own jobs,
each on its own trigger's interval. Only time differs: the jobs, the leases, the rate
limiters and the fake networks all run on one `DilatedClock` shared between processes
(its numbers come as the first line on stdin, once every replica is loaded), because
APScheduler's triggers follow the wall clock and a cycle would
otherwise take hours. No chat platform is connected: the weekly post goes to a file
(KLOUT_TEST_POSTS, one JSON line per post), which every replica appends to.

The process stops once the dilated clock passes KLOUT_TEST_STOP_AT (epoch seconds) or a
line "stop" comes on stdin, after the jobs running then have finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from bench.fake_networks import DilatedClock
from chatbot.app import build_app
from chatbot.scheduler import build_scheduler
from chatbot.settings import Settings
from chatbot.storage.models import Team
from chatbot.values.delivery import PostMarker
from chatbot.values.reply import Reply


class FileDelivery:
    """Posts are lines in a file all replicas share; O_APPEND keeps whole lines apart."""

    def __init__(self, path: Path) -> None:
        self._path = path

    async def post(self, team: Team, reply: Reply, marker: PostMarker) -> None:
        line = json.dumps({"team": team.team_id, "period": marker.period,
                           "pid": os.getpid()}) + "\n"
        descriptor = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(descriptor, line.encode())
        finally:
            os.close(descriptor)

    async def find(self, team: Team, marker: PostMarker) -> bool:
        if not self._path.exists():
            return False
        for line in self._path.read_text().splitlines():
            post = json.loads(line)
            if post["team"] == team.team_id and post["period"] == marker.period:
                return True
        return False


async def _every(job: Callable[[], Awaitable[None]], first: float, interval: float,
                 clock: DilatedClock, stop: asyncio.Event) -> None:
    """Like the scheduler's IntervalTrigger with max_instances=1 and coalescing."""
    wait = first - clock.seconds()
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), max(0.0, wait) / clock.factor)
            return
        except TimeoutError:
            pass
        began = clock.seconds()
        await job()
        wait = began + interval - clock.seconds()


async def _stop_when_told(stop: asyncio.Event, clock: DilatedClock, stop_at: float) -> None:
    async def told() -> None:
        while (await asyncio.to_thread(sys.stdin.readline)).strip() not in ("stop", ""):
            pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(told(), max(0.0, stop_at - clock.seconds()) / clock.factor)
    stop.set()


async def main() -> int:
    print("loaded", flush=True)
    clock = DilatedClock.from_shared(await asyncio.to_thread(sys.stdin.readline))
    stop_at = float(os.environ["KLOUT_TEST_STOP_AT"])
    delivery = FileDelivery(Path(os.environ["KLOUT_TEST_POSTS"]))
    logging.basicConfig(level=os.environ.get("KLOUT_TEST_LOG_LEVEL", "INFO"), stream=sys.stderr,
                        format=f"%(relativeCreated)d replica {os.getpid()} %(levelname)s "
                               "%(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request costs CPU
    async with build_app(Settings(), clock=clock, sleep=clock.sleep) as app:
        # A dead replica's members wait for its leases to run out; shorter ones keep the
        # test's cycle short (15 minutes by default, renewed every 5).
        app.refresher.lease = timedelta(minutes=float(os.environ.get(
            "KLOUT_TEST_LEASE_MINUTES", "15")))
        scheduler = build_scheduler(app, delivery)
        stop = asyncio.Event()
        runs = [_stop_when_told(stop, clock, stop_at)]
        for job in scheduler.get_jobs():
            interval = job.trigger.interval.total_seconds()
            runs.append(_every(job.func, job.next_run_time.timestamp(), interval, clock, stop))
        print(f"replica {os.getpid()} worker {app.refresher.worker} running", file=sys.stderr,
              flush=True)
        await asyncio.gather(*runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
