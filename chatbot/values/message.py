"""Text to be shown to a member, kept untranslated until the member's language is known.

Layers below the commands (network clients, the score's explanations, storage notices)
don't know who will read what they say, so they hand up a `Msg` and the command that
answers translates it with the caller's `Translator`. The constructors' names are
extraction keywords (chatbot/i18n/extraction.py): a literal first argument is what the
catalogs must translate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def N_(msgid: str) -> str:
    """Marks a constant (a command summary, an option's help) for the catalogs; the
    reader translates it where it is shown."""
    return msgid


class Msg:
    """One sentence with its placeholders' values; `str()` gives the English text (logs)."""

    __slots__ = ("count", "msgid", "params", "plural")

    def __init__(self, msgid: str, /, **params: Any) -> None:
        self.msgid = msgid
        self.plural: str | None = None
        self.count = 1
        self.params: Mapping[str, Any] = params

    def english(self) -> str:
        text = self.msgid if self.plural is None or self.count == 1 else self.plural
        values = {key: value.english() if isinstance(value, Msg | Number) else value
                  for key, value in self.params.items()}
        return text.format_map({"n": self.count, **values})

    def __str__(self) -> str:
        return self.english()

    def __repr__(self) -> str:
        return f"Msg({self.msgid!r}, {dict(self.params)!r})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Msg) and (self.msgid, self.plural, self.count)
                == (other.msgid, other.plural, other.count) and self.params == other.params)

    def __hash__(self) -> int:
        return hash((self.msgid, self.plural, self.count))


class Number:
    """A number inside a `Msg`, written the reader's way ("1,000,000" / "1.000.000").

    A plain int param is inserted as it is (a year, a version); wrap a quantity in this.
    """

    __slots__ = ("digits", "value")

    def __init__(self, value: float, digits: int = 0) -> None:
        self.value = value
        self.digits = digits

    def english(self) -> str:
        return f"{self.value:,.{self.digits}f}"

    def __repr__(self) -> str:
        return f"Number({self.value!r}, {self.digits!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Number) and (self.value, self.digits) == (other.value,
                                                                           other.digits)

    def __hash__(self) -> int:
        return hash((self.value, self.digits))


def PluralMsg(singular: str, plural: str, count: int, /, **params: Any) -> Msg:
    """A sentence whose wording depends on a number ("1 member", "5 members")."""
    message = Msg(singular, **params)
    message.plural = plural
    message.count = count
    return message


__all__ = ["N_", "Msg", "Number", "PluralMsg"]
