"""Routes a scheduled post to the platform that serves the team."""

from __future__ import annotations

from collections.abc import Mapping

from chatbot.followfriday.service import Deliver
from chatbot.platforms.base import ChatPlatform, DeliveryError
from chatbot.storage.models import Team
from commands.reply import Reply


def deliver_with(platforms: Mapping[str, ChatPlatform]) -> Deliver:
    async def deliver(team: Team, reply: Reply) -> None:
        platform = platforms.get(team.platform)
        if platform is None:
            raise DeliveryError(f"{team.platform} is not connected in this process")
        if not team.post_channel:
            raise DeliveryError("no channel configured (/klout config channel #name)")
        await platform.post(team.team_id, team.post_channel, reply)

    return deliver
