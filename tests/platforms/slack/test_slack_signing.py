"""Only Slack may talk to the bot: signatures and timestamps are checked on every request."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qsl

import time_machine
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from chatbot.platforms.slack_adapter import build_slack_app
from chatbot.settings import Settings
from commands.registry import Dispatcher
from tests.conftest import shared_fixture
from tests.platforms.slack.conftest import (
    SIGNING_SECRET,
    SlackSession,
    sign,
    slack_settings,
    slash_body,
)
from tests.platforms.slack.fake_slack_api import FakeSlack


async def test_a_wrong_signature_is_rejected_and_nothing_runs(slack: SlackSession) -> None:
    body = slash_body("help", user_id="U0ALICE", response_url=slack.fake.response_url())
    headers = sign(body, secret="not-the-secret")
    status, _, _ = await slack.post(body, headers)
    assert status == 401
    await slack.platform.listeners.drain()
    assert not slack.fake.of("respond")


async def test_a_tampered_body_is_rejected(slack: SlackSession) -> None:
    body = slash_body("help", user_id="U0ALICE", response_url=slack.fake.response_url())
    headers = sign(body)
    status, _, _ = await slack.post(body.replace("U0ALICE", "U0ADMIN"), headers)
    assert status == 401


async def test_a_request_older_than_five_minutes_is_rejected(slack: SlackSession) -> None:
    body = slash_body("help", user_id="U0ALICE", response_url=slack.fake.response_url())
    status, _, _ = await slack.post(body, sign(body, timestamp=int(time.time()) - 6 * 60))
    assert status == 401
    await slack.platform.listeners.drain()
    assert not slack.fake.of("respond")


async def test_missing_signature_headers_are_rejected(slack: SlackSession) -> None:
    body = slash_body("help", user_id="U0ALICE", response_url=slack.fake.response_url())
    status, _, _ = await slack.post(body, {})
    assert status == 401


def _docs_example() -> tuple[str, dict[str, str], str]:
    meta_path = shared_fixture("slack/slash_command_slack_docs_signing_example.meta.json")
    meta = json.loads(meta_path.read_text())
    body = (Path(meta_path).parent / meta["body_file"]).read_text()
    return body, dict(meta["headers"]), meta["signing_secret"]


async def _dispatch(app_settings: Settings, dispatcher: Dispatcher, client: AsyncWebClient,
                    body: str, headers: dict[str, str]) -> int:
    app = build_slack_app(app_settings, dispatcher, client)
    response = await app.async_dispatch(AsyncBoltRequest(body=body, headers=dict(headers)))
    return response.status


async def test_slacks_documented_signing_example_is_accepted_at_its_time(
    fake_slack: FakeSlack, dispatcher: Dispatcher, web_client: AsyncWebClient,
) -> None:
    body, headers, secret = _docs_example()
    settings = slack_settings(fake_slack.api_url, signing_secret=secret)
    assert dict(parse_qsl(body))["command"] == "/webhook-collect"
    sent_at = int(headers["X-Slack-Request-Timestamp"])
    with time_machine.travel(sent_at + 30, tick=False):
        status = await _dispatch(settings, dispatcher, web_client, body, headers)
    # Verified, then not ours: the docs example is for /webhook-collect, not /klout.
    assert status == 404


async def test_slacks_documented_signing_example_is_refused_when_altered_or_late(
    fake_slack: FakeSlack, dispatcher: Dispatcher, web_client: AsyncWebClient,
) -> None:
    body, headers, secret = _docs_example()
    settings = slack_settings(fake_slack.api_url, signing_secret=secret)
    sent_at = int(headers["X-Slack-Request-Timestamp"])
    flipped = dict(headers)
    signature = flipped["X-Slack-Signature"]
    flipped["X-Slack-Signature"] = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    with time_machine.travel(sent_at + 30, tick=False):
        assert await _dispatch(settings, dispatcher, web_client, body, flipped) == 401
        wrong_secret = slack_settings(fake_slack.api_url, signing_secret=SIGNING_SECRET)
        assert await _dispatch(wrong_secret, dispatcher, web_client, body, headers) == 401
    with time_machine.travel(sent_at + 6 * 60, tick=False):
        assert await _dispatch(settings, dispatcher, web_client, body, headers) == 401
