"""Tolerant readers for JSON payloads whose shapes vary by year and server.

Fixtures show counts as numbers or numeric strings (YouTube), fields that
are absent on older servers (Bluesky `quoteCount`) and nulls everywhere.
A missing count reads as 0; a payload that is not even the right kind of
object is malformed and says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from chatbot.influence.numbers import as_count
from chatbot.values.message import Msg
from chatbot.values.network_errors import NetworkUnavailable

_SAFE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


as_int = as_count
"""A count between 0 and MAX_COUNT; anything unreadable counts as 0 (see numbers.py)."""


def as_str(value: object) -> str:
    return value if isinstance(value, str) else ""


def as_dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def parse_time(value: object) -> datetime | None:
    """An ISO-8601 timestamp as an aware UTC datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # 9999-12-31T23:00-05:00 is past datetime.max in UTC
        return None


def require_dict(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise NetworkUnavailable(Msg("{where} answered with malformed data.", where=what))
    return value


def require_list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise NetworkUnavailable(Msg("{where} answered with malformed data.", where=what))
    return value


def safe_id(value: object, what: str) -> str:
    """An id the bot will put into a URL path; anything odd is refused."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not _SAFE_ID.fullmatch(text) or text in (".", ".."):
        raise NetworkUnavailable(Msg("{where} answered with a malformed account id.",
                                     where=what))
    return text
