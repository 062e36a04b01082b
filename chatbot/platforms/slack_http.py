"""The gate in front of bolt in HTTP mode: anything not signed by Slack, or not shaped
like what Slack sends, gets a quiet 401 or 400 before any parsing that could fail.

Bolt decodes the body as UTF-8 and parses it as JSON or a form before it checks the
signature, and an odd body (not UTF-8, a JSON array, a `payload=` that is not an
object, a timestamp that is not a number) ends in a 500 and a logged traceback: an
unauthenticated way to fill the logs. Here the signature is checked on the raw bytes
first, then the body is parsed the way bolt will parse it, and bolt only ever sees
requests it can handle.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

MAX_CLOCK_SKEW_SECONDS = 5 * 60
"""Slack's own rule: a request signed more than five minutes away is a replay."""


@dataclass(frozen=True)
class Refused:
    status: int
    reason: str
    """One line for the log; never the body, which is whatever a stranger sent."""


def signature_is_valid(raw: bytes, timestamp: str | None, signature: str | None,
                       secret: str, now: float) -> bool:
    """Slack's v0 signature: HMAC-SHA256 over `v0:{timestamp}:{raw body}`."""
    if not timestamp or not signature or not signature.isascii():
        return False
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        return False
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw,
                      hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}".encode(), signature.encode())


def parse_like_bolt(text: str, content_type: str | None) -> Any:
    """The body as bolt's `parse_body` will read it; raises ValueError where bolt would
    raise anything."""
    if not text:
        return {}
    try:
        if content_type == "application/json" or text.startswith("{"):
            return json.loads(text)
        form = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" in text:
            payload = form.get("payload")
            return json.loads(payload) if payload is not None else {}
        return form
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _has_id(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def shape_problem(body: Any) -> str | None:
    """What makes a verified body unusable, or None. A slash command must name its member
    and workspace (a command without `user_id` must not run as user "")."""
    if not isinstance(body, dict):
        return "the body is not an object"
    if "command" in body:
        if not _has_id(body.get("user_id")):
            return "a slash command without user_id"
        if not _has_id(body.get("team_id")):
            return "a slash command without team_id"
        return None
    if body.get("type") == "event_callback":  # app_uninstalled, tokens_revoked
        if not isinstance(body.get("event"), dict):
            return "an event without an event object"
        return None if _has_id(body.get("team_id")) else "an event without team_id"
    if "type" in body and body.get("type") != "url_verification":
        user = body.get("user")
        if not isinstance(user, dict) or not _has_id(user.get("id")):
            return "an interaction without a user id"
        for key in ("team", "channel", "container"):
            if body.get(key) is not None and not isinstance(body.get(key), dict):
                return f"an interaction whose {key} is not an object"
        if not _has_id((body.get("team") or {}).get("id") or user.get("team_id")):
            return "an interaction without a team id"
    return None


def is_slash_command(text: str) -> bool:
    """Whether a body `check_request` passed is a slash command (not a click or an event)."""
    if "command=" not in text:
        return False
    body = parse_like_bolt(text, None)
    return isinstance(body, dict) and "command" in body


def check_request(raw: bytes, headers: Mapping[str, str], secret: str,
                  now: float) -> str | Refused:
    """The decoded body of a request bolt can safely handle, or why it is refused."""
    if not signature_is_valid(raw, headers.get("X-Slack-Request-Timestamp"),
                              headers.get("X-Slack-Signature"), secret, now):
        return Refused(401, "bad or missing signature")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Refused(400, "the body is not UTF-8")
    content_type = headers.get("Content-Type", "").split(";", 1)[0].strip().lower() or None
    try:
        body = parse_like_bolt(text, content_type)
    except ValueError as exc:
        return Refused(400, f"the body does not parse ({type(exc).__name__})")
    problem = shape_problem(body)
    return Refused(400, problem) if problem else text
