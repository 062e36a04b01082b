"""How refresh scores from storage under v2: own accounts' reactions and the version change."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chatbot.influence.refresh import Refresher
from chatbot.influence.score import SCORE_VERSION
from chatbot.storage import Storage
from chatbot.storage.scores import DayScore
from chatbot.values.accounts import Post, Profile
from chatbot.values.network_errors import NetworkError
from tests.support.fakes import FrozenClock

TEAM = "console:acme"


@dataclass
class Client:
    name: str
    label: str
    profiles: dict[str, Profile] = field(default_factory=dict)
    posts: dict[str, list[Post]] = field(default_factory=dict)
    profiles_per_request: int = 1
    parallel_accounts: int = 4

    def parse_handle(self, raw: str) -> str:
        return raw

    def handle_for_humans(self, handle: str) -> str:
        return "@" + handle

    async def fetch_profiles(self, handles: Sequence[str]) -> Mapping[str, Profile | NetworkError]:
        return {h: self.profiles.get(h) or NetworkError("not found") for h in handles}

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        return [p for p in self.posts.get(profile.handle, []) if p.created_at >= since]

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        return None


async def _register(storage: Storage, clock: FrozenClock, network: str, handle: str,
                    user: str = "alice") -> None:
    now = clock.now()
    await storage.teams.ensure(TEAM, "console", "acme", now)
    await storage.members.ensure(TEAM, user, user, now)
    await storage.handles.add(TEAM, user, network, handle, None, "code", now)
    await storage.handles.mark_verified(TEAM, user, network, now)


def _posts(now: datetime, reactors: tuple[tuple[str, int], ...] | None) -> list[Post]:
    return [Post(f"p{i}", now - timedelta(days=i * 4 + 1), likes=6, reposts=2, replies=1,
                 reactors=reactors if i < 3 else None) for i in range(15)]


async def test_reactions_from_the_members_other_account_do_not_count(
    storage: Storage, clock: FrozenClock
) -> None:
    bluesky = Client("bluesky", "Bluesky")
    mastodon = Client("mastodon", "Mastodon")
    for user in ("alice", "bob"):
        handle = f"{user}.bsky.social"
        bluesky.profiles[handle] = Profile("bluesky", handle, f"did:plc:{user}", followers=400)
        mastodon.profiles[f"{user}@example.social"] = Profile(
            "mastodon", f"{user}@example.social", f"https://example.social/users/{user}",
            followers=50)
        await _register(storage, clock, "bluesky", handle, user)
        await _register(storage, clock, "mastodon", f"{user}@example.social", user)
        # The same counts and the same reactors; two of them are alice's Mastodon account.
        bluesky.posts[handle] = _posts(clock.now(), (
            ("https://example.social/users/alice", 2), ("did:plc:carol", 6),
            ("did:plc:eve", 1)))
    await Refresher(storage, {"bluesky": bluesky, "mastodon": mastodon}, clock).refresh_due(
        timedelta(0))
    scores = {}
    for user in ("alice", "bob"):
        point = await storage.scores.latest(TEAM, user)
        assert point is not None
        network = json.loads(point.components_json)["networks"]["bluesky"]
        scores[user] = (network["score"], network["metrics"]["own_reactions_dropped"])
    assert scores["alice"][0] < scores["bob"][0]
    assert scores["alice"][1] == 6 and scores["bob"][1] == 0


async def test_a_point_of_an_older_formula_is_kept_and_not_smoothed_towards(
    storage: Storage, clock: FrozenClock
) -> None:
    bluesky = Client("bluesky", "Bluesky")
    bluesky.profiles["alice.bsky.social"] = Profile("bluesky", "alice.bsky.social",
                                                    "did:plc:alice", followers=400)
    bluesky.posts["alice.bsky.social"] = _posts(clock.now(), None)
    await _register(storage, clock, "bluesky", "alice.bsky.social")
    yesterday = clock.now() - timedelta(days=1)
    await storage.scores.save_days([DayScore(
        TEAM, "alice", yesterday.date(), 80, 80.0, "1.0",
        json.dumps({"version": "1.0", "score": 80, "raw": 80.0, "networks": {}}),
        {"bluesky": 80.0}, yesterday,
    )])
    await Refresher(storage, {"bluesky": bluesky}, clock).refresh_due(timedelta(0))

    history = await storage.scores.history(TEAM, "alice", yesterday.date())
    assert [(point.day, point.version) for point in history] == [
        (yesterday.date(), "1.0"), (clock.now().date(), SCORE_VERSION)]
    today = history[-1]
    computed = json.loads(today.components_json)["raw"]
    # Started afresh on v2: no drift from the old formula's 80 towards the new level.
    assert today.raw == computed
    assert history[0].raw == 80.0


async def test_points_of_the_same_formula_are_still_smoothed(
    storage: Storage, clock: FrozenClock
) -> None:
    bluesky = Client("bluesky", "Bluesky")
    bluesky.profiles["alice.bsky.social"] = Profile("bluesky", "alice.bsky.social",
                                                    "did:plc:alice", followers=400)
    bluesky.posts["alice.bsky.social"] = _posts(clock.now(), None)
    await _register(storage, clock, "bluesky", "alice.bsky.social")
    yesterday = clock.now() - timedelta(days=1)
    await storage.scores.save_days([DayScore(
        TEAM, "alice", yesterday.date(), 80, 80.0, SCORE_VERSION,
        json.dumps({"version": SCORE_VERSION, "score": 80, "raw": 80.0, "networks": {}}),
        {"bluesky": 80.0}, yesterday,
    )])
    await Refresher(storage, {"bluesky": bluesky}, clock).refresh_due(timedelta(0))
    today = await storage.scores.latest(TEAM, "alice")
    assert today is not None
    computed = json.loads(today.components_json)["raw"]
    assert computed < today.raw < 80.0
