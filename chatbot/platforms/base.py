"""What the app needs from a chat platform besides answering commands."""

from __future__ import annotations

from typing import Protocol

from commands.reply import Reply


class DeliveryError(Exception):
    """A post could not be delivered (channel gone, missing permission); message is shown
    to admins."""


class ChatPlatform(Protocol):
    name: str
    """"slack", "discord" or "console": the prefix of the team ids it serves."""

    async def start(self) -> None:
        """Connect and serve until `stop`; returns once connected (serving goes on)."""
        ...

    async def stop(self) -> None: ...

    async def post(self, team_id: str, channel_id: str, reply: Reply) -> None:
        """Post to a channel of the team (stored id, e.g. "slack:T0123"); raises
        DeliveryError. Used for the weekly #FollowFriday."""
        ...
