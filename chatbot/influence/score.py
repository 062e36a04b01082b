"""The Kloutbot influence score: one account's public activity -> 1..100.

The formula is published in docs/score.md; keep the two in step and bump
SCORE_VERSION whenever a change moves scores, so stored history says which
formula produced each number.

Why it is built this way, in short (the docs have the full story):

* Influence is people *reacting*, not people who could have seen a post. So
  followers only count in full as far as reactions show the audience is
  listening, and most of the score comes from weighted reactions.
* Reactions are counted per post as well as in total, so the same reactions
  from fewer posts score higher and a scheduler that doubles the posting rate
  earns nothing.
* Every quantity goes through a logarithm, and the sum of logs through a
  fixed S-shaped curve, so each point costs more raw influence than the last
  and a score means the same in every team.
* The score is a sum of named parts in score points, so `explain` can show
  exactly where each point came from.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chatbot.influence.networks.base import AccountSnapshot

SCORE_VERSION = "1.0"
WINDOW_DAYS_DEFAULT = 90

# Reaction weights in "like-equivalents". A reply is a conversation and a
# repost or quote puts the post in front of a new audience; a like costs one
# tap. A quote is a repost that adds words, so it weighs a little more.
LIKE_WEIGHT = 1.0
REPLY_WEIGHT = 3.0
REPOST_WEIGHT = 3.0
QUOTE_WEIGHT = 4.0

# A reply to someone else is addressed to one person and naturally draws
# fewer reactions than a post to everybody; counting it as a full post would
# punish taking part in conversations.
REPLY_POST_WEIGHT = 0.5

# Followers count in full only up to this many per weighted reaction drawn in
# the window; the audience never counts for less than the square root of the
# follower count, so a silent audience still counts a little. The calibration
# profiles that post for real have 1-6 followers per weighted reaction;
# automated accounts sit far above it.
AUDIENCE_PER_REACTION = 20.0

# The influence quantity z is a weighted sum of log10 terms. The three main
# weights add up to 1, so z is the log10 of a weighted geometric mean of
# (audience, reactions per post, reactions in total); steady weekly
# reactions add up to CONSISTENCY_WEIGHT on top.
AUDIENCE_WEIGHT = 0.30
PER_POST_WEIGHT = 0.30
TOTAL_WEIGHT = 0.40
CONSISTENCY_WEIGHT = 0.30

# The absolute curve: a logistic in z, rescaled so z = 0 gives exactly 1.
# Calibrated on the reference profiles in docs/score.md: an active
# professional (z ~ 3) sits near 50.
CURVE_MIDPOINT = 3.1
CURVE_SCALE = 0.95

# Network-wide lifetime counters (GitHub stars and forks, YouTube views) are
# reactions to work that stays visible for years, unlike a post. They count
# as if a quarter of them (about a year's worth spread over four windows) had
# been earned in the window; GitHub's repositories count as posts likewise.
LIFETIME_SHARE = 0.25
LIFETIME_POSTS_COUNTER = "public_repos"
LIFETIME_COUNTERS: Mapping[str, tuple[str, float]] = {
    # counter: (component it feeds, like-equivalents per unit)
    "stars": ("engagement", 1.0),
    "forks": ("amplification", REPOST_WEIGHT),
    # Watching is reach, not reaction: a hundred views weigh like one like.
    "views": ("engagement", 0.01),
}

# combine(): the second-best network closes this share of the remaining gap
# to 100 (scaled by its own score); every further network half as much.
SECOND_NETWORK_SHARE = 0.35

# smooth(): half-life of the daily exponential smoothing.
SMOOTHING_HALF_LIFE_DAYS = 4.0

SCORE_MIN = 1.0
SCORE_MAX = 100.0
COMPONENTS = ("audience", "engagement", "amplification", "consistency")
# The parts a change is attributed to. Engagement and amplification share one
# logarithm of weighted reactions, so a change is attributed to reactions as
# a whole: splitting it would credit amplification with a fall whenever
# replies rise faster than reposts.
CHANGE_PARTS = ("audience", "reactions", "consistency")

_LN2 = math.log(2.0)
_SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class NetworkScore:
    """One account's score on one network and everything that made it.

    `score` = SCORE_MIN + sum(components): the components are the score
    points each part earned above the floor of 1.
    """

    network: str
    score: float
    components: Mapping[str, float]
    metrics: Mapping[str, float]


@dataclass(frozen=True)
class ScoreResult:
    """A member's overall score across networks.

    An empty `networks` means there is no data at all: callers show "no score
    yet" instead of a 1, which would read as a verdict.
    """

    score: int
    raw: float
    networks: Mapping[str, NetworkScore]
    version: str


def score_account(
    snapshot: AccountSnapshot, now: datetime, window_days: int = WINDOW_DAYS_DEFAULT
) -> NetworkScore:
    """Score one account from its profile and the posts of the last window."""
    if window_days <= 0:
        raise ValueError("window_days must be positive")
    profile = snapshot.profile
    now_ts = _timestamp(now)
    window_seconds = window_days * _SECONDS_PER_DAY
    # Half-life tied to the window: a reaction at the far edge of the window
    # always weighs a quarter of one from today, whatever the window length.
    decay_per_second = _LN2 / (window_seconds / 2.0)
    weeks = max(1, math.ceil(window_days / 7))
    week_seconds = 7 * _SECONDS_PER_DAY

    replies = reposts = quotes = likes = 0
    posts_in_window = replies_written = reposts_of_others = 0
    post_units = 0.0
    weighted_conversation = weighted_amplification = 0.0
    active_weeks: set[int] = set()

    for post in snapshot.posts:
        created = post.created_at
        ts = created.timestamp() if created.tzinfo is not None else _timestamp(created)
        age = now_ts - ts
        if age > window_seconds:
            continue
        if post.is_repost:
            # Someone else's content: never credited, whatever its counts say.
            reposts_of_others += 1
            continue
        if age < 0:
            age = 0.0  # clock skew between the network and us
        posts_in_window += 1
        if post.is_reply:
            replies_written += 1
            post_units += REPLY_POST_WEIGHT
        else:
            post_units += 1.0
        r, s, q, lk = post.replies, post.reposts, post.quotes, post.likes
        if r or s or q or lk:
            replies += r
            reposts += s
            quotes += q
            likes += lk
            recency = math.exp(-age * decay_per_second)
            weighted_conversation += recency * (REPLY_WEIGHT * r + LIKE_WEIGHT * lk)
            weighted_amplification += recency * (REPOST_WEIGHT * s + QUOTE_WEIGHT * q)
            active_weeks.add(min(weeks - 1, int(age // week_seconds)))

    lifetime_conversation = lifetime_amplification = 0.0
    for counter, (component, weight) in LIFETIME_COUNTERS.items():
        amount = max(0, profile.extra.get(counter, 0)) * weight * LIFETIME_SHARE
        if component == "amplification":
            lifetime_amplification += amount
        else:
            lifetime_conversation += amount

    all_conversation = weighted_conversation + lifetime_conversation
    all_amplification = weighted_amplification + lifetime_amplification
    total_reactions = all_conversation + all_amplification
    lifetime_posts = max(0, profile.extra.get(LIFETIME_POSTS_COUNTER, 0)) * LIFETIME_SHARE
    per_post = total_reactions / max(post_units + lifetime_posts, 1.0)

    followers = max(0, profile.followers)
    audience_cap = AUDIENCE_PER_REACTION * (1.0 + total_reactions)
    audience = max(min(float(followers), audience_cap), math.sqrt(followers))

    consistency = _consistency(active_weeks, weeks, week_seconds, decay_per_second)

    z_audience = AUDIENCE_WEIGHT * math.log10(1.0 + audience)
    z_reactions = PER_POST_WEIGHT * math.log10(1.0 + per_post) + TOTAL_WEIGHT * math.log10(
        1.0 + total_reactions
    )
    z_consistency = CONSISTENCY_WEIGHT * consistency
    z = z_audience + z_reactions + z_consistency
    score = _curve(z)

    above_floor = score - SCORE_MIN
    amplification_share = all_amplification / total_reactions if total_reactions > 0 else 0.0
    if z > 0:
        reaction_points = above_floor * z_reactions / z
        components = {
            "audience": above_floor * z_audience / z,
            "engagement": reaction_points * (1.0 - amplification_share),
            "amplification": reaction_points * amplification_share,
            "consistency": above_floor * z_consistency / z,
        }
    else:
        components = dict.fromkeys(COMPONENTS, 0.0)

    metrics: dict[str, float] = {
        "followers": float(followers),
        "following": float(max(0, profile.following)),
        "posts": float(max(0, profile.posts_count)),
        "posts_in_window": float(posts_in_window),
        "replies_written": float(replies_written),
        "reposts_of_others": float(reposts_of_others),
        "replies": float(replies),
        "reposts": float(reposts),
        "quotes": float(quotes),
        "likes": float(likes),
        "reactions_per_post": (replies + reposts + quotes + likes) / posts_in_window
        if posts_in_window
        else 0.0,
        "engagement_per_post": per_post,
        "weighted_reactions": total_reactions,
        "audience_credited": audience,
        "active_weeks": float(len(active_weeks)),
        "weeks": float(weeks),
        "consistency": consistency,
        # The influence quantity and its parts (log10 units), so a change
        # between two results can be attributed to the parts that moved.
        "influence": z,
        "influence_audience": z_audience,
        "influence_reactions": z_reactions,
        "influence_consistency": z_consistency,
        "window_days": float(window_days),
    }
    for counter in (*LIFETIME_COUNTERS, LIFETIME_POSTS_COUNTER):
        if counter in profile.extra:
            metrics[counter] = float(max(0, profile.extra[counter]))

    return NetworkScore(
        network=profile.network, score=score, components=components, metrics=metrics
    )


def combine(scores: Sequence[NetworkScore]) -> ScoreResult:
    """Join per-network scores into the member's overall score.

    The best network counts in full; each further network closes part of the
    remaining gap to 100, in proportion to its own score and with a halving
    weight. So adding a network can only raise the overall score, and with two
    or more networks no single one makes up all of it. With no data the
    result is a 1 with no networks, which callers show as "no score yet".
    One account per network counts: if a network appears twice, the better
    account is kept.
    """
    best: dict[str, NetworkScore] = {}
    for item in scores:
        kept = best.get(item.network)
        if kept is None or item.score > kept.score:
            best[item.network] = item
    ordered = sorted(best.values(), key=lambda item: (-item.score, item.network))
    contributions = _contributions([item.score for item in ordered])
    raw = _clamp(SCORE_MIN + sum(contributions)) if ordered else SCORE_MIN
    return ScoreResult(
        score=int(_clamp(round(raw))),
        raw=raw,
        networks={item.network: item for item in ordered},
        version=SCORE_VERSION,
    )


def network_contributions(result: ScoreResult) -> dict[str, float]:
    """Points each network adds to the overall score above the floor of 1.

    They add up to `result.raw - 1`; explain uses them to say how much of the
    overall score each network carries.
    """
    ordered = sorted(result.networks.values(), key=lambda item: (-item.score, item.network))
    points = _contributions([item.score for item in ordered])
    return {item.network: share for item, share in zip(ordered, points, strict=True)}


def attribute_change(before: NetworkScore, after: NetworkScore) -> dict[str, float]:
    """Split one network's score change over CHANGE_PARTS (audience, reactions, consistency).

    Each part's share is its change in influence (log10 units) times the
    curve's average slope between the two scores, so the parts add up to the
    change and a part that did not move gets no points. Comparing component
    points directly would not do: a rise in reactions also rescales every
    other part's share of the total.
    """
    keys = [f"influence_{name}" for name in CHANGE_PARTS]
    if not all(key in before.metrics and key in after.metrics for key in keys):
        # Stored by a formula that kept no influence parts: compare points.
        def points(item: NetworkScore, name: str) -> float:
            if name == "reactions":
                return sum(item.components.get(key, 0.0)
                           for key in ("engagement", "amplification"))
            return item.components.get(name, 0.0)

        return {name: points(after, name) - points(before, name) for name in CHANGE_PARTS}
    moved = {
        name: after.metrics[key] - before.metrics[key]
        for name, key in zip(CHANGE_PARTS, keys, strict=True)
    }
    total = sum(moved.values())
    if abs(total) > 1e-9:
        slope = (after.score - before.score) / total
    else:
        z = sum(after.metrics[key] for key in keys)
        step = 1e-4
        slope = (_curve(z + step) - _curve(max(0.0, z - step))) / (2 * step)
    return {name: slope * change for name, change in moved.items()}


def smooth(previous: float | None, current: float, days_elapsed: float) -> float:
    """Move the shown score towards today's computed one, a little each day.

    A few quiet days or one failed refresh should not crash a score, while a
    lasting change must show within about two weeks: exponential smoothing
    with a half-life of SMOOTHING_HALF_LIFE_DAYS does both.
    """
    if previous is None:
        return _clamp(current)
    if days_elapsed <= 0:
        return _clamp(previous)
    kept = 0.5 ** (days_elapsed / SMOOTHING_HALF_LIFE_DAYS)
    return _clamp(previous * kept + current * (1.0 - kept))


def result_to_json(result: ScoreResult) -> dict[str, Any]:
    """A plain-JSON form of a result, stored with every score row."""
    return {
        "version": result.version,
        "score": result.score,
        "raw": result.raw,
        "networks": {
            name: {
                "network": item.network,
                "score": item.score,
                "components": dict(item.components),
                "metrics": dict(item.metrics),
            }
            for name, item in result.networks.items()
        },
    }


def result_from_json(data: Mapping[str, Any]) -> ScoreResult:
    """Rebuild a stored result; raises ValueError on anything malformed."""
    try:
        networks = {
            str(name): NetworkScore(
                network=str(item["network"]),
                score=float(item["score"]),
                components={str(k): float(v) for k, v in item["components"].items()},
                metrics={str(k): float(v) for k, v in item["metrics"].items()},
            )
            for name, item in data["networks"].items()
        }
        return ScoreResult(
            score=int(data["score"]),
            raw=float(data["raw"]),
            networks=networks,
            version=str(data["version"]),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise ValueError(f"not a stored score result: {error!r}") from error


def curve(z: float) -> float:
    """The absolute curve from the influence quantity z (log10 units) to 1..100.

    Public so the docs' calibration table and tests can read points off it.
    """
    return _curve(z)


def _curve(z: float) -> float:
    if z <= 0:
        return SCORE_MIN
    floor = _sigmoid(-CURVE_MIDPOINT / CURVE_SCALE)
    level = (_sigmoid((z - CURVE_MIDPOINT) / CURVE_SCALE) - floor) / (1.0 - floor)
    return _clamp(SCORE_MIN + (SCORE_MAX - SCORE_MIN) * level)


def _sigmoid(u: float) -> float:
    if u >= 0:
        return 1.0 / (1.0 + math.exp(-u))
    e = math.exp(u)
    return e / (1.0 + e)


def _consistency(
    active_weeks: set[int], weeks: int, week_seconds: float, decay_per_second: float
) -> float:
    """Recency-weighted share of the window's weeks in which posts drew reactions.

    Counting weeks *with reactions* rather than weeks with posts means that
    posting into silence never raises it.
    """
    if not active_weeks:
        return 0.0
    weights = [math.exp(-(i + 0.5) * week_seconds * decay_per_second) for i in range(weeks)]
    return sum(weights[i] for i in active_weeks) / sum(weights)


def _contributions(ordered_scores: Sequence[float]) -> list[float]:
    """Points above 1 that each network adds, best first (see combine)."""
    points: list[float] = []
    total = SCORE_MIN
    for rank, score in enumerate(ordered_scores):
        if rank == 0:
            gained = score - SCORE_MIN
        else:
            share = SECOND_NETWORK_SHARE * 0.5 ** (rank - 1)
            level = (score - SCORE_MIN) / (SCORE_MAX - SCORE_MIN)
            gained = (SCORE_MAX - total) * share * level
        points.append(gained)
        total += gained
    return points


def _timestamp(moment: datetime) -> float:
    """Seconds since the epoch; a naive datetime is taken as UTC, never local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _clamp(value: float) -> float:
    return min(SCORE_MAX, max(SCORE_MIN, value))
