"""What the app needs from a chat platform besides answering commands."""

from __future__ import annotations

from typing import Protocol

from chatbot.values.delivery import DmLimit, PostMarker
from chatbot.values.reply import Reply


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

    def dm_limit(self, team_id: str) -> DmLimit:
        """How fast direct messages may go out for this team (the platform's published
        limit), and which shared budget they spend."""
        ...

    async def send_dm(self, team_id: str, user_id: str, reply: Reply) -> None:
        """A direct message to a member of the team (the weekly #FollowFriday for those
        who asked). Raises RecipientGone (left, blocked the bot), DeliveryError (refused)
        or DeliveryUnconfirmed (may have arrived)."""
        ...
