"""Test doubles that behave like the real engine and planner, backed by storage."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from chatbot.influence.networks import handle_for_humans, parse_handle
from chatbot.storage import Storage
from chatbot.storage.scores import DayScore
from chatbot.values.accounts import Profile
from chatbot.values.network_errors import AccountNotFound, NetworkUnavailable
from chatbot.values.outcomes import (
    MemberSuggestions,
    MemberWeek,
    RefreshOutcome,
    Suggestion,
    WeekState,
)


class FrozenClock:
    """Moves only when a test says so."""

    def __init__(self, moment: datetime | None = None) -> None:
        self.moment = moment or datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@dataclass
class FakeEngine:
    """Knows a fixed set of accounts; `unreachable` networks raise like a dead API."""

    accounts: dict[tuple[str, str], Profile] = field(default_factory=dict)
    unreachable: set[str] = field(default_factory=set)
    codes: list[str] = field(default_factory=lambda: [f"klout-TEST-{i:04d}" for i in range(99)])
    refreshed: list[tuple[str, str]] = field(default_factory=list)
    disabled: dict[str, str] = field(default_factory=dict)
    provisional: dict[tuple[str, str], int] = field(default_factory=dict)
    """(team, member) -> the provisional score the owner is shown."""
    rescored: list[tuple[str, tuple[str, ...] | None]] = field(default_factory=list)

    def add(self, network: str, handle: str, account_id: str | None = None,
            **fields: object) -> Profile:
        """`account_id` defaults to one per handle; give one to make two spellings one
        account."""
        profile = Profile(network=network, handle=handle,
                          account_id=account_id or f"id-{handle}",
                          **fields)  # type: ignore[arg-type]
        self.accounts[(network, handle)] = profile
        return profile

    def availability(self) -> Mapping[str, str | None]:
        return {n: self.disabled.get(n) for n in ("mastodon", "bluesky", "github", "x",
                                                   "youtube")}

    def parse_handle(self, network: str, raw: str) -> str:
        return parse_handle(network, raw)

    def handle_for_humans(self, network: str, handle: str) -> str:
        return handle_for_humans(network, handle)

    async def lookup(self, network: str, handle: str) -> Profile:
        if network in self.unreachable:
            raise NetworkUnavailable("timed out")
        try:
            return self.accounts[(network, handle)]
        except KeyError:
            raise AccountNotFound(f"{handle} not found") from None

    async def check_code(self, network: str, handle: str, code: str) -> bool:
        return code in (await self.lookup(network, handle)).bio

    async def refresh_member(self, team_id: str, user_id: str) -> RefreshOutcome:
        self.refreshed.append((team_id, user_id))
        return RefreshOutcome(score=None, errors={})

    def new_code(self) -> str:
        return self.codes.pop(0)

    async def provisional_score(self, team_id: str, user_id: str) -> int | None:
        return self.provisional.get((team_id, user_id))

    async def rescore(self, team_id: str, user_ids: Sequence[str] | None = None) -> None:
        self.rescored.append((team_id, tuple(user_ids) if user_ids is not None else None))


@dataclass
class FakeFollowFriday:
    """Suggests every teammate sharing a network, in id order (the real planner is tested
    on its own)."""

    storage: Storage

    async def preview(self, team_id: str, user_id: str, now: datetime) -> MemberSuggestions:
        handles = await self.storage.handles.for_team(team_id)
        names = await self.storage.members.names(team_id)
        mine = {h.network for h in handles if h.user_id == user_id}
        suggestions = [
            Suggestion(h.user_id, names.get(h.user_id, h.user_id), h.network,
                       handle_for_humans(h.network, h.handle), ())
            for h in handles if h.user_id != user_id and h.network in mine
        ][:3]
        lines: dict[str, str] = {}
        for s in suggestions:
            lines[s.network] = (lines.get(s.network, "#FollowFriday") + " " + s.handle)
        return MemberSuggestions(user_id, suggestions, lines)

    async def member_week(self, team_id: str, user_id: str, period: str | None,
                          now: datetime) -> MemberWeek:
        """This week only: the real service's stored weeks are tested on their own."""
        return MemberWeek(period or "this week", WeekState.CURRENT,
                          await self.preview(team_id, user_id, now))


async def seed_scores(
    storage: Storage,
    team_id: str,
    user_id: str,
    name: str,
    values: list[float],
    *,
    last_day: date,
    networks: Mapping[str, float] | None = None,
) -> None:
    """A daily history ending on `last_day`, as refresh would have stored it."""
    moment = datetime.combine(last_day, datetime.min.time(), tzinfo=UTC)
    await storage.teams.ensure(team_id, team_id.split(":")[0], "", moment)
    await storage.members.ensure(team_id, user_id, name, moment)
    nets = dict(networks or {"github": values[-1]})
    for net in nets:  # refresh stores scores only for members with accounts that count
        if await storage.handles.get(team_id, user_id, net) is None:
            await storage.handles.add(team_id, user_id, net, f"{user_id}-{net}",
                                      f"id-{user_id}-{net}", "code", moment)
            await storage.handles.mark_verified(team_id, user_id, net, moment)
    for offset, value in enumerate(values):
        day = last_day - timedelta(days=len(values) - 1 - offset)
        components = {
            "version": "1.0", "score": round(value), "raw": value,
            "networks": {
                net: {"network": net, "score": score,
                      "components": {"audience": score / 4, "engagement": score / 4,
                                     "amplification": score / 4, "consistency": score / 4 - 1},
                      "metrics": {"followers": 100.0, "posts_in_window": 10.0}}
                for net, score in nets.items()
            },
        }
        await storage.scores.save_days([DayScore(team_id, user_id, day, round(value), value,
                                                 "1.0", json.dumps(components), nets, moment)])
