"""Sentences kept in the database until a member reads them (why an account's data is old).

Who reads a stale reason, and in which language, is unknown when a refresh stores it, so the
untranslated `Msg` is stored: its English id and its values, as JSON. Rows written before
that hold English text; they read back as a plain str and are shown as they are.
"""

from __future__ import annotations

import json
from typing import Any

from chatbot.values.message import Msg, Number, PluralMsg

MAX_VALUE_CHARS = 300
"""A value is text a server or a member chose (a host, a handle); it is cut, never the id."""


def dump_message(message: Msg | str) -> str:
    if isinstance(message, str):
        return message[:MAX_VALUE_CHARS]
    return json.dumps(_encode(message), ensure_ascii=False, separators=(",", ":"))


def load_message(stored: str | None) -> Msg | str | None:
    if stored is None or not stored.startswith("{"):
        return stored
    try:
        return _decode(json.loads(stored))
    except (ValueError, TypeError, KeyError, AttributeError):
        return stored


def _encode(message: Msg) -> dict[str, Any]:
    encoded: dict[str, Any] = {"id": message.msgid, "params": {
        key: _encode_value(value) for key, value in message.params.items()}}
    if message.plural is not None:
        encoded["plural"], encoded["count"] = message.plural, message.count
    return encoded


def _encode_value(value: Any) -> Any:
    if isinstance(value, Msg):
        return {"msg": _encode(value)}
    if isinstance(value, Number):
        return {"number": value.value, "digits": value.digits}
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)[:MAX_VALUE_CHARS]
    return value


def _decode(data: dict[str, Any]) -> Msg:
    params = {key: _decode_value(value) for key, value in data["params"].items()}
    if "plural" in data:
        return PluralMsg(str(data["id"]), str(data["plural"]), int(data["count"]), **params)
    return Msg(str(data["id"]), **params)


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "msg" in value:
            return _decode(value["msg"])
        return Number(float(value["number"]), int(value["digits"]))
    return value
