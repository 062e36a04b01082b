"""One check per parameter kind, shared by the text parser (Slack, console) and Discord's
native options, so a value refused on one platform is refused on the other with the same
words (Discord's own client-side limits are a convenience, never the guard)."""

from __future__ import annotations

import unicodedata
from datetime import date

from chatbot.influence.networks import get_network_name
from chatbot.values.message import Msg, PluralMsg
from chatbot.values.network_errors import NetworkError
from commands.spec import Kind, Param, parse_date


class InvalidValue(ValueError):
    """`message` is shown to the caller in their language (`tr.msg`); `str()` is English."""

    def __init__(self, message: Msg | str) -> None:
        super().__init__(str(message))
        self.message: Msg | str = message


def shown(token: str, limit: int = 40) -> str:
    """A user's token made safe to echo back: printable, short."""
    clean = "".join(ch for ch in token if unicodedata.category(ch)[0] != "C")
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def network_value(raw: str) -> str:
    try:
        return get_network_name(raw)
    except NetworkError as exc:
        raise InvalidValue(exc.message) from None


def choice_value(param: Param, raw: str) -> str:
    value = raw.casefold()
    if value not in param.choices:
        raise InvalidValue(Msg("“{value}” is not one of: {choices}.", value=shown(raw),
                               choices=", ".join(param.choices)))
    return value


def int_value(param: Param, raw: str | int) -> int:
    if isinstance(raw, int):
        number = raw
    else:
        try:
            number = int(raw)
        except ValueError:
            raise InvalidValue(Msg("{name} must be a whole number, not “{value}”.",
                                   name=param.name.upper(), value=shown(raw))) from None
    low, high = param.min_value, param.max_value
    if (low is not None and number < low) or (high is not None and number > high):
        raise InvalidValue(Msg("{name} must be between {low} and {high}.",
                               name=param.name.upper(), low=low, high=high))
    return number


def date_value(raw: str) -> date:
    try:
        return parse_date(raw.strip())
    except ValueError:
        raise InvalidValue(Msg("“{value}” is not a date; write it as YYYY-MM-DD, "
                               "e.g. 2026-12-31.", value=shown(raw))) from None


def text_value(param: Param, raw: str) -> str:
    if len(raw) > param.max_length:
        raise InvalidValue(PluralMsg("{name} is too long ({n} character; at most {limit}).",
                                     "{name} is too long ({n} characters; at most {limit}).",
                                     len(raw), name=param.name.capitalize(),
                                     limit=param.max_length))
    return raw


def param_value(param: Param, raw: str | int) -> str | int | date:
    """The typed value of any parameter but a member (each platform resolves those its own
    way), or InvalidValue saying what is wrong."""
    if param.kind is Kind.INT:
        return int_value(param, raw)
    text = str(raw)
    if param.kind is Kind.NETWORK:
        return network_value(text)
    if param.kind is Kind.CHOICE:
        return choice_value(param, text)
    if param.kind is Kind.DATE:
        return date_value(text)
    return text_value(param, text)
