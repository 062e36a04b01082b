"""The one interface every social network client implements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from chatbot.values.accounts import Post, Profile
from chatbot.values.message import Msg
from chatbot.values.network_errors import NetworkError, NetworkUnavailable


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
        raise NetworkUnavailable(Msg("{network} gave no answer for {handle}.",
                                     network=client.label, handle=handle))
    if isinstance(found, NetworkError):
        raise found
    return found
