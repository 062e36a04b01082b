"""The reference table published in docs/score.md: honest profiles and the adversaries.

The score is absolute: a number means the same in every team. The honest
profiles are the yardstick, each with a published range; if one leaves its
range, the formula moved and SCORE_VERSION and the docs must follow. Each
adversarial profile imitates an honest one and may not outrank it by more
than a few points. The docs' tables are generated from these rows
(`python -m tests.influence.test_score_calibration`) and a test checks that
docs/score.md holds exactly what the code measures, so they cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from chatbot.influence.score import SCORE_VERSION, combine, curve, score_account
from chatbot.values.accounts import AccountSnapshot, Post, Profile

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
WINDOW = 90
DOCS = Path(__file__).resolve().parents[2] / "docs" / "score.md"
DOCS_DE = Path(__file__).resolve().parents[2] / "docs" / "de" / "score.md"


@dataclass(frozen=True)
class Reference:
    """An account described per post, its posts evenly spread over `span` days ending `start`
    days ago.

    `reactors` describes who reacted on the `sampled` top posts, as the clients report it
    for Mastodon and Bluesky: "distinct" (every reaction by someone new) or "same" (the same
    `circle` people on every post, each once per reaction).
    """

    followers: int
    posts: int
    likes: float
    replies: float = 0.0
    reposts: float = 0.0
    quotes: float = 0.0
    network: str = "bluesky"
    extra: tuple[tuple[str, int], ...] = ()
    span: float = WINDOW
    start: float = 0.0
    reposts_of_others: int = 0
    reactors: str = ""
    circle: int = 0
    sampled: int = 5

    def snapshot(self) -> AccountSnapshot:
        posts = [
            Post(
                id=f"p{i}",
                created_at=NOW - timedelta(days=self.start + self.span * (i + 0.5) / self.posts),
                likes=_share(self.likes, i),
                replies=_share(self.replies, i),
                reposts=_share(self.reposts, i),
                quotes=_share(self.quotes, i),
            )
            for i in range(self.posts)
        ]
        if self.reactors:
            top = sorted(range(len(posts)), key=lambda i: -_count(posts[i]))[: self.sampled]
            posts = [replace(post, reactors=self._who(i, post)) if i in top else post
                     for i, post in enumerate(posts)]
        boosts = [
            Post(id=f"b{i}", created_at=NOW - timedelta(days=WINDOW * (i + 0.5)
                                                         / self.reposts_of_others),
                 likes=50, reposts=10, is_repost=True)
            for i in range(self.reposts_of_others)
        ]
        profile = Profile(network=self.network, handle="ref", account_id="ref",
                          followers=self.followers, posts_count=self.posts,
                          extra=dict(self.extra))
        return AccountSnapshot(profile=profile, posts=tuple(posts + boosts), fetched_at=NOW)

    def _who(self, index: int, post: Post) -> tuple[tuple[str, int], ...]:
        total = _count(post)
        if self.reactors == "distinct":
            return tuple((f"person-{index}-{k}", 1) for k in range(total))
        per_person = [0] * self.circle
        for k in range(total):
            per_person[(index * total + k) % self.circle] += 1
        return tuple((f"circle-{k}", n) for k, n in enumerate(per_person) if n)


def _share(per_post: float, index: int) -> int:
    """Whole reactions for post `index` so that the average over posts is `per_post`."""
    return int((index + 1) * per_post) - int(index * per_post)


def _count(post: Post) -> int:
    return post.likes + post.replies + post.reposts + post.quotes


def measure(reference: Reference, now: datetime = NOW) -> float:
    return score_account(reference.snapshot(), now, WINDOW).score


CASUAL = Reference(150, 20, likes=2, replies=0.3, reposts=0.5)
PRO = Reference(3_000, 60, likes=30, replies=4, reposts=6, quotes=1)

# name -> (profile, what it is, low, high)
HONEST: dict[str, tuple[Reference, str, float, float]] = {
    "casual": (CASUAL, "150 followers, 20 posts, 2 likes, 0.3 replies, 0.5 reposts each",
               10, 25),
    "automated poster": (
        Reference(20_000, 300, likes=0.5, reposts=0.03),
        "20,000 followers, 300 posts, 0.5 likes, 0.03 reposts each", 1, 10),
    "GitHub maintainer": (
        Reference(300, 40, likes=3, reposts=0.5, network="github",
                  extra=(("stars", 2_000), ("forks", 150), ("public_repos", 40))),
        "300 followers, 2,000 stars in all; 40 events in 90 days drawing 3 stars and "
        "0.5 forks each", 10, 30),
    "YouTube channel": (
        Reference(2_000, 6, likes=80, replies=12, network="youtube",
                  extra=(("views", 400_000),)),
        "2,000 subscribers, 400,000 lifetime views; 6 videos in 90 days, 80 likes and "
        "12 comments each", 25, 45),
    "small engaged audience": (
        Reference(2_000, 30, likes=10, replies=4, reposts=2),
        "2,000 followers, 30 posts, 10 likes, 4 replies, 2 reposts each", 25, 45),
    "active professional": (
        PRO, "3,000 followers, 60 posts, 30 likes, 4 replies, 6 reposts, 1 quote each", 40, 60),
    "well-known public figure": (
        Reference(500_000, 90, likes=2_000, replies=150, reposts=300, quotes=40),
        "500,000 followers, 90 posts, 2,000 likes, 150 replies, 300 reposts, 40 quotes each",
        80, 95),
    "top of the world": (
        Reference(100_000_000, 100, likes=200_000, replies=10_000, reposts=30_000,
                  quotes=3_000),
        "100 million followers, 100 posts, 200,000 likes, 10,000 replies, 30,000 reposts, "
        "3,000 quotes each", 98.5, 100),
}

VIRAL = dict(likes=50_000, replies=5_000, reposts=10_000, quotes=500, span=1.0)


@dataclass(frozen=True)
class Adversary:
    name: str
    profile: Reference
    how: str
    imitates: str
    honest: Reference
    margin: float
    """How many points the adversary may gain over the honest profile (0: none)."""
    at: float = 0.0
    """Days after NOW at which both are scored (ageing rows)."""


ADVERSARIES = (
    Adversary("bought followers", replace(CASUAL, followers=1_000_000),
              "the casual account plus 1,000,000 silent followers", "casual", CASUAL, 0.0),
    Adversary("follow-for-follow", replace(CASUAL, followers=5_000),
              "the casual account with 5,000 followers won by following back", "casual",
              CASUAL, 0.0),
    Adversary("scheduled posting", Reference(3_000, 300, likes=1, reposts=0.1),
              "300 scheduled posts, 1 like and 0.1 reposts each",
              "the same reactions on 30 posts",
              Reference(3_000, 30, likes=10, reposts=1), 0.0),
    Adversary("one-liker volume", Reference(150, 4_500, likes=1),
              "4,500 posts with one like each", "casual", CASUAL, 0.0),
    Adversary("pod", Reference(500, 30, likes=12, reposts=6, reactors="same", circle=12),
              "12 people like and 6 of them repost every post",
              "a real audience reacting as much",
              Reference(500, 30, likes=12, reposts=6, reactors="distinct"), 0.0),
    Adversary("pod vs. its honest use",
              Reference(500, 30, likes=12, reposts=6, reactors="same", circle=12),
              "12 people like and 6 of them repost every post",
              "the same 12 people reacting when they like a post",
              Reference(500, 30, likes=3, reposts=1, reactors="same", circle=12), 5.0),
    Adversary("sock-puppet replies",
              replace(CASUAL, replies=5.3, reactors="same", circle=5),
              "the casual account plus 5 replies per post from the same 5 accounts",
              "replies from distinct people",
              replace(CASUAL, replies=5.3, reactors="distinct"), 0.0),
    Adversary("sock-puppet replies vs. casual",
              replace(CASUAL, replies=5.3, reactors="same", circle=5),
              "the casual account plus 5 replies per post from the same 5 accounts",
              "casual", CASUAL, 4.0),
    Adversary("boosts hiding own posts", replace(CASUAL, reposts_of_others=300),
              "the casual account plus 300 boosts of others", "casual", CASUAL, 0.0),
    Adversary("dormant GitHub stars",
              Reference(0, 0, likes=0, network="github",
                        extra=(("stars", 10_000), ("public_repos", 5))),
              "5 repositories, 10,000 stars, no activity in 90 days", "casual", CASUAL, 0.0),
    Adversary("dormant YouTube views",
              Reference(5_000, 0, likes=0, network="youtube", extra=(("views", 1_000_000),)),
              "1,000,000 lifetime views, no video in 90 days", "casual", CASUAL, 0.0),
    Adversary("viral then silent, a day later",
              Reference(5_000, 1, start=89, **VIRAL),
              "one viral post 90.5 days old (its twin, a day later)",
              "the same post 89.5 days old", Reference(5_000, 1, start=89, **VIRAL),
              0.0, at=1.0),
    Adversary("viral then silent, mid-window",
              Reference(5_000, 1, start=45, **VIRAL),
              "one viral post 46.5 days old (its twin, a day later)",
              "the same post 45.5 days old", Reference(5_000, 1, start=45, **VIRAL),
              0.0, at=1.0),
    Adversary("viral then ten strong posts",
              Reference(5_000, 1, start=60, **VIRAL),
              "one viral post 60.5 days old and nothing since",
              "the same post plus ten posts with 300 likes, 20 replies, 10 reposts",
              Reference(5_000, 1, start=60, **VIRAL), 0.0),
)


def _adversary_score(row: Adversary) -> float:
    return measure(row.profile, NOW + timedelta(days=row.at))


def _honest_score(row: Adversary) -> float:
    if row.name == "viral then ten strong posts":
        snapshot = row.honest.snapshot()
        strong = tuple(Post(id=f"s{i}", created_at=NOW - timedelta(days=i * 3 + 1), likes=300,
                            replies=20, reposts=10) for i in range(10))
        return score_account(replace(snapshot, posts=snapshot.posts + strong), NOW,
                             WINDOW).score
    return measure(row.honest)


@pytest.mark.parametrize("name", list(HONEST))
def test_reference_profiles_score_in_their_published_range(name: str) -> None:
    reference, _, low, high = HONEST[name]
    scored = measure(reference)
    assert low <= scored <= high, f"{name} scored {scored:.1f}, expected {low}-{high}"


def test_the_very_top_shows_99() -> None:
    reference = HONEST["top of the world"][0]
    assert combine([score_account(reference.snapshot(), NOW, WINDOW)]).score == 99


def test_reference_profiles_rank_as_people_would_expect() -> None:
    order = ["casual", "small engaged audience", "active professional",
             "well-known public figure", "top of the world"]
    scores = [measure(HONEST[name][0]) for name in order]
    assert scores == sorted(scores)
    automated = measure(HONEST["automated poster"][0])
    assert automated < measure(CASUAL)


def test_automation_with_many_followers_stays_well_below_an_active_professional() -> None:
    assert measure(PRO) - measure(HONEST["automated poster"][0]) >= 30


@pytest.mark.parametrize("row", ADVERSARIES, ids=[row.name for row in ADVERSARIES])
def test_no_adversary_outranks_the_honest_profile_it_imitates(row: Adversary) -> None:
    adversary, honest = _adversary_score(row), _honest_score(row)
    assert adversary <= honest + row.margin, (
        f"{row.name}: {adversary:.1f} against {honest:.1f} for {row.imitates}")


def test_silent_and_dormant_accounts_sit_at_the_floor() -> None:
    for row in ADVERSARIES:
        if row.name.startswith("dormant"):
            assert _adversary_score(row) == 1.0


def test_bought_followers_and_boosts_change_nothing() -> None:
    for row in ADVERSARIES:
        if row.name in ("bought followers", "follow-for-follow", "boosts hiding own posts"):
            assert _adversary_score(row) == pytest.approx(measure(CASUAL))


def test_pods_and_sock_puppets_stay_below_the_real_audience_they_imitate() -> None:
    for name in ("pod", "sock-puppet replies"):
        row = next(row for row in ADVERSARIES if row.name == name)
        assert _adversary_score(row) < _honest_score(row) - 3


def test_docs_show_the_measured_tables() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert honest_table() in text
    assert adversary_table() in text


def _table_rows(text: str, header: str) -> list[list[str]]:
    """The cells of the Markdown table whose header line starts with `header`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _german(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def test_the_german_docs_show_the_same_measured_scores() -> None:
    text = DOCS_DE.read_text(encoding="utf-8")
    honest = _table_rows(text, "| Profil |")
    assert [row[2] for row in honest] == [_german(measure(reference))
                                          for reference, *_ in HONEST.values()]
    assert [row[3] for row in honest] == [f"{low:g}–{high:g}".replace(".", ",")
                                          for _, _, low, high in HONEST.values()]
    adversaries = _table_rows(text, "| Gegner |")
    assert [(row[2], row[4]) for row in adversaries] == [
        (_german(_adversary_score(row)), _german(_honest_score(row))) for row in ADVERSARIES]


def test_each_point_costs_more_influence_than_the_last() -> None:
    """The raw influence quantity (10 ** z) needed per point grows all the way up."""
    needed = [10 ** _z_for(points) for points in range(2, 100)]
    steps = [b - a for a, b in pairwise(needed)]
    assert all(later > earlier for earlier, later in pairwise(steps))


def test_fifty_is_hard_and_ninety_nine_is_for_the_very_top() -> None:
    """Ten times the influence of a 50 (z + 1) is not yet 90; 99 needs about 1,000 times."""
    z_fifty = _z_for(50)
    assert curve(z_fifty + 1) < 90
    assert _z_for(99) - z_fifty > 3


def _z_for(points: float) -> float:
    low, high = 0.0, 40.0
    for _ in range(200):
        middle = (low + high) / 2
        if curve(middle) < points:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def honest_table() -> str:
    lines = [f"| profile | what it is | score (v{SCORE_VERSION}) | range |", "|---|---|---|---|"]
    for name, (reference, what, low, high) in HONEST.items():
        lines.append(f"| {name} | {what} | {measure(reference):.1f} | {low:g}–{high:g} |")
    return "\n".join(lines)


def adversary_table() -> str:
    lines = ["| adversary | what it does | score | honest profile it imitates | score |",
             "|---|---|---|---|---|"]
    for row in ADVERSARIES:
        lines.append(f"| {row.name} | {row.how} | {_adversary_score(row):.1f} | "
                     f"{row.imitates} | {_honest_score(row):.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(honest_table())
    print()
    print(adversary_table())
