"""Declarative command specs: one per command drives the text parser, the
Discord app-command tree and the help text, so there is no second list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chatbot.values.reply import Reply
    from commands.context import Context


class Kind(Enum):
    USER = "user"
    """A member: `@name` in the console, `<@U…>` on Slack, a user picker on Discord."""
    NETWORK = "network"
    WORD = "word"
    """One token of free text (a handle)."""
    TEXT = "text"
    """The rest of the line (a topic, a setting's value)."""
    INT = "int"
    DATE = "date"
    CHOICE = "choice"


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    max_length: int = 100
    keyword: str | None = None
    """Introduces the value, as `page` in `page 2` or `by` in `by 2026-12-31`."""
    placeholder: str | None = None
    """How the value is written in usage lines (SCORE, DATE, N); default: the name."""
    autocomplete: str | None = None
    """Name of a suggestion source the Discord adapter offers while typing:
    "topics" or "own_networks"."""

    @property
    def usage(self) -> str:
        shown = self.placeholder or self.name.upper()
        if self.kind is Kind.USER:
            shown = "@user"
        elif self.kind is Kind.CHOICE and len(self.choices) <= 4:
            shown = "|".join(self.choices)
        if self.keyword:
            shown = f"{self.keyword} {shown}"
        return shown if self.required else f"[{shown}]"


Args = Mapping[str, Any]
Handler = Callable[["Context", Args], Awaitable["Reply"]]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    summary: str
    handler: Handler
    params: tuple[Param, ...] = ()
    admin_only: bool = False
    private: bool = True
    """Whether the answer is for the caller only (personal data) by default."""
    slow: bool = False
    """May need the network (a first fetch): adapters acknowledge first, then follow up."""
    examples: tuple[str, ...] = field(default_factory=tuple)

    @property
    def usage(self) -> str:
        head = "/klout" if self.name == "score" else f"/klout {self.name}"
        return " ".join([head, *(param.usage for param in self.params)])


def parse_date(text: str) -> date:
    """ISO dates only: unambiguous in every locale."""
    return date.fromisoformat(text)
