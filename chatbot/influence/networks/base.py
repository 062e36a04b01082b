"""The one interface every social network client implements.

Values here cross module boundaries (clients -> refresh -> score -> storage ->
commands), so they are frozen dataclasses with plain types only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable


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


class NetworkError(Exception):
    """Base of every error a client raises; its message is safe to show a member."""


class InvalidHandle(NetworkError):
    pass


class AccountNotFound(NetworkError):
    pass


class UnknownNetwork(NetworkError):
    """A network name the bot does not know; the message lists the ones it does."""


class NetworkNotConfigured(NetworkError):
    """The network needs a credential this deployment has not set."""

    def __init__(self, network: str, setting: str) -> None:
        super().__init__(f"{network} is not enabled on this bot: the admin must set {setting}.")
        self.network = network
        self.setting = setting


class NetworkUnavailable(NetworkError):
    """The network could not be reached or answered nonsense; retry later."""


class RateLimited(NetworkUnavailable):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@runtime_checkable
class NetworkClient(Protocol):
    """One module per network implements this.

    `parse_handle` is pure (no I/O) so commands can reject a malformed handle
    before anything is stored or fetched.
    """

    name: str
    """Short lowercase id used in commands and storage: mastodon, bluesky, ..."""

    label: str
    """Human name: Mastodon, Bluesky, ..."""

    profiles_per_request: int
    """How many profiles one API call answers (Bluesky 25, X 100, others 1):
    refresh fetches in chunks of this size, posts right after their profiles."""

    @property
    def parallel_accounts(self) -> int:
        """How many accounts refresh should fetch at once: no more than the rate limiter
        lets run, or a spent budget leaves many accounts half-fetched."""
        ...

    def parse_handle(self, raw: str) -> str:
        """Return the canonical handle or raise InvalidHandle."""
        ...

    def handle_for_humans(self, handle: str) -> str:
        """The handle as people type it in a post (`@user@host`, `@name.bsky.social`)."""
        ...

    async def fetch_profiles(self, handles: Sequence[str]) -> Mapping[str, Profile | NetworkError]:
        """Fetch several profiles, batching where the API allows it.

        Keys are the handles passed in; a per-account failure is returned as
        the error, not raised, so one bad account does not sink a batch.
        """
        ...

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        """Recent posts newer than `since`, newest first, bounded in pages."""
        ...

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        """Canonical handles the account follows, or None where not public."""
        ...


async def fetch_profile(client: NetworkClient, handle: str) -> Profile:
    """One account's live profile, raising its error instead of returning it."""
    found = (await client.fetch_profiles([handle])).get(handle)
    if found is None:
        raise NetworkUnavailable(f"{client.label} gave no answer for {handle}.")
    if isinstance(found, NetworkError):
        raise found
    return found
