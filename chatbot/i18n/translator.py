"""One member's language: sentences from the catalogs, numbers and dates as they write them."""

from __future__ import annotations

import datetime as dt
import gettext
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton, format_timedelta, get_day_names
from babel.numbers import format_decimal, format_percent

from chatbot.values.message import Msg, Number


class Translator:
    """Handlers get one in their context; `_` and `n_` are the catalogs' extraction keywords.

    Placeholders are `{name}` and are filled after translation, so a translation may
    move them; values are inserted as they are, never parsed again.
    """

    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self._translations = translations

    def _(self, msgid: str, /, **params: Any) -> str:
        return self._fill(self._translations.gettext(msgid), params)

    def n_(self, singular: str, plural: str, count: int, /, **params: Any) -> str:
        """`{n}` is the count, written the locale's way ("1.234 Mitglieder")."""
        text = self._translations.ngettext(singular, plural, count)
        return self._fill(text, {"n": self.number(count), **params})

    def msg(self, message: Msg | str) -> str:
        """A sentence handed up from a lower layer; a plain str is shown as it is (a name)."""
        if isinstance(message, str):
            return message
        if message.plural is not None:
            return self.n_(message.msgid, message.plural, message.count, **message.params)
        return self._(message.msgid, **message.params)

    def _fill(self, text: str, params: dict[str, Any]) -> str:
        if not params:
            return text
        values = {key: self._value(value) for key, value in params.items()}
        return text.format_map(values)

    def _value(self, value: Any) -> Any:
        if isinstance(value, Msg):
            return self.msg(value)
        if isinstance(value, Number):
            return self.number(value.value, value.digits)
        return value

    def number(self, value: float, digits: int = 0) -> str:
        return _number(value, digits, self.language)

    def signed(self, value: float, digits: int = 0) -> str:
        """A change: "+3", "−1,5"; zero has no sign."""
        shown = self.number(abs(value), digits)
        if round(value, digits) > 0:
            return "+" + shown
        if round(value, digits) < 0:
            return "−" + shown
        return shown

    def percent(self, fraction: float, digits: int = 0) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "\u00a0%"
        if self.language == "en":
            pattern = pattern.replace("\u00a0%", "%")
        return format_percent(fraction, format=pattern, locale=self.locale)

    def date(self, day: dt.date, style: str = "long") -> str:
        """"December 1, 2026" / "1. Dezember 2026"; `style` is "short", "medium" or "long"."""
        return format_date(day, format=style, locale=self.locale)

    def month_day(self, day: dt.date) -> str:
        """"Dec 1" / "1. Dez." for chart axes."""
        midnight = dt.datetime(day.year, day.month, day.day)
        return format_skeleton("MMMd", midnight, locale=self.locale)

    def relative(self, delta: dt.timedelta) -> str:
        """How long ago (negative) or from now: "2 hours ago", "vor 2 Stunden"."""
        return format_timedelta(delta, add_direction=True, locale=self.locale)

    def weekday(self, index: int) -> str:
        """Monday is 0, as in datetime."""
        return str(get_day_names("wide", locale=self.locale)[index])


@lru_cache(maxsize=4096)
def _number(value: float, digits: int, language: str) -> str:
    """Babel takes ~35 µs a number, and a board or a card shows a dozen; the same ranks,
    counts and scores come back in every answer."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=Locale.parse(language))
