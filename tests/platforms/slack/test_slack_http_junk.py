"""HTTP mode and hostile requests: a quiet 401 or 400, no traceback, nothing run.

Real HTTP requests to the served app on 127.0.0.1; the signature is checked on the raw
bytes before anything is parsed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from chatbot.platforms.slack_http import check_request, shape_problem, signature_is_valid
from chatbot.storage import Storage
from tests.platforms.slack.conftest import SIGNING_SECRET, SlackSession, slash_body
from tests.platforms.slack.fake_slack_api import TEAM_ID, FakeSlack

FORM = "application/x-www-form-urlencoded"


def sign_bytes(raw: bytes, timestamp: str | None = None) -> dict[str, str]:
    stamp = timestamp or str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + stamp.encode() + b":" + raw,
                      hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


async def send(slack: SlackSession, raw: bytes, headers: dict[str, str],
               content_type: str = FORM) -> tuple[int, str]:
    async with slack.http.post(slack.url, data=raw,
                               headers={"Content-Type": content_type, **headers}) as response:
        return response.status, await response.text()


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info is not None
            or r.levelno >= logging.ERROR or "Traceback" in r.getMessage()]


JUNK: list[tuple[str, bytes, str]] = [
    ("not UTF-8", b"command=/klout&text=\xff\xfe\xfa", FORM),
    ("payload that is a list", urlencode({"payload": "[1, 2, 3]"}).encode(), FORM),
    ("payload that is not JSON", b"payload=%7Bnot-json", FORM),
    ("payload nested deeply", urlencode({"payload": "[" * 200_000}).encode(), FORM),
    ("a JSON array body", b"[1, 2, 3]", "application/json"),
    ("a JSON string body", b'"hello"', "application/json"),
    ("an interaction whose user is a string",
     urlencode({"payload": json.dumps({"type": "block_actions", "user": "U1"})}).encode(),
     FORM),
]


@pytest.mark.parametrize(("what", "raw", "content_type"), JUNK, ids=[j[0] for j in JUNK])
async def test_unsigned_junk_is_a_quiet_401(
    slack: SlackSession, caplog: pytest.LogCaptureFixture, what: str, raw: bytes,
    content_type: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    stale = sign_bytes(raw, timestamp="not-a-number")
    for headers in ({}, stale, {**sign_bytes(raw), "X-Slack-Signature": "v0=ß"}):
        status, _ = await send(slack, raw, headers, content_type)
        assert status == 401
    assert tracebacks(caplog) == []


@pytest.mark.parametrize(("what", "raw", "content_type"), JUNK, ids=[j[0] for j in JUNK])
async def test_signed_junk_is_a_quiet_400(
    slack: SlackSession, caplog: pytest.LogCaptureFixture, what: str, raw: bytes,
    content_type: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    status, _ = await send(slack, raw, sign_bytes(raw), content_type)
    assert status == 400
    assert tracebacks(caplog) == []
    await slack.platform.listeners.drain()
    assert slack.fake.of("respond") == []


async def test_two_hundred_junk_requests_write_a_line_each_at_most(
    slack: SlackSession, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for index in range(200):
        _, raw, content_type = JUNK[index % len(JUNK)]
        await send(slack, raw, {"X-Slack-Request-Timestamp": "x" * index}, content_type)
    assert tracebacks(caplog) == []
    assert sum(len(r.getMessage()) for r in caplog.records) < 200 * 100


@pytest.mark.parametrize("missing", ["user_id", "team_id"])
async def test_a_signed_command_without_a_member_or_workspace_runs_nothing(
    slack: SlackSession, fake_slack: FakeSlack, storage: Storage,
    caplog: pytest.LogCaptureFixture, missing: str,
) -> None:
    await slack.command("register github octocat")  # something forget would delete
    before = len(fake_slack.of("respond"))
    fields: dict[str, Any] = dict(
        pair.split("=", 1) for pair in slash_body(
            "forget confirm", user_id="U0ALICE",
            response_url=fake_slack.response_url("nobody")).split("&"))
    fields[missing] = ""
    body = "&".join(f"{key}={value}" for key, value in fields.items())
    status, _ = await send(slack, body.encode(), sign_bytes(body.encode()))
    assert status == 400
    await slack.platform.listeners.drain()
    assert len(fake_slack.of("respond")) == before
    assert await storage.members.get(f"slack:{TEAM_ID}", "") is None
    assert tracebacks(caplog) == []


async def test_a_good_request_still_gets_through(slack: SlackSession) -> None:
    answer = await slack.command("help")
    assert answer["response_type"] == "ephemeral"


@pytest.mark.parametrize(("timestamp", "valid"), [
    ("1700000000", True), ("1700000301", False), ("-1700000000", False), ("17e8", False),
    ("１７００００００００", False), ("", False), ("9" * 40, False),
])
def test_only_a_plain_recent_timestamp_verifies(timestamp: str, valid: bool) -> None:
    raw = b"command=/klout"
    headers = sign_bytes(raw, timestamp=timestamp) if timestamp else {}
    assert signature_is_valid(raw, timestamp, headers.get("X-Slack-Signature"),
                              SIGNING_SECRET, now=1_700_000_000.0) is valid


def test_the_gate_returns_the_decoded_body_of_a_good_request() -> None:
    body = slash_body("help", user_id="U0ALICE", response_url="https://example.invalid/r")
    raw = body.encode()
    stamp = "1700000000"
    checked = check_request(raw, {**sign_bytes(raw, stamp), "Content-Type": FORM},
                            SIGNING_SECRET, 1_700_000_010.0)
    assert checked == body


@pytest.mark.parametrize(("body", "problem"), [
    ({"command": "/klout", "user_id": "  ", "team_id": "T1"}, "without user_id"),
    ({"command": "/klout", "user_id": "U1"}, "without team_id"),
    ({"type": "block_actions", "user": {"id": "U1"}}, "without a team id"),
    ({"type": "block_actions", "user": {"id": "U1", "team_id": "T1"}, "channel": "C1"},
     "channel is not an object"),
    ({"type": "url_verification", "challenge": "x"}, None),
    ({"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}}, None),
])
def test_shapes_slack_never_sends_are_named(body: dict[str, Any], problem: str | None) -> None:
    found = shape_problem(body)
    assert (found is None) if problem is None else (found is not None and problem in found)
