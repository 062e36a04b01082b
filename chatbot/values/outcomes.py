"""What the influence engine and the #FollowFriday planner hand back to commands.

Commands depend on protocols (commands/ports.py) and the services return these values, so
neither side imports the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chatbot.values.message import Msg


@dataclass(frozen=True)
class RefreshOutcome:
    score: int | None
    """The member's score after the refresh, None if nothing could be fetched."""
    errors: Mapping[str, Msg | str]
    """network -> reason, for networks that failed this time (their old data is kept); the
    reader translates it."""


@dataclass(frozen=True)
class Suggestion:
    user_id: str
    display_name: str
    network: str
    handle: str
    """As people type it in a post on that network."""
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class MemberSuggestions:
    user_id: str
    suggestions: Sequence[Suggestion]
    copy_lines: Mapping[str, str]
    """network -> a ready-to-copy `#FollowFriday @a @b` line."""
