"""Three `kloutbot run` replicas on one PostgreSQL database act as one bot, even when one
of them is killed with SIGKILL in the middle of a refresh.

Real processes (bench/replica.py: the app and scheduler jobs of `kloutbot run`) against
local networks that enforce their published rate limits (bench/fake_networks.py) and, like
Bluesky's AppView, publish no rate-limit headers: what other replicas spent is known only
through the shared budget.
Time runs FACTOR times faster in every process and in the fake networks alike, so a
15-minute lease runs out in seconds; nothing sleeps to wait for it.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.fake_networks import DilatedClock, FakeNetworks, ServedAccounts
from bench.seed import member_id, seed_members
from chatbot.influence.networks import limits as published
from chatbot.storage import Storage, open_storage
from tests.support.engines import POSTGRES_URL, postgres_schema

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="replicas need a shared PostgreSQL database: set KLOUT_TEST_POSTGRES_URL",
)

REPO_ROOT = Path(__file__).resolve().parents[2]
FACTOR = 60.0
"""Network seconds per real second: a 15-minute refresh tick lasts 15 s."""
START = datetime(2026, 11, 27, 9, 58, tzinfo=UTC)
"""Two minutes before the teams' weekly post (Fridays 10:00 UTC)."""
LEASE_MINUTES = 5
"""The killed replica's leases run out before the survivors' next refresh tick (15 min)."""
HORIZON = timedelta(minutes=45)
"""The kill, the next refresh tick and the windows of budget the work needs; the
replicas are told to stop as soon as the work is done."""
BUDGETS: dict[str, tuple[int, float]] = {
    "mastodon": (published.MASTODON.requests, published.MASTODON.per_seconds),
    "bluesky": (published.BLUESKY.requests, published.BLUESKY.per_seconds),
    "github": (published.GITHUB_KEYLESS.requests, published.GITHUB_KEYLESS.per_seconds),
}
TEAMS = {"console:one": 30, "console:two": 20}


def _accounts(team_index: int, index: int, port: int) -> dict[str, str]:
    number = team_index * 1000 + index
    accounts = {"mastodon": f"member{number}@127.0.0.1:{port}",
                "bluesky": f"member{number}.bsky.social"}
    if index < 8:  # 16 GitHub accounts need 64 requests: more than keyless GitHub's hour
        accounts["github"] = f"member{number}"
    return accounts


async def _seed(storage: Storage, port: int) -> dict[str, str]:
    """Two teams posting Fridays 10:00 UTC; member -> its Mastodon account's id."""
    accounts: dict[str, str] = {}
    for team_index, (team, size) in enumerate(TEAMS.items()):
        owned = [_accounts(team_index, i, port) for i in range(size)]
        await seed_members(storage, team, owned, START)
        await storage.teams.update(team, post_channel="general", post_weekday=4,
                                   post_time="10:00", timezone="UTC")
        for index in range(size):
            # The fake instance's id for the account (its number plus 100,000).
            accounts[f"{team}/{member_id(index)}"] = str(100_000 + team_index * 1000 + index)
    return accounts


async def _leases(storage: Storage) -> dict[str, str]:
    rows = await storage.db.fetch_all(
        "SELECT team_id, user_id, lease_holder FROM members WHERE lease_holder IS NOT NULL")
    return {f"{row[0]}/{row[1]}": row[2] for row in rows}


def _lines(path: Path) -> int:
    return path.read_text().count("\n") if path.exists() else 0


async def _all_done(storage: Storage, posts: Path) -> bool:
    """Every member refreshed and released, and every team's weekly post written."""
    row = await storage.db.fetch_one(
        "SELECT COUNT(*) FROM members WHERE last_refreshed_at IS NULL"
        " OR lease_holder IS NOT NULL")
    written = await asyncio.to_thread(_lines, posts)
    return row is not None and row[0] == 0 and written >= len(TEAMS)


async def _start(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("wb") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.replica", cwd=REPO_ROOT, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=output)


async def _when_loaded(process: asyncio.subprocess.Process) -> None:
    """Python and the bot's modules take seconds to load on a busy machine; time starts
    for everyone once all are loaded, so no replica starts a cycle late."""
    assert process.stdout is not None
    assert (await process.stdout.readline()).strip() == b"loaded"


def _logs(folder: Path) -> str:
    """The replicas' last log lines, for a failure's message."""
    return "\n".join(path.read_text()[-2000:] for path in sorted(folder.glob("replica*.log")))


async def test_three_replicas_one_killed_mid_refresh_act_as_one_bot(tmp_path: Path) -> None:
    clock = DilatedClock(FACTOR, START)  # restarted at START once the replicas are loaded
    fake = FakeNetworks(clock, BUDGETS, ServedAccounts(posts_in_window=1),
                        publish_limits=False)
    port = await fake.start()
    posts = tmp_path / "posts.jsonl"
    async with postgres_schema() as url:
        storage = await open_storage(url)
        replicas: list[asyncio.subprocess.Process] = []
        try:
            accounts = await _seed(storage, port)
            env = {
                "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO_ROOT),
                "DATABASE_URL": url, "KLOUT_REFRESH_INTERVAL_MINUTES": "60",
                "KLOUT_ALLOW_PRIVATE_NETWORKS": "true",
                "BLUESKY_APPVIEW_URL": f"http://127.0.0.1:{port}",
                "GITHUB_API_URL": f"http://127.0.0.1:{port}",
                "KLOUT_TEST_STOP_AT": str((START + HORIZON).timestamp()),
                "KLOUT_TEST_POSTS": str(posts),
                "KLOUT_TEST_LEASE_MINUTES": str(LEASE_MINUTES),
            }
            logs = [tmp_path / f"replica{n}.log" for n in range(3)]
            replicas = [await _start(env, log) for log in logs]
            await asyncio.wait_for(asyncio.gather(*(_when_loaded(p) for p in replicas)), 60)
            clock.restart(START)
            for process in replicas:
                assert process.stdin is not None
                process.stdin.write(clock.shared_with().encode() + b"\n")
                await process.stdin.drain()

            # Mid-refresh: a replica holds leases and has spent part of the budgets, a
            # quarter of GitHub's hour among them: what the survivors may still spend.
            while True:
                await clock.sleep(5)
                held = await _leases(storage)
                if held and len(fake.counters["mastodon"].arrivals) >= 10 and len(
                        fake.counters["github"].arrivals) >= 15:
                    break
                assert clock.now() < START + timedelta(minutes=15), _logs(tmp_path)
            victim_pid = int(next(iter(held.values())).split(":")[1])
            victim = next(p for p in replicas if p.pid == victim_pid)
            victim.send_signal(signal.SIGKILL)
            await victim.wait()
            held = await _leases(storage)
            killed_held = {member for member, holder in held.items()
                           if int(holder.split(":")[1]) == victim_pid}
            asked_at_kill = Counter(fake.posts_asked["mastodon"])
            assert killed_held and len(killed_held) < len(accounts) + 1

            survivors = [p for p in replicas if p is not victim]
            while not await _all_done(storage, posts):
                await clock.sleep(10)
                assert clock.now() < START + HORIZON, _logs(tmp_path)
            for process in survivors:
                assert process.stdin is not None
                process.stdin.write(b"stop\n")
                await process.stdin.drain()
            await asyncio.wait_for(asyncio.gather(*(p.wait() for p in survivors)), 60)
            assert [p.returncode for p in survivors] == [0, 0], _logs(tmp_path)

            # Every member refreshed, nobody's lease left behind.
            rows = await storage.db.fetch_all(
                "SELECT team_id, user_id, last_refreshed_at, lease_holder FROM members")
            assert len(rows) == len(accounts)
            assert [r for r in rows if r[2] is None or r[3] is not None] == []
            # Exactly once per cycle: the survivors fetched each member once, the killed
            # replica's unfinished members included.
            # A Mastodon fetch the shared budget deferred (the dilated clock runs the network's
            # windows faster when a loaded machine runs the replicas slower) is left stale for
            # the next cycle: never fetched twice, and once unless deferred.
            deferred = {f"{row[0]}/{row[1]}" for row in await storage.db.fetch_all(
                "SELECT team_id, user_id FROM handles WHERE network = 'mastodon'"
                " AND stale_reason IS NOT NULL")}
            asked = fake.posts_asked["mastodon"]
            for member, account in accounts.items():
                before = asked_at_kill[account] if member in killed_held else 0
                expected = {0, 1} if member in deferred else {1}
                assert asked[account] - before in expected, member
            assert len(deferred) <= len(accounts) // 10, "the budget served most members"
            # Never over any network's limit, in any window the server could draw.
            for network, counter in fake.counters.items():
                assert counter.rejected == 0, network
                assert counter.busiest_sliding_window() <= counter.limit, network
            # GitHub's hour ran out: the survivors left the rest for the next hour (those
            # members' other networks were refreshed) rather than ask for more.
            # (One request less if the replica was killed between taking and sending it.)
            limit = fake.counters["github"].limit
            assert limit - 1 <= len(fake.counters["github"].arrivals) <= limit
            # One weekly post per team.
            sent = [json.loads(line) for line in posts.read_text().splitlines()]
            assert Counter(post["team"] for post in sent) == dict.fromkeys(TEAMS, 1)
        finally:
            for process in replicas:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
            await storage.close()
            await fake.stop()
