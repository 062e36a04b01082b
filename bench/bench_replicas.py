"""Three `kloutbot run` replicas refreshing 3,000 members on one database, one killed.

Three processes (bench/replica.py: the app and scheduler jobs of `kloutbot run`) share
one database and the local networks that enforce their published limits
(bench/fake_networks.py), on one `DilatedClock` running FACTOR times faster than the
wall clock. Every member has a Mastodon account on one instance and a Bluesky account,
the first 20 a GitHub account (keyless): Mastodon's 300 requests per 5 minutes is what
binds (2 requests per member: 20 windows for 3,000 members), Bluesky's demand fits about
one window, GitHub's 60 requests its hour. Once a third of Mastodon's requests are out,
the replica holding the most leases is killed with SIGKILL; the others finish its share
once its leases run out. The database is PostgreSQL when DATABASE_URL names one (each run in
a schema of its own), else a SQLite file.

Figures, in network time:
- members refreshed, and members fetched more than once (the killed replica's unsaved
  members are fetched again by design; nobody else may be);
- requests over the limit (429/403 answers) and the busiest sliding window per budget;
- share of the allowed rate used per network whose demand spans several windows:
  ((ceil(requests / budget) - 1) windows) / the time its requests took, the killed
  replica's requests included (they were spent, though their answers died with it).

Run: `DATABASE_URL=postgresql://... python -m bench --only replicas` (`--quick`: 900
members).
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import Figure, figure
from bench.engine import bench_database, engine_name
from bench.fake_networks import DilatedClock, FakeNetworks, ServedAccounts
from bench.seed import seed_members
from chatbot.influence.networks import limits as published
from chatbot.influence.score import WINDOW_DAYS_DEFAULT
from chatbot.storage import Storage, open_storage

REPO_ROOT = Path(__file__).resolve().parent.parent
RATE_TARGET = 0.90
REPLICAS = 3
FACTOR = 15.0
"""A 5-minute window lasts 20 s: Mastodon's pace (1 request a second) becomes 15 a
second, with the storing of 3,000 members beside it on two shared cores."""
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
"""A Monday: no weekly post competes for the budgets."""
GIVE_UP = timedelta(hours=3)
BUDGETS: dict[str, tuple[int, float]] = {
    "mastodon": (published.MASTODON.requests, published.MASTODON.per_seconds),
    "bluesky": (published.BLUESKY.requests, published.BLUESKY.per_seconds),
    "github": (published.GITHUB_KEYLESS.requests, published.GITHUB_KEYLESS.per_seconds),
}
TEAM = "console:replicas"


def _accounts(index: int, port: int) -> dict[str, str]:
    accounts = {"mastodon": f"member{index}@127.0.0.1:{port}",
                "bluesky": f"member{index}.bsky.social"}
    if index < 20:
        accounts["github"] = f"member{index}"
    return accounts


async def _leases(storage: Storage) -> Counter[int]:
    """Leases held per replica process id."""
    rows = await storage.db.fetch_all(
        "SELECT lease_holder FROM members WHERE lease_holder IS NOT NULL")
    return Counter(int(row[0].split(":")[1]) for row in rows)


async def _held_by(storage: Storage, pid: int) -> int:
    """Members still leased to the dead replica: none once the others have taken them."""
    row = await storage.db.fetch_one(
        "SELECT COUNT(*) FROM members WHERE lease_holder LIKE ?", (f"%:{pid}:%",))
    return int(row[0]) if row else 0


async def _left(storage: Storage) -> int:
    row = await storage.db.fetch_one(
        "SELECT COUNT(*) FROM members WHERE last_refreshed_at IS NULL"
        " OR lease_holder IS NOT NULL")
    return int(row[0]) if row else -1


async def _start(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("wb") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.replica", cwd=REPO_ROOT, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=output)


async def _tell(process: asyncio.subprocess.Process, line: str) -> None:
    assert process.stdin is not None
    process.stdin.write(line.encode() + b"\n")
    await process.stdin.drain()


async def _run(quick: bool) -> list[Figure]:
    members = 900 if quick else 3_000
    clock = DilatedClock(FACTOR, START)
    # One post in the window, without reactions to sample: 2 Mastodon requests a member.
    fake = FakeNetworks(clock, BUDGETS, ServedAccounts(posts_in_window=1,
                                                       window_days=WINDOW_DAYS_DEFAULT))
    port = await fake.start()
    with tempfile.TemporaryDirectory(prefix="klout-replicas-") as folder:
        async with bench_database(Path(folder), "replicas") as url:
            storage = await open_storage(url)
            processes: list[asyncio.subprocess.Process] = []
            try:
                owned = [_accounts(i, port) for i in range(members)]
                await seed_members(storage, TEAM, owned, START)
                env = {
                    "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO_ROOT),
                    "DATABASE_URL": url, "KLOUT_REFRESH_INTERVAL_MINUTES": "360",
                    "KLOUT_ALLOW_PRIVATE_NETWORKS": "true", "KLOUT_TEST_LOG_LEVEL": "WARNING",
                    "BLUESKY_APPVIEW_URL": f"http://127.0.0.1:{port}",
                    "GITHUB_API_URL": f"http://127.0.0.1:{port}",
                    "KLOUT_TEST_STOP_AT": str((START + GIVE_UP).timestamp()),
                    "KLOUT_TEST_POSTS": str(Path(folder) / "posts.jsonl"),
                }
                logs = [Path(folder) / f"replica{n}.log" for n in range(REPLICAS)]
                processes = [await _start(env, log) for log in logs]
                for process in processes:
                    assert process.stdout is not None
                    await process.stdout.readline()  # loaded
                clock.restart(START)
                began = time.perf_counter()
                for process in processes:
                    await _tell(process, clock.shared_with())

                mastodon_total = 2 * members
                while len(fake.counters["mastodon"].arrivals) < mastodon_total // 3:
                    await clock.sleep(10)
                held = await _leases(storage)
                victim_pid, victim_held = held.most_common(1)[0]
                victim = next(p for p in processes if p.pid == victim_pid)
                victim.send_signal(signal.SIGKILL)
                await victim.wait()
                killed_at = clock.now()
                at_kill = {net: Counter(asked) for net, asked in fake.posts_asked.items()}
                rows = await storage.db.fetch_all(
                    "SELECT user_id FROM members WHERE lease_holder LIKE ?",
                    (f"%:{victim_pid}:%",))
                orphans = {row[0] for row in rows}

                orphans_done: datetime | None = None
                while await _left(storage) > 0 and clock.now() < START + GIVE_UP:
                    await clock.sleep(30)
                    if orphans_done is None and not await _held_by(storage, victim_pid):
                        orphans_done = clock.now()
                finished = clock.now()
                real = time.perf_counter() - began
                survivors = [p for p in processes if p is not victim]
                for process in survivors:
                    await _tell(process, "stop")
                await asyncio.gather(*(p.wait() for p in survivors))
                refreshed = await storage.db.fetch_one(
                    "SELECT COUNT(*) FROM members WHERE last_refreshed_at IS NOT NULL")
            finally:
                for process in processes:
                    if process.returncode is None:
                        process.kill()
                        await process.wait()
                await storage.close()
                await fake.stop()
    twice = sum(1 for net, asked in fake.posts_asked.items()
                for account, count in asked.items()
                if count - at_kill[net][account] > 1
                or (count > 1 and at_kill[net][account] == count))
    engine = engine_name()
    figures = [
        figure(f"replicas ({engine}): members refreshed", int(refreshed[0]) if refreshed else 0,
               "members", members, goal="min",
               note=f"{REPLICAS} replicas; {(finished - START).total_seconds() / 60:.0f} min "
                    f"of network time, {real:.0f} s real at {FACTOR:g}x"),
        figure(f"replicas ({engine}): members fetched twice by the survivors", twice,
               "members", 0,
               note=f"replica killed at {(killed_at - START).total_seconds() / 60:.1f} min "
                    f"holding {victim_held} leases; its {len(orphans)} unsaved members were "
                    "taken over once its leases ran out, "
                    f"{_minutes(orphans_done, killed_at)} after the kill"),
    ]
    for network, counter in fake.counters.items():
        limit, window = BUDGETS[network]
        figures.append(figure(f"replicas ({engine}): {network} requests over the limit",
                              counter.rejected, "requests", 0))
        figures.append(figure(
            f"replicas ({engine}): {network} busiest sliding window / budget",
            counter.busiest_sliding_window() / limit, "of budget", 1.0,
            note=f"{counter.busiest_sliding_window()} in the busiest {window:,.0f} s; "
                 f"{len(counter.arrivals)} requests in all"))
        answered = len(counter.arrivals) - counter.rejected
        ideal = (math.ceil(answered / limit) - 1) * window
        span = max(counter.arrivals) - min(counter.arrivals) if counter.arrivals else 0.0
        if answered > 2 * limit and span > 0:
            figures.append(figure(
                f"replicas ({engine}): {network} share of the allowed rate used, whole run",
                ideal / span, "of rate", RATE_TARGET, goal="min",
                note=f"{answered} requests in {span:,.0f} s of network time; the budget "
                     f"allows them in {ideal:,.0f} s ({limit} per {window:,.0f} s)"))
            first = min(counter.arrivals)
            before = sum(1 for moment in counter.arrivals if moment < killed_at.timestamp())
            # As above: the first window's budget may all go at once.
            allowed = (math.ceil(before / limit) - 1) * window
            figures.append(figure(
                f"replicas ({engine}): {network} share of the allowed rate used, three "
                "replicas up", allowed / (killed_at.timestamp() - first), "of rate",
                RATE_TARGET, goal="min",
                note=f"{before} requests from the first to the kill, "
                     f"{(killed_at.timestamp() - first) / 60:.1f} min"))
    return figures


def _minutes(later: datetime | None, earlier: datetime) -> str:
    if later is None:
        return "never"
    return f"{(later - earlier).total_seconds() / 60:.0f} min"


def run(quick: bool) -> list[Figure]:
    return asyncio.run(_run(quick))
