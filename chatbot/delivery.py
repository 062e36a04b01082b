"""Routes a scheduled post, the look for an earlier copy of it, and the direct messages
that follow it, to the team's platform."""

from __future__ import annotations

from collections.abc import Mapping

from chatbot.platforms.base import ChatPlatform
from chatbot.storage.models import Team
from chatbot.values.delivery import DeliveryError, DmLimit, PostMarker
from chatbot.values.message import Msg
from chatbot.values.reply import Reply


class PlatformDelivery:
    """The `Delivery` (and `DirectMessages`) the scheduler and `kloutbot followfriday` use
    in a running bot."""

    def __init__(self, platforms: Mapping[str, ChatPlatform]) -> None:
        self._platforms = platforms

    def _platform(self, team: Team) -> ChatPlatform:
        platform = self._platforms.get(team.platform)
        if platform is None:
            raise DeliveryError(Msg("{platform} is not connected in this process",
                                    platform=team.platform))
        return platform

    def _route(self, team: Team) -> tuple[ChatPlatform, str]:
        platform = self._platform(team)
        if not team.post_channel:
            raise DeliveryError(Msg("no channel configured (/klout config channel #name)"))
        return platform, team.post_channel

    async def post(self, team: Team, reply: Reply, marker: PostMarker) -> None:
        platform, channel = self._route(team)
        await platform.post(team.team_id, channel, reply, marker)

    async def find(self, team: Team, marker: PostMarker) -> bool:
        platform, channel = self._route(team)
        return await platform.find_post(team.team_id, channel, marker)

    def dm_limit(self, team: Team) -> DmLimit:
        return self._platform(team).dm_limit(team.team_id)

    async def send_dm(self, team: Team, user_id: str, reply: Reply) -> None:
        await self._platform(team).send_dm(team.team_id, user_id, reply)


def deliver_with(platforms: Mapping[str, ChatPlatform]) -> PlatformDelivery:
    return PlatformDelivery(platforms)
