"""Socket Mode: the bot dials a (fake) Slack websocket and answers envelopes on it."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from chatbot.platforms.slack_adapter import SlackConfigError, SlackPlatform
from chatbot.settings import Settings
from commands.registry import Dispatcher
from tests.platforms.slack.conftest import CHANNEL_ID, slack_settings
from tests.platforms.slack.fake_slack_api import APP_TOKEN, BOT_TOKEN, TEAM_ID, FakeSlack


def socket_settings(fake: FakeSlack) -> Settings:
    return slack_settings(fake.api_url, signing_secret=None, app_token=APP_TOKEN)


@pytest.fixture
async def socket_platform(fake_slack: FakeSlack, dispatcher: Dispatcher
                          ) -> AsyncIterator[SlackPlatform]:
    platform = SlackPlatform(socket_settings(fake_slack), dispatcher)
    await platform.start()
    yield platform
    await platform.stop()


def slash_payload(text: str, response_url: str) -> dict[str, Any]:
    return {"token": "legacy", "team_id": TEAM_ID, "team_domain": "acme",
            "channel_id": CHANNEL_ID, "channel_name": "general", "user_id": "U0ALICE",
            "user_name": "alice", "command": "/klout", "text": text, "api_app_id": "A0KLOUT",
            "is_enterprise_install": "false", "response_url": response_url,
            "trigger_id": "1.2.3"}


async def test_start_opens_the_connection_with_the_app_token(
    fake_slack: FakeSlack, socket_platform: SlackPlatform,
) -> None:
    (opened, *_) = fake_slack.of("apps.connections.open")
    assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"
    (auth,) = fake_slack.of("auth.test")
    assert auth.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert socket_platform.identity is not None
    assert socket_platform.identity.team_id == TEAM_ID


async def test_klout_help_over_socket_mode_is_acked_then_answered(
    fake_slack: FakeSlack, socket_platform: SlackPlatform,
) -> None:
    started = time.perf_counter()
    envelope_id = await fake_slack.push_envelope(
        "slash_commands", slash_payload("help", fake_slack.response_url("sock")))
    await fake_slack.wait_until(
        lambda: any(ack.get("envelope_id") == envelope_id for ack in fake_slack.socket_acks))
    assert time.perf_counter() - started < 1.0
    (answer,) = await fake_slack.wait_for("respond")
    body = json.loads(answer.raw)
    assert answer.path.endswith("/sock")
    assert body["response_type"] == "ephemeral"
    assert "what I can do" in body["blocks"][0]["text"]["text"]


@pytest.mark.parametrize("missing", ["user_id", "team_id"])
async def test_a_command_without_a_member_or_workspace_is_acked_and_runs_nothing(
    fake_slack: FakeSlack, socket_platform: SlackPlatform, missing: str,
) -> None:
    payload = {**slash_payload("forget confirm", fake_slack.response_url("anon")), missing: ""}
    envelope_id = await fake_slack.push_envelope("slash_commands", payload)
    await fake_slack.wait_until(
        lambda: any(ack.get("envelope_id") == envelope_id for ack in fake_slack.socket_acks))
    await socket_platform.listeners.drain()
    assert fake_slack.of("respond") == []


async def test_a_button_click_over_socket_mode_runs_its_command(
    fake_slack: FakeSlack, socket_platform: SlackPlatform,
) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": "U0ALICE", "username": "alice", "name": "alice", "team_id": TEAM_ID},
        "api_app_id": "A0KLOUT", "token": "legacy", "trigger_id": "1.2.3",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": CHANNEL_ID,
                      "is_ephemeral": True},
        "team": {"id": TEAM_ID, "domain": "acme"},
        "channel": {"id": CHANNEL_ID, "name": "general"},
        "response_url": fake_slack.response_url("click"),
        "actions": [{"action_id": "klout_button_0", "block_id": "b", "type": "button",
                     "value": "forget", "text": {"type": "plain_text", "text": "Forget"},
                     "action_ts": "1.2"}],
    }
    envelope_id = await fake_slack.push_envelope("interactive", payload)
    await fake_slack.wait_until(
        lambda: any(ack.get("envelope_id") == envelope_id for ack in fake_slack.socket_acks))
    (answer,) = await fake_slack.wait_for("respond")
    body = json.loads(answer.raw)
    assert body["replace_original"] is True
    assert "Delete all your Klout data" in json.dumps(body, ensure_ascii=False)


async def test_a_refused_app_token_stops_start_with_a_clear_error(
    fake_slack: FakeSlack, dispatcher: Dispatcher,
) -> None:
    fake_slack.failures["apps.connections.open"] = "invalid_auth"
    platform = SlackPlatform(socket_settings(fake_slack), dispatcher)
    with pytest.raises(SlackConfigError, match="SLACK_APP_TOKEN"):
        await platform.start()
    await platform.stop()


async def test_a_refused_bot_token_stops_start_with_a_clear_error(
    fake_slack: FakeSlack, dispatcher: Dispatcher,
) -> None:
    fake_slack.failures["auth.test"] = "invalid_auth"
    platform = SlackPlatform(socket_settings(fake_slack), dispatcher)
    with pytest.raises(SlackConfigError, match="SLACK_BOT_TOKEN"):
        await platform.start()
    await platform.stop()
