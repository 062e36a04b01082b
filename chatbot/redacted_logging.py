"""Logging that never writes a secret, whoever logs it.

httpx logs every request URL at INFO, and YouTube takes its API key as a
`key=` query parameter, so `kloutbot -v score youtube @x` used to print the
key. Redaction therefore happens where every log record is made (the record
factory), not in our own log calls: records from httpx, httpcore, Slack's
and Discord's libraries and any handler added later (pytest's caplog too)
are redacted the same way, messages, tracebacks and stack traces alike.

What counts as a secret: query or `name=value` parameters and quoted
`"name": "value"` fields whose name ends in key, token, secret, password,
signature or auth (paging cursors such as `pageToken` excepted);
Authorization-style headers; bearer credentials; the
shapes of the keys the bot is given (Google `AIza…`, GitHub `ghp_…`, Slack
`xox…-`, Discord bot tokens); and the configured secret values themselves.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, SecretStr

MASK = "REDACTED"

_SECRET_WORDS = frozenset({
    "key", "apikey", "token", "secret", "password", "passwd", "pwd", "signature", "sig",
    "auth", "authorization", "credential", "credentials",
})
_CURSOR_WORDS = frozenset({"page", "next", "pagination", "continuation", "sync"})
"""First words of parameters that end in "token" but are paging cursors, not credentials."""

_PARAMETER = re.compile(r"(?<![\w.-])([A-Za-z][\w.-]{0,63})=([^\s&#\"'<>;,)\]}]+)")
_QUOTED_FIELD = re.compile(
    r"""(["'])([A-Za-z][\w.-]{0,63})\1(\s*:\s*)(["'])((?:(?!\4)[^\r\n]){0,4096})\4"""
)
"""`"api_key": "…"` in a dict or JSON; values are bounded so a line with many unclosed
quotes costs linear time."""
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_HEADER = re.compile(
    r"(?i)\b((?:proxy-)?authorization|x-api-key|x-goog-api-key|cookie|set-cookie)"
    r"(['\"]?\s*[:=]\s*['\"]?)([^'\"\r\n]+)"
)
_SCHEME = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=%-]{6,}")
_KEY_SHAPES = re.compile(
    r"AIza[0-9A-Za-z_-]{30,}"  # Google API key (YouTube)
    r"|\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"  # GitHub tokens
    r"|\bx(?:ox[abposr]|app)-[A-Za-z0-9-]{10,}"  # Slack tokens
    r"|\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"  # Discord bot token
)


def is_secret_name(name: str) -> bool:
    """`key`, `api_key`, `accessToken`, `client-secret`: yes. `pageToken`, `acct`: no."""
    words = [word.lower() for part in re.split(r"[_.-]+", name) for word in _WORD.findall(part)]
    if not words or words[-1] not in _SECRET_WORDS:
        return False
    return not (len(words) > 1 and words[0] in _CURSOR_WORDS)


def _parameter(match: re.Match[str]) -> str:
    name = match.group(1)
    return f"{name}={MASK}" if is_secret_name(name) else match.group(0)


def _quoted_field(match: re.Match[str]) -> str:
    quote_, name, colon, value_quote = match.group(1, 2, 3, 4)
    if not is_secret_name(name):
        return match.group(0)
    return f"{quote_}{name}{quote_}{colon}{value_quote}{MASK}{value_quote}"


class Redactor:
    """Takes secrets out of text; `known` values are removed wherever they appear."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._known: set[str] = set()
        self.add(known)

    def add(self, values: Iterable[str]) -> None:
        """Also remove these exact values (and their URL-encoded forms). Short values are
        skipped: masking every "abc" in the logs would hide more than it protects."""
        for value in values:
            if len(value) >= 8:
                self._known.update({value, quote(value, safe="")})

    def __call__(self, text: str) -> str:
        for value in sorted(self._known, key=len, reverse=True):
            text = text.replace(value, MASK)
        text = _PARAMETER.sub(_parameter, text)
        text = _QUOTED_FIELD.sub(_quoted_field, text)
        text = _HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
        text = _SCHEME.sub(lambda m: f"{m.group(1)} {MASK}", text)
        return _KEY_SHAPES.sub(MASK, text)


REDACT = Redactor()
"""The process-wide redactor the record factory uses; the CLI adds the configured secrets."""


def redact_record(record: logging.LogRecord, redact: Callable[[str], str] = REDACT) -> None:
    """Replace the record's message, traceback and stack with their redacted text."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging reports it when the record is emitted
        return
    record.msg, record.args = redact(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install_redaction() -> None:
    """Redact every log record from now on, at the moment it is made. Idempotent."""
    current = logging.getLogRecordFactory()
    if getattr(current, "redacts_secrets", False):
        return

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        redact_record(record)
        return record

    make_record.redacts_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)


def secret_values(settings: BaseModel) -> list[str]:
    """Every secret setting's value (tokens, keys, signing secrets), to redact verbatim."""
    return [value.get_secret_value() for _, value in settings if isinstance(value, SecretStr)]


class JsonFormatter(logging.Formatter):
    """One JSON object per line (LOG_FORMAT=json), for log collectors that parse fields.

    Multi-line messages and tracebacks stay on one line as JSON strings. The record is
    redacted again here, so a record made without the redacting factory is masked too.
    """

    def __init__(self, redact: Callable[[str], str] = REDACT) -> None:
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        redact_record(record, self._redact)
        entry: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(*, verbose: bool, secrets: Iterable[str] = (),
                      json_lines: bool = False) -> None:
    """The CLI's logging: WARNING (INFO with -v) to stderr, secrets never written; with
    `json_lines`, one JSON object per line."""
    REDACT.add(secrets)
    install_redaction()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        handlers=[handler])
