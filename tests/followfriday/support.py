"""Teams, fake network clients and a recording deliverer for the #FollowFriday tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chatbot.followfriday.service import FollowFridayService
from chatbot.influence.networks.base import NetworkClient
from chatbot.storage import Storage
from chatbot.storage.models import Team
from chatbot.values.accounts import Post, Profile
from chatbot.values.delivery import (
    DeliveryError,
    DeliveryUnconfirmed,
    DmLimit,
    PostMarker,
    RecipientGone,
)
from chatbot.values.network_errors import NetworkError, NetworkUnavailable
from chatbot.values.reply import Reply
from tests.support.fakes import FrozenClock

TEAM = "console:acme"


@dataclass
class FakeNetwork:
    """Answers follow lists from a dict; `refuse` plays a private list, `fail` an outage,
    `hang` a server that never answers."""

    name: str
    label: str = "Bluesky"
    following: dict[str, frozenset[str]] = field(default_factory=dict)
    refuse: set[str] = field(default_factory=set)
    fail: set[str] = field(default_factory=set)
    hang: set[str] = field(default_factory=set)
    asked: list[Profile] = field(default_factory=list)

    def parse_handle(self, raw: str) -> str:
        return raw.lstrip("@").lower()

    def handle_for_humans(self, handle: str) -> str:
        return f"@{handle}"

    async def fetch_profiles(self, handles: Sequence[str]) -> Mapping[str, Profile | NetworkError]:
        return {h: Profile(self.name, h, f"id-{h}") for h in handles}

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        return ()

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        self.asked.append(profile)
        if profile.handle in self.hang:
            await asyncio.Event().wait()
        if profile.handle in self.fail:
            raise NetworkUnavailable("timed out")
        if profile.handle in self.refuse:
            return None
        return self.following.get(profile.handle, frozenset())


@dataclass
class Deliveries:
    """The delivery the app would pass: records what went where with its marker, answers
    looks from what it recorded, and fails on demand."""

    sent: list[tuple[str, str | None, Reply]] = field(default_factory=list)
    markers: list[PostMarker] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    lookups: list[PostMarker] = field(default_factory=list)
    lookup_failures: list[Exception] = field(default_factory=list)

    async def post(self, team: Team, reply: Reply, marker: PostMarker) -> None:
        await asyncio.sleep(0)  # let a concurrent worker run in between, as a real call would
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((team.team_id, team.post_channel, reply))
        self.markers.append(marker)

    async def find(self, team: Team, marker: PostMarker) -> bool:
        self.lookups.append(marker)
        if self.lookup_failures:
            raise self.lookup_failures.pop(0)
        return marker in self.markers

    def fail_with(self, *messages: str) -> None:
        self.failures.extend(DeliveryError(message) for message in messages)


def at(text: str) -> datetime:
    """A UTC instant from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def add_member(
    storage: Storage,
    user_id: str,
    name: str,
    accounts: Mapping[str, str],
    *,
    team_id: str = TEAM,
    verified: bool = True,
    now: datetime | None = None,
) -> None:
    moment = now or at("2026-11-01 09:00")
    await storage.members.ensure(team_id, user_id, name, moment)
    for network, handle in accounts.items():
        await storage.handles.add(team_id, user_id, network, handle, f"id-{handle}",
                                  f"code-{user_id}", moment)
        if verified:
            await storage.handles.mark_verified(team_id, user_id, network, moment)


async def make_team(
    storage: Storage,
    members: int = 4,
    *,
    team_id: str = TEAM,
    channel: str | None = "general",
    weekday: int = 4,
    post_time: str = "10:00",
    timezone: str = "UTC",
    network: str = "bluesky",
) -> Team:
    """A team where everyone is on one network, posting Fridays at 10:00 by default."""
    moment = at("2026-11-01 09:00")
    await storage.teams.ensure(team_id, team_id.split(":")[0], "Acme", moment)
    team = await storage.teams.update(team_id, post_channel=channel, post_weekday=weekday,
                                      post_time=post_time, timezone=timezone)
    names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
             "judy", "mallory", "niaj"]
    for user in names[:members]:
        handle = f"{user}.bsky.social" if network == "bluesky" else f"{user}@social.example"
        await add_member(storage, user, user.capitalize(), {network: handle}, team_id=team_id)
    return team


def make_service(
    storage: Storage,
    clock: FrozenClock,
    clients: Mapping[str, NetworkClient] | None = None,
    *,
    worker: str = "worker-1",
    dm_batch: int = 50,
) -> FollowFridayService:
    """Waiting for a direct-message budget moves `clock` instead of sleeping."""
    return FollowFridayService(storage, clients or {}, clock, follow_budget_seconds=0.5,
                               worker_id=worker, sleep=clock_sleep(clock), dm_batch=dm_batch)


async def add_members(storage: Storage, count: int, *, team_id: str = TEAM,
                      prefix: str = "U") -> list[str]:
    """`count` verified Bluesky members named "Member 1" …, ids `U001` … in order."""
    ids = [f"{prefix}{index:03d}" for index in range(1, count + 1)]
    for index, user_id in enumerate(ids, start=1):
        await add_member(storage, user_id, f"Member {index}",
                         {"bluesky": f"m{index}.bsky.social"}, team_id=team_id)
    return ids


@dataclass
class DirectSent:
    team_id: str
    user_id: str
    reply: Reply
    at: datetime


@dataclass
class FakeDirect:
    """Direct messages as the platforms send them, recorded with the (frozen) time they
    left; `gone`, `refuse` and `unsure` play a member who left, a refusal and a lost
    answer."""

    clock: FrozenClock
    per_second: int = 1
    sent: list[DirectSent] = field(default_factory=list)
    gone: dict[str, str] = field(default_factory=dict)
    refuse: dict[str, int] = field(default_factory=dict)
    """member -> how many more times the platform refuses."""
    unsure: set[str] = field(default_factory=set)

    def dm_limit(self, team: Team) -> DmLimit:
        return DmLimit(key=f"dm:test:{team.team_id}", per_second=self.per_second)

    async def send_dm(self, team: Team, user_id: str, reply: Reply) -> None:
        # Stamped when the request leaves: the pace is the sender's, and another replica
        # may run (and move the shared frozen clock) before the answer comes back.
        left_at = self.clock.now()
        await asyncio.sleep(0)
        if user_id in self.gone:
            raise RecipientGone(self.gone[user_id])
        if self.refuse.get(user_id):
            self.refuse[user_id] -= 1
            raise DeliveryError("the platform is rate-limiting me")
        if user_id in self.unsure:
            raise DeliveryUnconfirmed("the connection broke")
        self.sent.append(DirectSent(team.team_id, user_id, reply, left_at))

    def to(self, user_id: str) -> list[DirectSent]:
        return [message for message in self.sent if message.user_id == user_id]


def clock_sleep(clock: FrozenClock) -> Callable[[float], Awaitable[None]]:
    """A sleep that moves the frozen clock instead of waiting."""

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)
        await asyncio.sleep(0)

    return sleep
