"""The influence engine as commands see it (the `commands.ports.Engine` protocol)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from chatbot.influence import verification
from chatbot.influence.networks import handle_for_humans, parse_handle
from chatbot.influence.networks.base import NetworkClient, fetch_profile
from chatbot.influence.refresh import Refresher
from chatbot.values.accounts import Profile
from chatbot.values.message import Msg
from chatbot.values.outcomes import RefreshOutcome


class InfluenceEngine:
    def __init__(
        self,
        clients: Mapping[str, NetworkClient],
        refresher: Refresher,
        availability: Mapping[str, Msg | str | None],
        rng: random.Random | None = None,
        *,
        allow_private: bool = False,
    ) -> None:
        self._allow_private = allow_private
        self._clients = clients
        self._refresher = refresher
        self._availability = dict(availability)
        self._rng = rng or random.SystemRandom()

    def availability(self) -> Mapping[str, Msg | str | None]:
        return self._availability

    def parse_handle(self, network: str, raw: str) -> str:
        return parse_handle(network, raw, allow_private=self._allow_private)

    def handle_for_humans(self, network: str, handle: str) -> str:
        return handle_for_humans(network, handle)

    def new_code(self) -> str:
        return verification.new_code(self._rng)

    async def lookup(self, network: str, handle: str) -> Profile:
        return await fetch_profile(self._clients[network], handle)

    async def check_code(self, network: str, handle: str, code: str) -> bool:
        return (await verification.verify(self._clients[network], handle, code)).verified

    async def refresh_member(self, team_id: str, user_id: str) -> RefreshOutcome:
        member = await self._refresher.storage.members.get(team_id, user_id)
        if member is None:
            return RefreshOutcome(score=None, errors={})
        report = await self._refresher.refresh([member])
        latest = await self._refresher.storage.scores.latest(team_id, user_id)
        errors = {
            network: reason
            for (team, user, network), reason in report.errors.items()
            if team == team_id and user == user_id
        }
        return RefreshOutcome(score=latest.score if latest else None, errors=errors)

    async def provisional_score(self, team_id: str, user_id: str) -> int | None:
        result = await self._refresher.provisional(team_id, user_id)
        return result.score if result is not None else None

    async def rescore(self, team_id: str, user_ids: Sequence[str] | None = None) -> None:
        storage = self._refresher.storage
        if user_ids is None:
            members = await storage.members.all(team_id)
        else:
            found = [await storage.members.get(team_id, user_id) for user_id in user_ids]
            members = [member for member in found if member is not None]
        await self._refresher.rescore_many(members)
