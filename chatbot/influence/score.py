"""The Kloutbot influence score: one account's public activity -> 1..100.

The formula is published in docs/score.md; keep the two in step and bump
SCORE_VERSION whenever a change moves scores, so stored history says which
formula produced each number.

Why it is built this way, in short (the docs have the full story):

* Only what happened inside the window earns points. Each post's weight fades
  smoothly to zero at the window's edge, so a score never falls off a cliff
  when an old post leaves the window.
* Influence is people *reacting*. Followers and lifetime counters (stars,
  views) count only as far as reactions per post show the audience listens.
* Each post is valued on a log scale and the per-post measure is the
  recency-weighted mean of those logs: an old outlier cannot make good new
  work look bad, and a run of silent posts only lowers it.
* Cheap reactions saturate first: likes flatten out sooner than replies,
  reposts and quotes, and people who react to everything (pods, sock
  puppets, the member's own other accounts) count less or not at all.
* The score is a sum of named parts in score points, so `explain` can show
  exactly where each point came from.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from chatbot.values.accounts import AccountSnapshot, Post, Profile

SCORE_VERSION = "2.1"
WINDOW_DAYS_DEFAULT = 90

# Reaction weights in "like-equivalents" at low counts. A reply is a
# conversation and a repost or quote puts the post in front of a new
# audience; a like costs one tap. A quote is a repost that adds words.
LIKE_WEIGHT = 1.0
REPLY_WEIGHT = 3.0
REPOST_WEIGHT = 3.0
QUOTE_WEIGHT = 4.0

# Per post and per kind, a count n is worth S * ((1 + n/S) ** p - 1) / p
# like-equivalents: n itself for the first few, then n ** p. Likes flatten
# out sooner (p = 0.5) than replies, reposts and quotes (p = 0.8), so
# 2,000 likes per post are worth less than 200 replies per post.
SATURATION_SCALE = 10.0
LIKE_POWER = 0.5
OTHER_POWER = 0.8

# A reply to someone else is addressed to one person and naturally draws
# fewer reactions than a post to everybody; counting it as a full post would
# punish taking part in conversations. A reply to oneself (a thread) is
# broadcast like a post and counts as one.
REPLY_POST_WEIGHT = 0.5

# The per-post measure counts at least this many (recency-weighted) posts,
# so a single lucky post is not a whole track record and a post fading at the
# window's edge takes its weight with it.
MIN_POSTS = 1.0
# Volume counts with diminishing returns: n recency-weighted posts count as
# VOLUME_SCALE * (1 - exp(-n / VOLUME_SCALE)); about 60 posts in 90 days
# (a post most days) earn most of what volume can earn.
VOLUME_SCALE = 30.0

# Followers and lifetime counters count as reach only up to
# (1 + reactions per post) ** AUDIENCE_PER_POST_POWER: a typical post
# drawing 4 weighted reactions confirms about 60 people, one drawing 50
# about 18,000, one drawing 1,000 about 30 million.
AUDIENCE_PER_POST_POWER = 2.5
# Lifetime counters as reach, in followers per unit. Watching or starring is
# reach, not a reaction in the window: it never earns points by itself.
LIFETIME_REACH: Mapping[str, float] = {"stars": 1.0, "forks": 1.0, "views": 0.01}

# The raw score is the mean of the next LOOKAHEAD_DAYS days' values if nothing
# new happened, so one day of ageing moves it by at most 99 / 50 < 2 points.
LOOKAHEAD_DAYS = 50
LOOKAHEAD_GRID_DAYS = 5.0

# Consistency: the recency-weighted share of the window covered by a week
# (this many days either side) around a post that drew reactions.
CONSISTENCY_HALF_WIDTH_DAYS = 3.5

# The influence quantity z, in log10 units.
AUDIENCE_WEIGHT = 0.30
PER_POST_WEIGHT = 0.35
TOTAL_WEIGHT = 0.35
CONSISTENCY_WEIGHT = 0.30

# The absolute curve: a logistic in z, rescaled so z = 0 gives exactly 1.
# Calibrated on the reference profiles in docs/score.md.
CURVE_MIDPOINT = 2.7
CURVE_SCALE = 0.7

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


def recency(age_days: float, window_days: float) -> float:
    """A post's weight: 1 when new, fading smoothly to 0 (with zero slope) at the edge.

    (1 - x^2)^2 with x = age / window: 0.56 at half the window, 0.04 at 80 of
    90 days, and no step anywhere.
    """
    if age_days >= window_days:
        return 0.0
    x = max(0.0, age_days) / window_days
    return (1.0 - x * x) ** 2


def reaction_value(replies: float, reposts: float, quotes: float, likes: float
                   ) -> tuple[float, float]:
    """(conversation, amplification) like-equivalents of one post's reactions."""
    conversation = (REPLY_WEIGHT * _saturate(replies, OTHER_POWER)
                    + LIKE_WEIGHT * _saturate(likes, LIKE_POWER))
    amplification = (REPOST_WEIGHT * _saturate(reposts, OTHER_POWER)
                     + QUOTE_WEIGHT * _saturate(quotes, OTHER_POWER))
    return conversation, amplification


def distinct_people_factor(posts: Iterable[Post], own_ids: Collection[str] = ()) -> float:
    """How much of the reactions come from distinct people, where reactors were sampled.

    A person who reacted to several of the sampled posts counts as if they had
    reacted to one: their reactions are divided by the number of posts they
    reacted to. A like and a repost of one post by one person both count. The
    factor is that credit over the raw count (1 when nobody came back, never
    above 1) and is applied to every post of the account: the sample stands
    for the rest.
    """
    reactions: Counter[str] = Counter()
    posts_of: Counter[str] = Counter()
    for post in posts:
        if post.reactors is None or post.is_repost:
            continue
        reacted: set[str] = set()
        for person, count in post.reactors:
            if person not in own_ids and count > 0:
                reactions[person] += count
                reacted.add(person)
        posts_of.update(reacted)
    total = sum(reactions.values())
    if total == 0:
        return 1.0
    return min(1.0, sum(count / posts_of[person] for person, count in reactions.items())
               / total)


@dataclass(frozen=True)
class _Valued:
    """One own post in the window, valued once; only its age changes with time."""

    age: float
    unit: float
    log_value: float
    conversation: float
    amplification: float
    reacted: bool


class _Instant(NamedTuple):
    """The influence quantity z and its parts for one moment."""

    z: float
    audience: float
    reactions: float
    consistency: float
    per_post: float
    weighted_posts: float
    weighted_conversation: float
    weighted_amplification: float
    audience_log: float
    consistency_share: float
    covered_days: float


_NOTHING = _Instant(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def score_account(
    snapshot: AccountSnapshot,
    now: datetime,
    window_days: int = WINDOW_DAYS_DEFAULT,
    own_ids: Collection[str] = (),
) -> NetworkScore:
    """Score one account from its profile and the posts of the last window.

    `own_ids` are the stable ids of the member's accounts (this one and the
    others they registered): reactions from them never count.
    """
    if window_days <= 0:
        raise ValueError("window_days must be positive")
    profile = snapshot.profile
    own = frozenset(own_ids) | {profile.account_id}
    now_ts = _timestamp(now)
    window = float(window_days)

    in_window: list[tuple[Post, float]] = []
    reposts_of_others = 0
    for post in snapshot.posts:
        created = post.created_at
        ts = created.timestamp() if created.tzinfo is not None else _timestamp(created)
        age = max(0.0, (now_ts - ts) / _SECONDS_PER_DAY)  # clock skew: a future post is new
        if age >= window:
            continue
        if post.is_repost:
            # Someone else's content: never credited, whatever its counts say.
            reposts_of_others += 1
            continue
        in_window.append((post, age))

    own_post_ids = {post.id for post, _ in in_window}
    self_replies: Counter[str] = Counter(
        post.parent_id for post, _ in in_window
        if post.reply_to_self and post.parent_id in own_post_ids
    )
    sampled = [(post, age) for post, age in in_window if post.reactors is not None]
    people = distinct_people_factor((post for post, _ in sampled), own)

    replies = reposts = quotes = likes = own_reactions = 0.0
    replies_written = threads = 0
    unvalued: list[tuple[float, float, float, float]] = []
    """(age, unit, conversation, amplification) of each post before the people factor."""
    for post, age in in_window:
        counts = (max(0, post.replies - self_replies[post.id]), max(0, post.reposts),
                  max(0, post.quotes), max(0, post.likes))
        dropped = min(sum(counts), _own_reactions(post, own))
        own_reactions += dropped
        r_, s_, q_, lk_ = _without_own(counts, dropped) if dropped else counts
        replies += r_
        reposts += s_
        quotes += q_
        likes += lk_
        conversation, amplification = reaction_value(r_, s_, q_, lk_)
        if post.reply_to_self:
            threads += 1
            unit = 1.0
        elif post.is_reply:
            replies_written += 1
            unit = REPLY_POST_WEIGHT
        else:
            unit = 1.0
        unvalued.append((age, unit, conversation, amplification))

    def valued_with(factor: float) -> list[_Valued]:
        return [_Valued(age, unit, math.log10(1.0 + factor * (c + a) / unit), factor * c,
                        factor * a, c + a > 0)
                for age, unit, c, a in unvalued]

    valued = valued_with(people)

    followers = max(0, profile.followers)
    reach = float(followers) + sum(
        max(0, profile.extra.get(counter, 0)) * weight
        for counter, weight in LIFETIME_REACH.items()
    )
    reach_log = math.log10(1.0 + reach)

    # The raw score is the mean of the next LOOKAHEAD_DAYS days' values if
    # nothing new happened: a day of ageing then moves it by at most
    # (100 - 1) / LOOKAHEAD_DAYS points, whatever the posts. A day's value is
    # interpolated between points of a grid fixed in calendar time (every
    # LOOKAHEAD_GRID_DAYS days since the epoch), so it is the same whichever
    # day computes it, which is all the bound needs, at a fifth of the cost.
    days = max(1, min(LOOKAHEAD_DAYS, window_days))
    sums = _Sums(valued, window)
    # The people factor of a later day is that day's own: a sampled post that will have
    # left the window by then no longer says who keeps coming back. Computed once for
    # today, it would jump on the day that post leaves, a cliff the look-ahead can't smooth.
    sums_by_factor = {people: sums}

    def sums_at(later: float) -> _Sums:
        factor = distinct_people_factor(
            (post for post, age in sampled if age + later < window), own)
        found = sums_by_factor.get(factor)
        if found is None:
            found = sums_by_factor[factor] = _Sums(valued_with(factor), window)
        return found

    now_days = now_ts / _SECONDS_PER_DAY
    grid: dict[int, tuple[float, ...]] = {}

    def at(step: int) -> tuple[float, ...]:
        """(points, audience, reaction and consistency points, z parts) at grid point `step`."""
        found = grid.get(step)
        if found is None:
            later = step * LOOKAHEAD_GRID_DAYS - now_days
            if not valued or later >= window - sums.ages[0]:
                found = (SCORE_MIN, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
            else:
                item = _instant(sums_at(later) if sampled else sums, reach_log, later)
                points = _curve(item.z)
                share = (points - SCORE_MIN) / item.z if item.z > 0 else 0.0
                found = (points, share * item.audience, share * item.reactions,
                         share * item.consistency, item.audience, item.reactions,
                         item.consistency)
            grid[step] = found
        return found

    def weights(first: int, count: int) -> dict[int, float]:
        """How much of each grid point the days first..first+count-1 take, interpolated."""
        taken: dict[int, float] = {}
        for day in range(first, first + count):
            position = (now_days + day) / LOOKAHEAD_GRID_DAYS
            step = math.floor(position)
            frac = position - step
            taken[step] = taken.get(step, 0.0) + 1.0 - frac
            taken[step + 1] = taken.get(step + 1, 0.0) + frac
        return taken

    def mean(taken: Mapping[int, float], count: int) -> list[float]:
        totals = [0.0] * 7
        for step, share in taken.items():
            for index, value in enumerate(at(step)):
                totals[index] += share * value
        return [total / count for total in totals]

    (mean_points, audience_points, reaction_points, consistency_points,
     z_audience, z_reactions, z_consistency) = mean(weights(0, days), days)
    score = _clamp(mean_points)
    now_instant = _instant(sums, reach_log, 0.0) if valued else _NOTHING

    conversation_sum = now_instant.weighted_conversation
    amplification_sum = now_instant.weighted_amplification
    weighted = conversation_sum + amplification_sum
    amplification_share = amplification_sum / weighted if weighted > 0 else 0.0
    components = {
        "audience": audience_points,
        "engagement": reaction_points * (1.0 - amplification_share),
        "amplification": reaction_points * amplification_share,
        "consistency": consistency_points,
    }

    posts_in_window = len(in_window)
    metrics: dict[str, float] = {
        "followers": float(followers),
        "following": float(max(0, profile.following)),
        "posts": float(max(0, profile.posts_count)),
        "posts_in_window": float(posts_in_window),
        "replies_written": float(replies_written),
        "self_replies": float(threads),
        "reposts_of_others": float(reposts_of_others),
        "replies": replies,
        "reposts": reposts,
        "quotes": quotes,
        "likes": likes,
        "own_reactions_dropped": own_reactions,
        "distinct_people_factor": people,
        "reactions_per_post": (replies + reposts + quotes + likes) / posts_in_window
        if posts_in_window
        else 0.0,
        "engagement_per_post": now_instant.per_post,
        "weighted_posts": now_instant.weighted_posts,
        "weighted_reactions": weighted,
        "reach": reach,
        "audience_credited": 10.0 ** now_instant.audience_log - 1.0,
        "active_weeks": now_instant.covered_days / 7.0,
        "weeks": window / 7.0,
        "consistency": now_instant.consistency_share,
        "score_today": mean(weights(0, 1), 1)[0],
        # The influence quantity and its parts (log10 units, averaged over the
        # look-ahead like the score), so a change between two results can be
        # attributed to the parts that moved.
        "influence": (z_audience + z_reactions + z_consistency),
        "influence_audience": z_audience,
        "influence_reactions": z_reactions,
        "influence_consistency": z_consistency,
        "window_days": window,
    }
    for counter in (*LIFETIME_REACH, "public_repos", "subscribers"):
        if counter in profile.extra:
            metrics[counter] = float(max(0, profile.extra[counter]))

    return NetworkScore(
        network=profile.network, score=score, components=components, metrics=metrics
    )


class _Sums:
    """Recency-weighted sums over the posts, for any moment in the next days.

    recency(a + t) is a polynomial in t for every post still in the window,
    so with the posts sorted by age, prefix sums of c * a^k (k = 0..4) give
    any weighted sum in constant time: the look-ahead costs a few operations
    per day, not a pass over the posts.
    """

    def __init__(self, valued: Sequence[_Valued], window: float) -> None:
        ordered = sorted(valued, key=lambda post: post.age)
        self.window = window
        self.ages = [post.age for post in ordered]
        # prefix[i] = sums over the i youngest posts of c * a^k (k = 0..4), column by column.
        self.prefix: list[tuple[float, ...]] = [(0.0,) * 20]
        for post in ordered:
            a1 = post.age
            a2 = a1 * a1
            a3, a4 = a2 * a1, a2 * a2
            last = self.prefix[-1]
            row: list[float] = []
            for offset, value in enumerate((post.unit, post.unit * post.log_value,
                                            post.conversation, post.amplification)):
                base = 5 * offset
                row += (last[base] + value, last[base + 1] + value * a1,
                        last[base + 2] + value * a2, last[base + 3] + value * a3,
                        last[base + 4] + value * a4)
            self.prefix.append(tuple(row))
        half = CONSISTENCY_HALF_WIDTH_DAYS
        self.spans: list[tuple[float, float]] = []
        for post in ordered:
            if not post.reacted:
                continue
            start, end = post.age - half, post.age + half
            if self.spans and start <= self.spans[-1][1]:
                self.spans[-1] = (self.spans[-1][0], max(self.spans[-1][1], end))
            else:
                self.spans.append((start, end))

    def weighted(self, later: float) -> tuple[float, float, float, float]:
        """Sums of recency(age + later) * column over the posts still in the window."""
        window = self.window
        p = self.prefix[bisect_left(self.ages, window - later)]
        t, t2 = later, later * later
        w2, w4 = window * window, window**4
        c0 = 1.0 - 2.0 * t2 / w2 + t2 * t2 / w4
        c1 = -4.0 * t / w2 + 4.0 * t * t2 / w4
        c2 = -2.0 / w2 + 6.0 * t2 / w4
        c3 = 4.0 * t / w4
        c4 = 1.0 / w4
        return (
            max(0.0, c0 * p[0] + c1 * p[1] + c2 * p[2] + c3 * p[3] + c4 * p[4]),
            max(0.0, c0 * p[5] + c1 * p[6] + c2 * p[7] + c3 * p[8] + c4 * p[9]),
            max(0.0, c0 * p[10] + c1 * p[11] + c2 * p[12] + c3 * p[13] + c4 * p[14]),
            max(0.0, c0 * p[15] + c1 * p[16] + c2 * p[17] + c3 * p[18] + c4 * p[19]),
        )

    def covered(self, later: float) -> list[tuple[float, float]]:
        """Ages within half a week of a post that drew reactions, clipped to the window."""
        found = []
        for start, end in self.spans:
            low, high = max(0.0, start + later), min(self.window, end + later)
            if high > low:
                found.append((low, high))
        return found


def _instant(sums: _Sums, reach_log: float, later: float) -> _Instant:
    """z and its parts `later` days from now, if nothing new happened."""
    window = sums.window
    weight_sum, log_sum, conversation, amplification = sums.weighted(later)
    counted_posts = max(MIN_POSTS, weight_sum)
    quality = log_sum / counted_posts if counted_posts > 0 else 0.0
    per_post = 10.0 ** quality - 1.0
    volume = VOLUME_SCALE * (1.0 - math.exp(-counted_posts / VOLUME_SCALE))
    audience_log = min(reach_log, AUDIENCE_PER_POST_POWER * quality)
    covered = sums.covered(later)
    consistency = 0.0
    covered_days = 0.0
    for low, high in covered:
        consistency += _weight_integral(low, high, window)
        covered_days += high - low
    consistency = min(1.0, consistency / (8.0 * window / 15.0))
    audience = AUDIENCE_WEIGHT * audience_log
    reactions = PER_POST_WEIGHT * quality + TOTAL_WEIGHT * math.log10(1.0 + per_post * volume)
    consistency_part = CONSISTENCY_WEIGHT * consistency
    return _Instant(
        z=audience + reactions + consistency_part,
        audience=audience,
        reactions=reactions,
        consistency=consistency_part,
        per_post=per_post,
        weighted_posts=weight_sum,
        weighted_conversation=conversation,
        weighted_amplification=amplification,
        audience_log=audience_log,
        consistency_share=consistency,
        covered_days=covered_days,
    )


def _saturate(count: float, power: float) -> float:
    if count <= 0:
        return 0.0
    scale = SATURATION_SCALE
    return scale * ((1.0 + count / scale) ** power - 1.0) / power


def _own_reactions(post: Post, own: Collection[str]) -> int:
    if post.reactors is None:
        return 0
    return sum(max(0, count) for person, count in post.reactors if person in own)


def _without_own(counts: tuple[int, int, int, int], dropped: int
                 ) -> tuple[float, float, float, float]:
    """(replies, reposts, quotes, likes) less the member's own reactions.

    The sample says who reacted, not how, so the own reactions are taken from
    the kinds where they cost the post most: whatever kind they really were,
    they can never leave the post worth more than it was without them. Each
    kind's worth is concave, so the costliest removal empties whole kinds and
    takes the rest from one: trying each such split finds it.
    """
    best: tuple[float, tuple[int, int, int, int]] | None = None
    for emptied in range(16):
        for partial in range(4):
            taken = [counts[i] if emptied >> i & 1 and i != partial else 0 for i in range(4)]
            rest = dropped - sum(taken)
            if rest < 0 or rest > counts[partial]:
                continue
            taken[partial] = rest
            left = (counts[0] - taken[0], counts[1] - taken[1], counts[2] - taken[2],
                    counts[3] - taken[3])
            worth = sum(reaction_value(left[0], left[1], left[2], left[3]))
            if best is None or worth < best[0]:
                best = (worth, left)
    if best is None:  # more own reactions than reactions: nothing is left
        return 0.0, 0.0, 0.0, 0.0
    left = best[1]
    return float(left[0]), float(left[1]), float(left[2]), float(left[3])


def _weight_integral(start: float, end: float, window: float) -> float:
    """Integral of recency() over ages [start, end] days (0 <= start <= end <= window)."""
    x, y = start / window, end / window
    return window * ((y - x) - 2.0 * (y**3 - x**3) / 3.0 + (y**5 - x**5) / 5.0)


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


def rescore_result(
    stored: ScoreResult,
    posts_by_network: Mapping[str, Sequence[Post]],
    at: datetime,
    own_ids: Collection[str] = (),
) -> ScoreResult:
    """A stored result recomputed with this formula version, as of `at`.

    The profile counters come from the stored metrics (followers, following,
    lifetime counters) and the posts from storage, keeping those published by
    `at`. Posts are pruned once they leave the window, so one scored a few
    days before the window's edge may be missing; its weight there is close
    to zero. Counts are today's, which a week on are a little higher.
    """
    accounts = []
    for network, item in stored.networks.items():
        metrics = item.metrics
        window = int(metrics.get("window_days", WINDOW_DAYS_DEFAULT)) or WINDOW_DAYS_DEFAULT
        extra = {key: int(metrics[key]) for key in (*LIFETIME_REACH, "public_repos",
                                                     "subscribers") if key in metrics}
        profile = Profile(network=network, handle=network, account_id="",
                          followers=int(metrics.get("followers", 0)),
                          following=int(metrics.get("following", 0)),
                          posts_count=int(metrics.get("posts", 0)), extra=extra)
        posts = tuple(post for post in posts_by_network.get(network, ())
                      if _timestamp(post.created_at) <= _timestamp(at))
        accounts.append(score_account(AccountSnapshot(profile, posts, at), at, window, own_ids))
    return combine(accounts)


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
    level = (_sigmoid((z - CURVE_MIDPOINT) / CURVE_SCALE) - _CURVE_FLOOR) / (1.0 - _CURVE_FLOOR)
    return _clamp(SCORE_MIN + (SCORE_MAX - SCORE_MIN) * level)


def _sigmoid(u: float) -> float:
    if u >= 0:
        return 1.0 / (1.0 + math.exp(-u))
    e = math.exp(u)
    return e / (1.0 + e)


_CURVE_FLOOR = _sigmoid(-CURVE_MIDPOINT / CURVE_SCALE)


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
