from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from pydantic import SecretStr
from slack_sdk.web.async_client import AsyncWebClient

from chatbot.platforms.slack_adapter import SlackPlatform
from chatbot.settings import Settings
from commands.registry import Dispatcher
from tests.platforms.slack.fake_slack_api import (
    BOT_TOKEN,
    CHANNEL_ID,
    SIGNING_SECRET,
    TEAM_ID,
    FakeSlack,
    sign,
    slash_body,
)

__all__ = ["CHANNEL_ID", "SIGNING_SECRET", "SlackSession", "sign", "slack_settings",
           "slash_body"]



def slack_settings(api_url: str, *, signing_secret: str | None = SIGNING_SECRET,
                   app_token: str | None = None) -> Settings:
    """Settings as an operator would write them in .env, pointed at the fake Slack."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(signing_secret) if signing_secret else None,
        slack_app_token=SecretStr(app_token) if app_token else None,
        slack_api_url=api_url,
        port=0,
    )


def button_payload(message_blocks: list[dict[str, Any]], action_index: int, *, user_id: str,
                   response_url: str, ephemeral: bool) -> dict[str, Any]:
    """A block_actions payload shaped like the recorded one, for a button we rendered."""
    buttons = [element for block in message_blocks if block["type"] == "actions"
               for element in block["elements"]]
    button = buttons[action_index]
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(),
                 "team_id": TEAM_ID},
        "api_app_id": "A0KLOUT",
        "token": "legacy-unused",
        "container": {"type": "message", "message_ts": "1700000000.000100",
                      "channel_id": CHANNEL_ID, "is_ephemeral": ephemeral},
        "trigger_id": "1.2.3",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "channel": {"id": CHANNEL_ID, "name": "general"},
        "response_url": response_url,
        "actions": [{"action_id": button["action_id"], "block_id": "b1",
                     "text": button["text"], "value": button["value"], "type": "button",
                     "action_ts": "1700000001.000200"}],
    }


@dataclass
class SlackSession:
    """Sends signed requests to the running platform, as Slack does."""

    fake: FakeSlack
    platform: SlackPlatform
    http: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.platform.port}/slack/events"

    async def post(self, body: str, headers: dict[str, str]) -> tuple[int, str, float]:
        started = time.perf_counter()
        async with self.http.post(self.url, data=body.encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded", **headers,
        }) as response:
            text = await response.text()
            return response.status, text, time.perf_counter() - started

    async def command(self, text: str, *, user_id: str = "U0ALICE",
                      channel_id: str = CHANNEL_ID) -> dict[str, Any]:
        """Run `/klout text` and return the body posted to its response URL."""
        token = f"cmd{len(self.fake.calls)}x{time.perf_counter_ns()}"
        body = slash_body(text, user_id=user_id, channel_id=channel_id,
                          response_url=self.fake.response_url(token))
        status, _, _ = await self.post(body, sign(body))
        assert status == 200
        await self.platform.listeners.drain()
        return self.response_to(token)

    def response_to(self, token: str) -> dict[str, Any]:
        answers = [c for c in self.fake.of("respond") if c.path.endswith(token)]
        assert answers, f"no answer posted to the response URL {token}"
        return json.loads(answers[0].raw)

    async def click(self, message: dict[str, Any], action_index: int, *,
                    user_id: str = "U0ALICE", ephemeral: bool = False) -> dict[str, Any]:
        token = f"btn{len(self.fake.calls)}x{time.perf_counter_ns()}"
        payload = button_payload(message["blocks"], action_index, user_id=user_id,
                                 response_url=self.fake.response_url(token),
                                 ephemeral=ephemeral)
        body = urlencode({"payload": json.dumps(payload)})
        status, _, _ = await self.post(body, sign(body))
        assert status == 200
        await self.platform.listeners.drain()
        return self.response_to(token)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    fake.add_user("U0ALICE", "Alice")
    fake.add_user("U0BOB", "Bob")
    fake.add_user("U0ADMIN", "Ada Admin", admin=True)
    yield fake
    await fake.stop()


@pytest.fixture
def http_settings(fake_slack: FakeSlack) -> Settings:
    return slack_settings(fake_slack.api_url)


@pytest.fixture
def web_client(fake_slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)


@pytest.fixture
async def slack_platform(http_settings: Settings, dispatcher: Dispatcher
                         ) -> AsyncIterator[SlackPlatform]:
    platform = SlackPlatform(http_settings, dispatcher, host="127.0.0.1")
    await platform.start()
    yield platform
    await platform.stop()


@pytest.fixture
async def slack(fake_slack: FakeSlack, slack_platform: SlackPlatform
                ) -> AsyncIterator[SlackSession]:
    async with aiohttp.ClientSession() as http:
        yield SlackSession(fake_slack, slack_platform, http)
