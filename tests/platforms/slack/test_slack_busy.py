"""Backpressure on Slack, end to end: signed requests through the real bolt app, answers
read from the fake Slack's response URLs and Socket Mode acks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from chatbot.admission import BUSY_TEXT, TOO_LONG_TEXT, Admission
from chatbot.platforms.slack_adapter import SlackPlatform
from chatbot.platforms.slack_http import is_slash_command
from chatbot.storage import Storage
from commands.context import Services
from commands.registry import Dispatcher, all_commands
from tests.platforms.slack.conftest import SlackSession, button_payload, slack_settings
from tests.platforms.slack.fake_slack_api import FakeSlack, sign, slash_body
from tests.platforms.slack.test_slack_socket_mode import slash_payload, socket_settings
from tests.support.gate import THROUGH, Gate
from tests.test_admission import traced

CAP = 2

StartSlack = Callable[..., Awaitable[SlackSession]]


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
async def start_slack(fake_slack: FakeSlack, services: Services, gate: Gate
                      ) -> AsyncIterator[StartSlack]:
    """A Slack platform in HTTP mode whose dispatcher knows `/klout wait`."""
    platforms: list[SlackPlatform] = []
    async with aiohttp.ClientSession() as http:

        async def start(cap: int = CAP, deadline: float = 60.0, *,
                        socket_mode: bool = False) -> SlackSession:
            dispatcher = Dispatcher(services, commands=(*all_commands(), gate.spec),
                                    admission=Admission(cap, deadline))
            settings = socket_settings(fake_slack) if socket_mode else \
                slack_settings(fake_slack.api_url)
            platform = SlackPlatform(settings, dispatcher, host="127.0.0.1")
            platforms.append(platform)
            await platform.start()
            return SlackSession(fake_slack, platform, http)

        yield start
        gate.open()
        for platform in platforms:
            await platform.stop()


async def send(slack: SlackSession, text: str, token: str) -> tuple[int, str]:
    body = slash_body(text, user_id="U0ALICE", response_url=slack.fake.response_url(token))
    status, ack, _ = await slack.post(body, sign(body))
    return status, ack


def answers_to(fake: FakeSlack, token: str) -> list[dict[str, Any]]:
    return [json.loads(call.raw) for call in fake.of("respond") if call.path.endswith(token)]


def _texts(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


@pytest.mark.parametrize("extra", [1, 4])
async def test_past_the_cap_commands_get_a_busy_ack_only_the_caller_sees(
    start_slack: StartSlack, gate: Gate, storage: Storage, extra: int,
) -> None:
    slack = await start_slack()
    for n in range(CAP):
        status, ack = await send(slack, "wait", f"held{n}")
        assert status == 200 and ack == ""
    await gate.wait_entered(CAP)
    async with traced(storage) as statements:
        refused = await asyncio.gather(*(send(slack, "leaderboard", f"busy{n}")
                                         for n in range(extra)))
    assert statements == [], "the busy path ran SQL"
    for status, ack in refused:
        assert status == 200
        busy = json.loads(ack)
        assert busy["response_type"] == "ephemeral"
        assert busy["text"] == BUSY_TEXT
        assert BUSY_TEXT in _texts(busy["blocks"])
    gate.open()
    await slack.platform.listeners.drain()
    for n in range(CAP):
        (answer,) = answers_to(slack.fake, f"held{n}")
        assert THROUGH in _texts(answer)
    assert all(answers_to(slack.fake, f"busy{n}") == [] for n in range(extra))
    assert slack.platform.listeners.dispatcher.admission.in_flight == 0
    assert THROUGH in _texts(await slack.command("wait"))


async def test_a_command_not_done_by_the_deadline_is_told_so_privately_and_stopped(
    start_slack: StartSlack, gate: Gate,
) -> None:
    slack = await start_slack(deadline=0.05)
    async with asyncio.timeout(5):  # a missing deadline fails here instead of hanging
        answer = await slack.command("wait")
    assert answer["response_type"] == "ephemeral"
    assert TOO_LONG_TEXT in _texts(answer)
    assert gate.cancelled == 1
    assert slack.platform.listeners.dispatcher.admission.in_flight == 0


async def test_a_click_past_the_cap_is_told_busy_without_replacing_the_message(
    start_slack: StartSlack, gate: Gate,
) -> None:
    slack = await start_slack(cap=1)
    status, _ = await send(slack, "wait", "held")
    assert status == 200
    await gate.wait_entered(1)
    blocks = [{"type": "actions", "elements": [{
        "type": "button", "action_id": "klout_button_0", "value": "leaderboard page 2",
        "text": {"type": "plain_text", "text": "Next"}}]}]
    payload = button_payload(blocks, 0, user_id="U0BOB", ephemeral=False,
                             response_url=slack.fake.response_url("click"))
    body = urlencode({"payload": json.dumps(payload)})
    status, _, _ = await slack.post(body, sign(body))
    assert status == 200
    await slack.fake.wait_until(lambda: bool(answers_to(slack.fake, "click")))
    (busy,) = answers_to(slack.fake, "click")
    assert busy["response_type"] == "ephemeral"
    assert busy["replace_original"] is False
    assert busy["text"] == BUSY_TEXT
    gate.open()


async def test_over_socket_mode_the_busy_answer_rides_in_the_ack(
    start_slack: StartSlack, gate: Gate, fake_slack: FakeSlack,
) -> None:
    await start_slack(cap=1, socket_mode=True)
    await fake_slack.push_envelope("slash_commands",
                                   slash_payload("wait", fake_slack.response_url("held")))
    await gate.wait_entered(1)
    envelope_id = await fake_slack.push_envelope(
        "slash_commands", slash_payload("help", fake_slack.response_url("busy")))
    await fake_slack.wait_until(
        lambda: any(ack.get("envelope_id") == envelope_id for ack in fake_slack.socket_acks))
    (ack,) = [ack for ack in fake_slack.socket_acks if ack.get("envelope_id") == envelope_id]
    assert ack["payload"]["response_type"] == "ephemeral"
    assert ack["payload"]["text"] == BUSY_TEXT
    gate.open()
    await fake_slack.wait_until(lambda: bool(answers_to(fake_slack, "held")))
    assert answers_to(fake_slack, "busy") == []


def test_only_slash_commands_are_refused_at_the_front_door() -> None:
    command = slash_body("help", user_id="U0ALICE", response_url="https://hooks.example/1")
    click = urlencode({"payload": json.dumps(button_payload(
        [{"type": "actions", "elements": [{"action_id": "klout_button_0",
                                           "value": "command=help", "text": {}}]}],
        0, user_id="U0ALICE", response_url="https://hooks.example/2", ephemeral=False))})
    event = json.dumps({"type": "event_callback", "event": {"text": "command=x"}})
    assert is_slash_command(command)
    assert not is_slash_command(click)
    assert not is_slash_command(event)


async def test_in_http_mode_a_refused_command_never_reaches_bolt(
    start_slack: StartSlack, monkeypatch: pytest.MonkeyPatch,
) -> None:
    slack = await start_slack(cap=1)
    admission = slack.platform.listeners.dispatcher.admission
    held = admission.admit()
    assert held is not None
    dispatched: list[object] = []
    real_dispatch = slack.platform.app.async_dispatch

    async def recording_dispatch(request: Any) -> Any:
        dispatched.append(request)
        return await real_dispatch(request)

    monkeypatch.setattr(slack.platform.app, "async_dispatch", recording_dispatch)
    status, ack = await send(slack, "leaderboard", "refused")
    assert status == 200 and json.loads(ack)["text"] == BUSY_TEXT
    assert dispatched == []
    held.release()
    status, ack = await send(slack, "help", "admitted")
    assert status == 200 and ack == ""
    assert len(dispatched) == 1
