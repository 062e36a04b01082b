"""`kloutbot run` as an operator runs it: a real process in Slack HTTP mode against a local
fake Slack, logging JSON, answering health and metrics on PORT, and stopping cleanly on
SIGTERM well within 10 s."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.platforms.slack.fake_slack_api import (
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    sign,
    slash_body,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"Slack HTTP mode listening on port (\d+)")


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    fake.add_user("U0ALICE", "Alice")
    await fake.start()
    yield fake
    await fake.stop()


class Bot:
    """The process and its JSON log lines, read as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[dict[str, Any]] = []
        self.raw: list[str] = []

    async def read_until(self, pattern: re.Pattern[str], within: float = 30.0) -> re.Match[str]:
        async def read() -> re.Match[str]:
            assert self.process.stderr is not None
            while True:
                line = (await self.process.stderr.readline()).decode()
                if not line:
                    raise AssertionError("kloutbot run ended early:\n" + "".join(self.raw))
                self.keep(line)
                found = pattern.search(self.lines[-1]["message"])
                if found:
                    return found

        return await asyncio.wait_for(read(), within)

    def keep(self, line: str) -> None:
        self.raw.append(line)
        self.lines.append(json.loads(line))


async def test_run_serves_health_and_metrics_and_drains_on_sigterm(
    fake_slack: FakeSlack, tmp_path: Path,
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO_ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "PORT": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'klout.db'}",
        "LOG_FORMAT": "json",
        "KLOUT_PUBLIC_URL": "https://klout.example",
        "KLOUT_WEB_SECRET": "a-web-secret-long-enough-for-the-settings-0123",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chatbot", "--env-file", str(tmp_path / "none.env"), "-v", "run",
        cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    bot = Bot(process)
    try:
        port = int((await bot.read_until(LISTENING)).group(1))
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/healthz") as response:
                assert response.status == 200
            async with session.get(f"{base}/readyz") as response:
                assert (response.status, await response.json()) == (200, {"status": "ready"})
            body = slash_body("help", user_id="U0ALICE",
                              response_url=fake_slack.response_url("help"))
            async with session.post(f"{base}/slack/events", data=body.encode(), headers={
                    **sign(body), "Content-Type": "application/x-www-form-urlencoded"}
                                    ) as response:
                assert response.status == 200
            await fake_slack.wait_for("respond")
            # The web pages share the port: `/klout web`'s link opens the team's board.
            body = slash_body("web", user_id="U0ALICE",
                              response_url=fake_slack.response_url("web"))
            async with session.post(f"{base}/slack/events", data=body.encode(), headers={
                    **sign(body), "Content-Type": "application/x-www-form-urlencoded"}
                                    ) as response:
                assert response.status == 200
            answers = json.dumps([call.body for call in await fake_slack.wait_for(
                "respond", 2)])
            link = re.search(r"https://klout\.example(/web/[^\s\"\\]+/)", answers)
            assert link, answers
            async with session.get(base + link.group(1)) as response:
                assert response.status == 200
                assert response.headers["Referrer-Policy"] == "no-referrer"
                assert "<h1>Leaderboard</h1>" in await response.text()
            async with session.get(f"{base}/metrics") as response:
                metrics = await response.text()
        assert 'kloutbot_command_seconds_count{command="help",platform="slack"} 1.0' in metrics

        loop = asyncio.get_running_loop()
        signalled = loop.time()
        process.send_signal(signal.SIGTERM)
        _, rest = await asyncio.wait_for(process.communicate(), 10)
        assert loop.time() - signalled < 10
        assert process.returncode == 0, "".join(bot.raw) + rest.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    for line in rest.decode().splitlines(keepends=True):
        bot.keep(line)  # every line is one JSON object
    assert any(entry["message"].startswith("stopping: draining") for entry in bot.lines)
    assert all(set(entry) >= {"time", "level", "logger", "message"} for entry in bot.lines)
    assert BOT_TOKEN not in "".join(bot.raw)


async def test_a_port_already_taken_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    """Discord alone: health and metrics need PORT, and it fails before connecting."""
    taken = socket.socket()
    taken.bind(("0.0.0.0", 0))
    taken.listen()
    try:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(REPO_ROOT),
            "DISCORD_TOKEN": "MTAzMDExODcyNzQxODY0NjYyOQ.GxYzAb.not-a-real-token",
            "DISCORD_API_URL": "http://127.0.0.1:9/api",
            "PORT": str(taken.getsockname()[1]),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'klout.db'}",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "chatbot", "--env-file", str(tmp_path / "none.env"), "run",
            cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        taken.close()
    assert process.returncode == 2
    message = err.decode().strip()
    assert message.startswith(f"kloutbot run: cannot listen on PORT={env['PORT']}")
    assert "\n" not in message
