"""The absolute calibration published in docs/score.md, pinned on reference profiles.

The score is absolute: a number means the same in every team. These profiles
are the yardstick; if one leaves its range, the formula moved and either the
change or SCORE_VERSION and the docs' table must follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from chatbot.influence.networks.base import AccountSnapshot, Post, Profile
from chatbot.influence.score import combine, curve, score_account

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
WINDOW = 90


@dataclass(frozen=True)
class Reference:
    """An account described per post, its posts evenly spread over the window."""

    followers: int
    posts: int
    likes: float
    replies: float = 0.0
    reposts: float = 0.0
    quotes: float = 0.0
    network: str = "bluesky"
    extra: tuple[tuple[str, int], ...] = ()

    def snapshot(self) -> AccountSnapshot:
        posts = tuple(
            Post(
                id=f"p{i}",
                created_at=NOW - timedelta(days=WINDOW * (i + 0.5) / self.posts),
                likes=_share(self.likes, i),
                replies=_share(self.replies, i),
                reposts=_share(self.reposts, i),
                quotes=_share(self.quotes, i),
            )
            for i in range(self.posts)
        )
        profile = Profile(network=self.network, handle="ref", account_id="ref",
                          followers=self.followers, posts_count=self.posts,
                          extra=dict(self.extra))
        return AccountSnapshot(profile=profile, posts=posts, fetched_at=NOW)


def _share(per_post: float, index: int) -> int:
    """Whole reactions for post `index` so that the average over posts is `per_post`."""
    return int((index + 1) * per_post) - int(index * per_post)


REFERENCES = {
    # 150 followers, a post every four or five days, a couple of likes each.
    "casual": (Reference(150, 20, likes=2, replies=0.3, reposts=0.5), 10, 25),
    # 3,000 followers, five posts a week that start conversations and get shared.
    "active professional": (
        Reference(3_000, 60, likes=30, replies=4, reposts=6, quotes=1), 40, 60),
    # A scheduler pushing 300 posts to 20,000 followers; a like on every other post.
    "automated poster": (Reference(20_000, 300, likes=0.5, reposts=0.03), 5, 30),
    # 2,000 followers who reply and share.
    "small engaged audience": (Reference(2_000, 30, likes=10, replies=4, reposts=2), 25, 45),
    # Half a million followers, a post a day, thousands of reactions each.
    "well-known public figure": (
        Reference(500_000, 90, likes=2_000, replies=150, reposts=300, quotes=40), 80, 95),
    # The most followed accounts in the world.
    "top of the world": (
        Reference(100_000_000, 100, likes=200_000, replies=10_000, reposts=30_000,
                  quotes=3_000), 98.5, 100),
    # A developer with a few thousand stars and no reactions on GitHub events.
    "GitHub maintainer": (
        Reference(300, 40, likes=0, network="github",
                  extra=(("stars", 2_000), ("forks", 150), ("public_repos", 40))), 15, 40),
}


@pytest.mark.parametrize("name", list(REFERENCES))
def test_reference_profiles_score_in_their_published_range(name: str) -> None:
    reference, low, high = REFERENCES[name]
    scored = score_account(reference.snapshot(), NOW, WINDOW).score
    assert low <= scored <= high, f"{name} scored {scored:.1f}, expected {low}-{high}"


def test_the_very_top_shows_99() -> None:
    reference, _, _ = REFERENCES["top of the world"]
    assert combine([score_account(reference.snapshot(), NOW, WINDOW)]).score == 99


def test_reference_profiles_rank_as_people_would_expect() -> None:
    order = ["casual", "small engaged audience", "active professional",
             "well-known public figure", "top of the world"]
    scores = [score_account(REFERENCES[name][0].snapshot(), NOW, WINDOW).score for name in order]
    assert scores == sorted(scores)
    automated = score_account(REFERENCES["automated poster"][0].snapshot(), NOW, WINDOW).score
    assert automated < scores[order.index("small engaged audience")]


def test_automation_with_many_followers_stays_well_below_an_active_professional() -> None:
    automated = score_account(REFERENCES["automated poster"][0].snapshot(), NOW, WINDOW).score
    pro = score_account(REFERENCES["active professional"][0].snapshot(), NOW, WINDOW).score
    assert pro - automated >= 15


def test_each_point_costs_more_influence_than_the_last() -> None:
    """The raw influence quantity (10 ** z) needed per point grows all the way up."""
    needed = [10 ** _z_for(points) for points in range(2, 100)]
    steps = [b - a for a, b in pairwise(needed)]
    assert all(later > earlier for earlier, later in pairwise(steps))


def test_fifty_is_hard_and_ninety_nine_is_for_the_very_top() -> None:
    """Ten times the influence of a 50 (z + 1) is not yet 90; 99 needs about 10,000 times."""
    z_fifty = _z_for(50)
    assert curve(z_fifty + 1) < 90
    assert _z_for(99) - z_fifty > 3.5


def _z_for(points: float) -> float:
    low, high = 0.0, 40.0
    for _ in range(200):
        middle = (low + high) / 2
        if curve(middle) < points:
            low = middle
        else:
            high = middle
    return (low + high) / 2
