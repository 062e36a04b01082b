"""What a social network tells us about one account: its profile and its posts.

Values here cross every layer (clients -> refresh -> score -> storage -> commands), so they
live apart from all of them, as frozen dataclasses with plain types only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Post:
    """One public post and the reactions it drew.

    A repost of someone else's post (`is_repost`) carries the original's counts
    on most networks; clients zero those counts so nobody is credited for
    reactions earned by somebody else.
    """

    id: str
    created_at: datetime
    replies: int = 0
    reposts: int = 0
    quotes: int = 0
    likes: int = 0
    has_media: bool = False
    is_question: bool = False
    is_reply: bool = False
    is_repost: bool = False
    metrics_hidden: bool = False
    """The network withheld this post's counts (X without `public_metrics`):
    the zeros are unknown, not measured, and should not pull an average down."""
    parent_id: str = ""
    """For a reply, the id of the post it answers (on the same network), else empty."""
    reply_to_self: bool = False
    """A reply to the author's own post (a thread). It is not conversation with
    anyone, and the reply it adds to the parent's count is the author's own."""
    reactors: tuple[tuple[str, int], ...] | None = None
    """Who reacted, where the network told us within the rate budget: (stable id of
    the reacting account, reactions by them on this post). None when not sampled;
    the score uses it to temper pods and sock puppets (see docs/score.md)."""


@dataclass(frozen=True)
class Profile:
    """A public account as the network reports it.

    `handle` is canonical (what the member should type to find it again);
    `account_id` is the network's stable id (DID, numeric id) that survives
    renames. `bio` joins every public free-text field the owner controls
    (bio, note, profile fields, description) so verification can search it.
    `flags` carries oddities worth showing: moved, suspended, limited,
    organization, bot, deactivated.
    """

    network: str
    handle: str
    account_id: str
    display_name: str = ""
    followers: int = 0
    following: int = 0
    posts_count: int = 0
    bio: str = ""
    url: str = ""
    flags: frozenset[str] = field(default_factory=frozenset)
    extra: Mapping[str, int] = field(default_factory=dict)
    """Network-specific counters (GitHub stars and forks, YouTube views)."""


@dataclass(frozen=True)
class AccountSnapshot:
    """Everything one refresh learned about one account."""

    profile: Profile
    posts: tuple[Post, ...]
    fetched_at: datetime
