"""Slack acknowledgement latency: signed /klout requests through the real AsyncApp.

Slack shows "operation timed out" when a slash command is not acknowledged within 3 s;
Kloutbot's own target is p99 < 50 ms for the ack, so a slow first fetch or a chart never
gets near that limit. A team of 10,000 members (1,000 in quick mode) with 30 days of
history is seeded into a real SQLite file; the bot runs in HTTP mode on 127.0.0.1 with its
Web API pointed at the local fake Slack from the tests. Each request is signed with the
signing secret and POSTed to /slack/events, as Slack does, so the figure includes HTTP
parsing, signature verification and bolt's middleware.

Three figures: acks one request at a time (the answer is awaited between requests, so
the ack is measured alone); acks during a burst of concurrent commands whose answers
are being computed at the same time (what a busy channel feels); and the time until
the answer reaches the response URL (Slack's own patience, 3 s, is its target).

Run: `python -m bench --only slack` or `python -m bench.bench_slack [--quick]`.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import aiohttp

from bench import Figure, latency_figures
from bench.seed import member_id, seed_team
from chatbot.influence.leaderboards import Leaderboards
from chatbot.platforms.slack_adapter import SlackPlatform
from chatbot.storage import open_storage
from commands.context import Services
from commands.registry import Dispatcher
from tests.platforms.slack.conftest import slack_settings
from tests.platforms.slack.fake_slack_api import TEAM_ID, FakeSlack, sign, slash_body
from tests.support.fakes import FakeEngine, FakeFollowFriday, FrozenClock

TODAY = date(2026, 11, 25)
HISTORY_DAYS = 30
ACK_TARGET_MS = 50.0
ANSWER_TARGET_MS = 3000.0
BURST = 20
COMMANDS = ("help", "", "leaderboard", "leaderboard week page 2", "<@U000042|member42>",
            "handles")


async def _measure(members: int, requests: int, bursts: int) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="kloutbot-bench-slack-") as folder:
        storage = await open_storage(Path(folder) / "bench.db")
        fake = FakeSlack()
        await fake.start()
        platform: SlackPlatform | None = None
        try:
            await seed_team(storage, f"slack:{TEAM_ID}", members, days=HISTORY_DAYS,
                            today=TODAY)
            caller = member_id(7)
            fake.add_user(caller, "Bench Caller")
            clock = FrozenClock()
            services = Services(storage=storage, engine=FakeEngine(),
                                followfriday=FakeFollowFriday(storage), clock=clock,
                                boards=Leaderboards(storage))
            platform = SlackPlatform(slack_settings(fake.api_url), Dispatcher(services),
                                     host="127.0.0.1")
            await platform.start()
            url = f"http://127.0.0.1:{platform.port}/slack/events"
            async with aiohttp.ClientSession() as http:

                async def ack_ms(text: str) -> float:
                    body = slash_body(text, user_id=caller, response_url=fake.response_url())
                    headers = {"Content-Type": "application/x-www-form-urlencoded",
                               **sign(body)}
                    started = time.perf_counter()
                    async with http.post(url, data=body.encode(), headers=headers) as response:
                        await response.read()
                        if response.status != 200:
                            raise RuntimeError(f"ack failed with HTTP {response.status}")
                    return (time.perf_counter() - started) * 1000

                assert platform is not None
                await ack_ms("help")  # warm-up: auth.test, users.info, first queries
                await platform.listeners.drain()

                sequential: list[float] = []
                answered: list[float] = []
                for index in range(requests):
                    started = time.perf_counter()
                    sequential.append(await ack_ms(COMMANDS[index % len(COMMANDS)]))
                    await platform.listeners.drain()
                    answered.append((time.perf_counter() - started) * 1000)

                refused = [c for c in fake.of("respond") if b":x:" in c.raw]
                if refused:
                    raise RuntimeError(f"{len(refused)} answers were errors, e.g. "
                                       f"{refused[0].raw[:300]!r}")

                busy: list[float] = []
                for _ in range(bursts):
                    busy += await asyncio.gather(
                        *(ack_ms(COMMANDS[i % len(COMMANDS)]) for i in range(BURST)))
                    await platform.listeners.drain()
        finally:
            if platform is not None:
                await platform.stop()
            await fake.stop()
            await storage.close()
    label = f"{members:,} members"
    return [
        *latency_figures(f"slack /klout ack, one at a time ({label})", sequential,
                         ACK_TARGET_MS, note="signed HTTP request → bolt → ack"),
        *latency_figures(f"slack /klout ack, bursts of {BURST} ({label})", busy,
                         ACK_TARGET_MS, note="answers of the burst computed meanwhile"),
        *latency_figures(f"slack /klout answer at response_url ({label})", answered,
                         ANSWER_TARGET_MS, note=", ".join(c or "(score)" for c in COMMANDS)),
    ]


def run(quick: bool) -> list[Figure]:
    members, requests, bursts = (1_000, 60, 3) if quick else (10_000, 300, 10)
    return asyncio.run(_measure(members, requests, bursts))


if __name__ == "__main__":
    from bench.__main__ import print_figure

    for item in run("--quick" in sys.argv[1:]):
        print_figure(item)
