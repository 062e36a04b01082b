"""LOG_FORMAT=json: one JSON object per line, and still no secret in any of them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.redacted_logging import MASK, JsonFormatter, Redactor, install_redaction

SECRET = "configured-signing-secret-0123"
SLACK_TOKEN = "xoxb-1234567890-abcdefghijkl"


@pytest.fixture
def json_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing JSON lines to a buffer, with the CLI's redacting record factory."""
    before = logging.getLogRecordFactory()
    install_redaction()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter(Redactor([SECRET])))
    logger = logging.getLogger("tests.ops.json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, buffer
    logger.removeHandler(handler)
    logging.setLogRecordFactory(before)


def lines(buffer: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_each_record_is_one_json_object_with_time_level_logger_and_message(
    json_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = json_log
    logger.warning("refreshed %d members\nsecond line", 3)
    [entry] = lines(buffer)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "tests.ops.json"
    assert entry["message"] == "refreshed 3 members\nsecond line"
    assert entry["time"].endswith("+00:00")
    assert "exc_info" not in entry


def test_secrets_are_masked_in_json_messages_and_tracebacks(
    json_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = json_log
    try:
        raise RuntimeError(f"Slack said no to {SLACK_TOKEN}")
    except RuntimeError:
        logger.exception("posting with secret %s failed", SECRET)
    output = buffer.getvalue()
    assert SECRET not in output and SLACK_TOKEN not in output
    [entry] = lines(buffer)
    assert entry["message"] == f"posting with secret {MASK} failed"
    assert "RuntimeError: Slack said no to" in entry["exc_info"]
    assert MASK in entry["exc_info"]


def test_a_record_made_without_the_redacting_factory_is_masked_too() -> None:
    record = logging.makeLogRecord({"msg": "token=%s", "args": (SECRET,), "name": "x",
                                    "levelname": "INFO", "levelno": logging.INFO})
    entry = json.loads(JsonFormatter(Redactor([SECRET])).format(record))
    assert SECRET not in json.dumps(entry)


@given(st.text())
def test_any_message_stays_on_one_line(message: str) -> None:
    record = logging.makeLogRecord({"msg": message, "name": "x", "levelname": "INFO"})
    formatted = JsonFormatter(Redactor()).format(record)
    assert "\n" not in formatted and "\r" not in formatted
    assert json.loads(formatted)["logger"] == "x"
