"""The neutral reply every platform adapter renders.

Text here is plain text, never platform markup: adapters escape it for their
own syntax, which is what keeps a display name like `<!channel>` or
`@everyone` from pinging anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class Visibility(Enum):
    PRIVATE = "private"
    """Only the caller sees it (errors, personal data)."""
    CHANNEL = "channel"


class Tone(Enum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: tuple[str, ...] = ()
    """Per column, "l" or "r"; missing entries mean left."""
    highlight: int | None = None
    """Index of the caller's own row, shown emphasised."""


@dataclass(frozen=True)
class Image:
    data: bytes
    filename: str
    alt: str


@dataclass(frozen=True)
class Button:
    """Clicking runs `command` (the text after /klout) as the person who clicked."""

    label: str
    command: str
    style: str | None = None
    """None, "primary" or "danger"."""


@dataclass(frozen=True)
class Reply:
    title: str = ""
    text: str = ""
    fields: tuple[Field, ...] = ()
    table: Table | None = None
    image: Image | None = None
    footer: str = ""
    buttons: tuple[Button, ...] = ()
    visibility: Visibility = Visibility.PRIVATE
    tone: Tone = Tone.INFO
    attachment: tuple[str, bytes] | None = None
    """(file name, bytes) of a download such as the JSON export."""

    def public(self) -> Reply:
        return replace(self, visibility=Visibility.CHANNEL)


def error(text: str, title: str = "") -> Reply:
    """Errors are only ever shown to the caller."""
    return Reply(title=title, text=text, tone=Tone.ERROR, visibility=Visibility.PRIVATE)


def lines(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


__all__ = ["Button", "Field", "Image", "Reply", "Table", "Tone", "Visibility", "error", "lines"]
