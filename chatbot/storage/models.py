"""Rows as frozen values; repositories return these, never raw cursors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chatbot.values.message import Msg


@dataclass(frozen=True)
class Team:
    team_id: str
    platform: str
    name: str
    post_channel: str | None
    post_weekday: int
    post_time: str
    timezone: str
    networks: tuple[str, ...]
    count_unverified: bool
    card_style: str
    created_at: datetime
    language: str = "en"
    """What the weekly post and members without a language of their own read."""
    web_public: bool = False
    """Whether the team's web pages open from a public link, not only personal ones."""
    web_generation: int = 0
    """Carried by public links; bumped when the pages turn private, revoking them."""


@dataclass(frozen=True)
class Member:
    team_id: str
    user_id: str
    display_name: str
    joined_at: datetime
    last_refreshed_at: datetime | None
    language: str | None = None
    """Set by `/klout language`; None follows the platform's locale, then the team."""


@dataclass(frozen=True)
class Handle:
    team_id: str
    user_id: str
    network: str
    handle: str
    account_id: str | None
    verify_code: str
    verified_at: datetime | None
    created_at: datetime
    last_fetched_at: datetime | None
    stale_reason: Msg | str | None
    """Why the data is old, for the reader to translate (English text in old rows)."""
    stale_since: datetime | None

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


@dataclass(frozen=True)
class ScorePoint:
    day: date
    score: int
    raw: float
    version: str
    components_json: str
    computed_at: datetime


@dataclass(frozen=True)
class TopicCount:
    topic: str
    count: int
    givers: tuple[str, ...]


@dataclass(frozen=True)
class Goal:
    target: int
    by_date: date | None
    baseline: float | None
    set_at: datetime


@dataclass(frozen=True)
class ScheduledPost:
    team_id: str
    kind: str
    period: str
    status: str
    claimed_at: datetime
    attempts: int
    last_error: Msg | str | None
    """Why the last attempt failed, untranslated (chatbot/storage/stored_messages.py)."""
    posted_at: datetime | None


@dataclass(frozen=True)
class Snapshot:
    network: str
    day: date
    fetched_at: datetime
    followers: int
    following: int
    posts: int
    extra_json: str


@dataclass(frozen=True)
class Holder:
    """Another member's claim on an account the caller tried to register."""

    user_id: str
    handle: str
    verified: bool


@dataclass(frozen=True)
class Challenge:
    """A claim on an account another member holds unverified; the code decides."""

    team_id: str
    user_id: str
    network: str
    handle: str
    account_id: str
    verify_code: str
    created_at: datetime


@dataclass(frozen=True)
class Notice:
    """Something that happened to a member's data while they were away."""

    kind: str
    network: str
    handle: str
    created_at: datetime
