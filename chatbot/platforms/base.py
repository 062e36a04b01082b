"""What the app needs from a chat platform besides answering commands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from commands.reply import Reply


class DeliveryError(Exception):
    """A post could not be delivered (channel gone, missing permission); message is shown
    to admins."""


class DeliveryUnconfirmed(DeliveryError):
    """The request may have reached the platform (a timeout, a dropped connection): the
    post may or may not be in the channel, so a retry must look before posting."""


@dataclass(frozen=True)
class PostMarker:
    """Tags a scheduled post so that a later run can recognise it in the channel.

    A crash between sending and recording leaves a week unconfirmed; the marker is what
    lets the next run tell "it went out" from "it never left" instead of guessing.
    """

    kind: str
    """e.g. "followfriday"."""
    team_id: str
    period: str
    """e.g. "2026-W48"."""
    since: datetime
    """No post for this period can be older than this (UTC): how far back to look."""

    @property
    def key(self) -> str:
        """One string for the (team, kind, period): a Discord nonce, an embed marker."""
        return f"kloutbot:{self.kind}:{self.team_id}:{self.period}"


class ChatPlatform(Protocol):
    name: str
    """"slack", "discord" or "console": the prefix of the team ids it serves."""

    async def start(self) -> None:
        """Connect and serve until `stop`; returns once connected (serving goes on)."""
        ...

    async def stop(self) -> None: ...

    @property
    def connected(self) -> bool:
        """Serving now (for /readyz): connected to the platform, or listening."""
        ...

    async def post(self, team_id: str, channel_id: str, reply: Reply,
                   marker: PostMarker | None = None) -> None:
        """Post to a channel of the team (stored id, e.g. "slack:T0123"); raises
        DeliveryError. Used for the weekly #FollowFriday; `marker` tags the message so
        `find_post` can recognise it later."""
        ...

    async def find_post(self, team_id: str, channel_id: str, marker: PostMarker) -> bool:
        """Whether the channel's recent history holds the bot's post tagged `marker`;
        raises DeliveryError when the history can't be read."""
        ...
