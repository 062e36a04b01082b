"""Plain-English sentences about a score, shown to members by `/klout explain`.

A number on its own invites guessing and gaming; these sentences say what
drives a score, what moved it since last time and, from the member's own
posts, what tends to work for them. Every figure quoted comes from the stored
result or the posts, never from a rule of thumb dressed up as data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from chatbot.influence.networks.base import Post
from chatbot.influence.score import (
    COMPONENTS,
    SMOOTHING_HALF_LIFE_DAYS,
    NetworkScore,
    ScoreResult,
    attribute_change,
    network_contributions,
)

NOT_A_HIRING_METRIC = (
    "This score measures how people react to public posts. It is not a measure of "
    "anyone's worth or work, and it is not a hiring metric."
)

NETWORK_LABELS: Mapping[str, str] = {
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "github": "GitHub",
    "x": "X",
    "youtube": "YouTube",
}

# A comparison needs this many posts on each side before it becomes a tip:
# with fewer, one lucky post decides the average. As a second guard, the gap
# must survive dropping the best post of each side (see _compare).
MIN_POSTS_PER_GROUP = 8
# The same guard for week-by-week comparisons; a 90-day window has 13 weeks.
MIN_WEEKS_PER_GROUP = 4
# Smaller gaps are within what chance produces on samples this size.
MIN_RATIO = 1.5
# Averages below one reaction per post are too thin to advise on.
MIN_BETTER_MEAN = 1.0
MAX_TIPS = 4
# Changes smaller than this many points are noise, not news.
MIN_CHANGE_POINTS = 0.1
MAX_CHANGE_LINES = 6

GENERIC_TIP = (
    f"Not enough posts yet to compare what works for you (a tip needs at least "
    f"{MIN_POSTS_PER_GROUP} posts on each side of a comparison). In general, posts that ask "
    "a question or carry an image or video draw the most replies, and a reply counts three "
    "times as much as a like (and likes flatten out sooner)."
)
# The shown score closes this share of the gap to the computed one each day.
DAILY_SHARE = 1.0 - 0.5 ** (1.0 / SMOOTHING_HALF_LIFE_DAYS)
# A gap smaller than this between the shown and the computed score is "there".
AT_REST_POINTS = 0.5

def network_label(network: str) -> str:
    return NETWORK_LABELS.get(network, network.capitalize())


def explain_components(result: ScoreResult, shown: int | None = None) -> list[str]:
    """What drives the score: each network's share, then its components, ranked.

    `shown` is the number the card shows (the smoothed score); the sentences
    speak of it, and of `result` (today's computed score) as what it moves to.
    """
    if not result.networks:
        return [
            "No score yet: register an account with /klout register NETWORK HANDLE "
            "and the first score appears after its first refresh."
        ]
    shares = network_contributions(result)
    ranked = sorted(result.networks.values(), key=lambda item: (-item.score, item.network))
    lines = [_overall_line(result, ranked, shares, result.score if shown is None else shown)]
    for item in ranked:
        lines.append(_network_line(item))
    lines.extend(_levers(ranked))
    lines.append(NOT_A_HIRING_METRIC)
    return lines


def describe_standing(shown: float, computed: float) -> str:
    """Where the card's number stands against today's computed score, and where it heads."""
    card = round(shown)
    if abs(computed - shown) < AT_REST_POINTS:
        return (f"Your card shows {card}, which is where today's activity puts you "
                f"({computed:.1f}).")
    way = "rising" if computed > shown else "falling"
    return (
        f"Your card shows {card}; today's activity computes to {computed:.1f}, so the shown "
        f"score is {way} towards it, closing about {DAILY_SHARE:.0%} of the gap each day "
        "(smoothing keeps one quiet or failed day from swinging it)."
    )


def describe_changes(
    before: ScoreResult | None,
    after: ScoreResult,
    shown: tuple[int, int] | None = None,
) -> list[str]:
    """What changed since the previous result and why, biggest movers first.

    `shown` is the card's (smoothed) number then and now: the headline speaks
    of those, the reasons of the computed scores behind them.
    """
    if not after.networks:
        return ["No score yet, so nothing to compare."]
    if before is None or not before.networks:
        now_shown = after.score if shown is None else shown[1]
        return [f"This is your first score ({now_shown}); changes show from the next one on."]
    lines: list[str] = []
    if before.version != after.version:
        lines.append(
            f"The score formula changed from version {before.version} to {after.version}; "
            "part of this change comes from that."
        )
    lines.append(_headline(*(shown or (before.score, after.score))))

    several = len(after.networks) > 1 or len(before.networks) > 1
    after_shares = network_contributions(after)
    before_shares = network_contributions(before)
    for name in sorted(set(after.networks) - set(before.networks)):
        lines.append(
            f"{network_label(name)} now counts towards your score: "
            f"{_points(after_shares[name])} overall."
        )
    for name in sorted(set(before.networks) - set(after.networks)):
        lines.append(
            f"{network_label(name)} no longer counts towards your score "
            f"(it added {before_shares[name]:.1f} points)."
        )
    movers: list[tuple[float, str]] = []
    for name in sorted(set(before.networks) & set(after.networks)):
        old, new = before.networks[name], after.networks[name]
        for part, points in attribute_change(old, new).items():
            if abs(points) < MIN_CHANGE_POINTS:
                continue
            where = f" on your {network_label(name)} score" if several else ""
            reason = _reason(name, part, old, new, points)
            movers.append((abs(points), f"{reason}: {_points(points)}{where}."))
    movers.sort(key=lambda mover: -mover[0])
    if movers:
        movers[0] = (movers[0][0], "Moved most: " + movers[0][1])
    lines.extend(line for _, line in movers[:MAX_CHANGE_LINES])
    return lines


def tips(posts_by_network: Mapping[str, Sequence[Post]]) -> list[str]:
    """Advice drawn from the member's own posts, strongest evidence first."""
    found: list[_Tip] = []
    for network in sorted(posts_by_network):
        found.extend(_network_tips(network_label(network), posts_by_network[network]))
    if not found:
        return [GENERIC_TIP]
    found.sort(key=lambda tip: -tip.strength)
    return [tip.text for tip in found[:MAX_TIPS]]


# --- explain_components -------------------------------------------------------


def _overall_line(
    result: ScoreResult, ranked: Sequence[NetworkScore], shares: Mapping[str, float],
    shown: int,
) -> str:
    computed = "" if shown == result.score else f" (today's activity computes to {result.raw:.1f})"
    if len(ranked) == 1:
        return (
            f"Your score of {shown}{computed} comes from {network_label(ranked[0].network)} "
            "alone (everyone starts from 1)."
        )
    best, *others = ranked
    added = ", ".join(
        f"{network_label(item.network)} adds {shares[item.network]:.1f}" for item in others
    )
    return (
        f"Your score of {shown}{computed}: your best network, {network_label(best.network)}, "
        f"gives {shares[best.network]:.1f} points of today's computed score above the starting "
        f"1; {added} (each further network fills part of the gap to 100)."
    )


def _network_line(item: NetworkScore) -> str:
    parts = sorted(COMPONENTS, key=lambda name: -item.components.get(name, 0.0))
    total = sum(max(0.0, item.components.get(name, 0.0)) for name in COMPONENTS)
    described = []
    for name in parts:
        points = item.components.get(name, 0.0)
        share = f", {points / total:.0%}" if total > 0 else ""
        described.append(f"{name} {points:.1f} points ({_driver(name, item.metrics)}{share})")
    return f"{network_label(item.network)} {item.score:.1f}: " + "; ".join(described) + "."


def _driver(component: str, metrics: Mapping[str, float]) -> str:
    if component == "audience":
        followers = metrics.get("followers", 0.0)
        reach = metrics.get("reach", followers)
        credited = metrics.get("audience_credited", reach)
        lifetime = [f"{_count(metrics[key])} {key}" for key in ("stars", "forks", "views")
                    if metrics.get(key)]
        who = f"{_count(followers)} followers" + (
            " and " + ", ".join(lifetime) + " as reach" if lifetime else "")
        if _capped(credited, reach):
            return f"{_count(credited)} of {who} count"
        return who
    if component == "engagement":
        return f"{_number(metrics.get('engagement_per_post', 0.0))} weighted reactions per post"
    if component == "amplification":
        shared = metrics.get("reposts", 0.0) + metrics.get("quotes", 0.0)
        return f"{_count(shared)} reposts and quotes"
    active = metrics.get("active_weeks", 0.0)
    weeks = metrics.get("weeks", 0.0)
    return f"reactions in {_count(active)} of {_count(weeks)} weeks"


def _levers(ranked: Sequence[NetworkScore]) -> list[str]:
    """The one or two changes that would move the best network most."""
    best = ranked[0]
    label = network_label(best.network)
    metrics = best.metrics
    lines: list[str] = []
    followers = metrics.get("followers", 0.0)
    credited = metrics.get("audience_credited", followers)
    if _capped(credited, metrics.get("reach", followers)) and followers > credited:
        lines.append(
            f"Only {_count(credited)} of your {_count(followers)} {label} followers count, "
            "because followers (and stars or views) count only as far as reactions per post "
            "show they are listening: more replies and reposts lift both."
        )
    weeks = metrics.get("weeks", 0.0)
    active = metrics.get("active_weeks", 0.0)
    if weeks and active < weeks / 2:
        lines.append(
            f"On {label}, your posts drew reactions in {_count(active)} of the last "
            f"{_count(weeks)} weeks: a post that invites replies every week raises consistency."
        )
    elif best.components.get("amplification", 0.0) < 0.1 * best.score:
        lines.append(
            f"Few of your {label} posts are reposted or quoted; reposts and quotes count three "
            "to four times a like, so posts worth passing on move the score most."
        )
    return lines


# --- describe_changes ---------------------------------------------------------


def _headline(before: int, after: int) -> str:
    change = after - before
    if change > 0:
        return f"Your score rose from {before} to {after} (+{change})."
    if change < 0:
        return f"Your score fell from {before} to {after} ({change})."
    return f"Your score stayed at {after}."


def _reason(network: str, part: str, old: NetworkScore, new: NetworkScore, points: float) -> str:
    """The metric behind a part's move, in the member's words.

    Only a metric that moved the same way as the points is quoted: followers
    can fall while the audience that counts rises, and saying "followers
    fell: +1.5 points" would read as nonsense.
    """
    label = network_label(network)
    before, after = old.metrics, new.metrics
    direction = 1.0 if points > 0 else -1.0

    def went_along(key: str) -> bool:
        a, b = before.get(key, 0.0), after.get(key, 0.0)
        return (b - a) * direction > max(1e-9, 0.01 * max(abs(a), abs(b)))

    def phrase(what: str, key: str, show: Callable[[float], str]) -> str:
        a, b = before.get(key, 0.0), after.get(key, 0.0)
        return f"{label} {what} {'rose' if b > a else 'fell'} from {show(a)} to {show(b)}"

    candidates: dict[str, list[tuple[str, str, Callable[[float], str]]]] = {
        "audience": [
            ("followers", "followers", _count),
            ("followers who count (as far as reactions show they listen)",
             "audience_credited", _count),
        ],
        "reactions": [
            ("engagement per post", "engagement_per_post", _number),
            ("weighted reactions", "weighted_reactions", _number),
        ],
        "consistency": [("weeks with reactions", "active_weeks", _count)],
    }
    for what, key, show in candidates.get(part, []):
        if went_along(key):
            text = phrase(what, key, show)
            if part == "reactions":
                shared = [k for k in ("reposts", "quotes") if went_along(k)]
                if shared:
                    text += " (" + ", ".join(
                        f"{k} {_count(before.get(k, 0.0))} to {_count(after.get(k, 0.0))}"
                        for k in shared) + ")"
            return text
    if points < 0 and part != "audience":
        return f"{label} {part} faded as the window's reactions aged"
    return f"{label} {part} {'rose' if points > 0 else 'fell'}"


# --- tips ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Tip:
    text: str
    strength: float


@dataclass(frozen=True)
class _Comparison:
    ratio: float
    better_mean: float
    worse_mean: float
    better_size: int
    worse_size: int
    first_is_better: bool


def _network_tips(label: str, posts: Sequence[Post]) -> list[_Tip]:
    own = [post for post in posts if not post.is_repost]
    broadcast = [post for post in own if not post.is_reply]
    found: list[_Tip] = []

    media = _compare(
        [p for p in broadcast if p.has_media], [p for p in broadcast if not p.has_media],
        _reactions,
    )
    if media is not None:
        with_media, without = "your posts with an image or video", "those without"
        if not media.first_is_better:
            with_media, without = "your text-only posts", "those with an image or video"
        text = _contrast(with_media, without, "drew", "reactions", media)
        found.append(_Tip(f"On {label}, {text} ({_sizes(media)} posts).", media.ratio))

    questions = _compare(
        [p for p in broadcast if p.is_question], [p for p in broadcast if not p.is_question],
        lambda post: float(post.replies),
    )
    if questions is not None:
        asking, telling = "your posts that ask a question", "your statements"
        if not questions.first_is_better:
            asking, telling = telling, "your questions"
        text = _contrast(asking, telling, "got", "replies", questions)
        found.append(_Tip(f"On {label}, {text} ({_sizes(questions)} posts).", questions.ratio))

    conversation = _conversation_tip(label, own)
    if conversation is not None:
        found.append(conversation)

    reposts = len(posts) - len(own)
    if reposts >= MIN_POSTS_PER_GROUP and reposts > len(own):
        found.append(_Tip(
            f"On {label}, {reposts} of your {len(posts)} posts were reposts of others: they "
            "help the people you share, but only your own posts count towards your score.",
            MIN_RATIO,
        ))

    silent = sum(1 for post in broadcast if _reactions(post) == 0)
    if silent >= MIN_POSTS_PER_GROUP and silent * 2 >= len(broadcast):
        found.append(_Tip(
            f"On {label}, {silent} of your {len(broadcast)} posts drew no reaction at all: "
            "fewer, more personal posts raise engagement per post, which the score rewards "
            "over volume.",
            MIN_RATIO,
        ))
    return found


def _conversation_tip(label: str, own: Sequence[Post]) -> _Tip | None:
    """Compare weeks in which the member also replied to others with weeks they did not.

    Weeks, not posts, are the unit: a reply is not itself the post whose
    reactions we measure, but taking part in conversations tends to bring
    people back to your own posts.
    """
    replied: set[tuple[int, int]] = set()
    reactions_by_week: dict[tuple[int, int], list[float]] = defaultdict(list)
    for post in own:
        iso = post.created_at.isocalendar()
        week = (iso.year, iso.week)
        if post.is_reply:
            replied.add(week)
        else:
            reactions_by_week[week].append(_reactions(post))
    means = {week: sum(values) / len(values) for week, values in reactions_by_week.items()}
    talking = [mean for week, mean in means.items() if week in replied]
    quiet = [mean for week, mean in means.items() if week not in replied]
    found = _compare_values(talking, quiet, MIN_WEEKS_PER_GROUP)
    if found is None or not found.first_is_better:
        # The reverse is not advice: replying does not make posts worse.
        return None
    if found.worse_mean > 0:
        gain = f"{found.ratio:.1f}× more reactions than in weeks when you did not"
    else:
        gain = (f"{found.better_mean:.1f} reactions each on average, against none in weeks "
                "when you did not")
    return _Tip(
        f"On {label}, in weeks when you also replied to others your own posts drew {gain} "
        f"({_sizes(found)} weeks).",
        found.ratio,
    )


def _compare(
    first: Sequence[Post], second: Sequence[Post], measure: Callable[[Post], float]
) -> _Comparison | None:
    return _compare_values(
        [measure(post) for post in first], [measure(post) for post in second],
        MIN_POSTS_PER_GROUP,
    )


def _compare_values(
    first: Sequence[float], second: Sequence[float], minimum: int
) -> _Comparison | None:
    """A comparison strong enough to advise on, or None.

    Both groups need `minimum` items, the better average must reach
    MIN_BETTER_MEAN, and the gap must be at least MIN_RATIO both as measured
    and after removing each group's single best item, so one viral post
    cannot produce a tip on its own.
    """
    if len(first) < minimum or len(second) < minimum:
        return None
    mean_first, mean_second = _mean(first), _mean(second)
    first_is_better = mean_first >= mean_second
    better, worse = (first, second) if first_is_better else (second, first)
    better_mean, worse_mean = max(mean_first, mean_second), min(mean_first, mean_second)
    if better_mean < MIN_BETTER_MEAN:
        return None
    trimmed_better, trimmed_worse = _mean_without_best(better), _mean_without_best(worse)
    if not (_ratio(better_mean, worse_mean) >= MIN_RATIO
            and _ratio(trimmed_better, trimmed_worse) >= MIN_RATIO):
        return None
    return _Comparison(
        ratio=_ratio(better_mean, worse_mean),
        better_mean=better_mean,
        worse_mean=worse_mean,
        better_size=len(better),
        worse_size=len(worse),
        first_is_better=first_is_better,
    )


def _ratio(better: float, worse: float) -> float:
    if worse <= 0:
        return float("inf") if better > 0 else 1.0
    return better / worse


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _mean_without_best(values: Sequence[float]) -> float:
    return (sum(values) - max(values)) / (len(values) - 1)


def _reactions(post: Post) -> float:
    return float(post.replies + post.reposts + post.quotes + post.likes)


def _contrast(better: str, worse: str, verb: str, noun: str, found: _Comparison) -> str:
    if found.worse_mean <= 0:
        return (f"{better} {verb} {found.better_mean:.1f} {noun} each on average, "
                f"while {worse} {verb} none")
    return f"{better} {verb} {found.ratio:.1f}× more {noun} than {worse}"


def _sizes(found: _Comparison) -> str:
    """Group sizes, the better group first, as the sentence names it first."""
    return f"{found.better_size} vs {found.worse_size}"


# --- formatting -----------------------------------------------------------------


def _capped(credited: float, followers: float) -> bool:
    """Worth telling: at least a twentieth of the followers do not count."""
    return credited < 0.95 * followers


def _points(points: float) -> str:
    return f"{points:+.1f} points"


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}"
