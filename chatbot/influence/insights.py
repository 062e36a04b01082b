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

from chatbot.i18n import Translator
from chatbot.influence.networks.registry import network_label
from chatbot.influence.score import (
    COMPONENTS,
    SMOOTHING_HALF_LIFE_DAYS,
    NetworkScore,
    ScoreResult,
    attribute_change,
    network_contributions,
)
from chatbot.values.accounts import Post
from chatbot.values.message import N_

NOT_A_HIRING_METRIC = N_(
    "This score measures how people react to public posts. It is not a measure of "
    "anyone's worth or work, and it is not a hiring metric."
)

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

GENERIC_TIP = N_(
    "Not enough posts yet to compare what works for you (a tip needs at least "
    "{n} posts on each side of a comparison). In general, posts that ask "
    "a question or carry an image or video draw the most replies, and a reply counts three "
    "times as much as a like (and likes flatten out sooner)."
)
"""Filled with MIN_POSTS_PER_GROUP as `n`."""
# The shown score closes this share of the gap to the computed one each day.
DAILY_SHARE = 1.0 - 0.5 ** (1.0 / SMOOTHING_HALF_LIFE_DAYS)
# A gap smaller than this between the shown and the computed score is "there".
AT_REST_POINTS = 0.5

COMPONENT_NAMES: dict[str, str] = {
    "audience": N_("audience"),
    "engagement": N_("engagement"),
    "amplification": N_("amplification"),
    "consistency": N_("consistency"),
}
"""The score's components (score.COMPONENTS) as a member reads them."""

_LIFETIME: dict[str, str] = {
    "stars": N_("{count} stars"),
    "forks": N_("{count} forks"),
    "views": N_("{count} views"),
}


def explain_components(tr: Translator, result: ScoreResult, shown: int | None = None
                       ) -> list[str]:
    """What drives the score: each network's share, then its components, ranked.

    `shown` is the number the card shows (the smoothed score); the sentences
    speak of it, and of `result` (today's computed score) as what it moves to.
    """
    if not result.networks:
        return [tr._(
            "No score yet: register an account with /klout register NETWORK HANDLE "
            "and the first score appears after its first refresh."
        )]
    shares = network_contributions(result)
    ranked = sorted(result.networks.values(), key=lambda item: (-item.score, item.network))
    lines = [_overall_line(tr, result, ranked, shares,
                           result.score if shown is None else shown)]
    for item in ranked:
        lines.append(_network_line(tr, item))
    lines.extend(_levers(tr, ranked))
    lines.append(tr._(NOT_A_HIRING_METRIC))
    return lines


def describe_standing(tr: Translator, shown: float, computed: float) -> str:
    """Where the card's number stands against today's computed score, and where it heads."""
    card = round(shown)
    today = _decimal(tr, computed)
    if abs(computed - shown) < AT_REST_POINTS:
        return tr._("Your card shows {card}, which is where today's activity puts you "
                    "({computed}).", card=card, computed=today)
    share = _percent(tr, DAILY_SHARE)
    if computed > shown:
        return tr._(
            "Your card shows {card}; today's activity computes to {computed}, so the shown "
            "score is rising towards it, closing about {share} of the gap each day "
            "(smoothing keeps one quiet or failed day from swinging it).",
            card=card, computed=today, share=share)
    return tr._(
        "Your card shows {card}; today's activity computes to {computed}, so the shown "
        "score is falling towards it, closing about {share} of the gap each day "
        "(smoothing keeps one quiet or failed day from swinging it).",
        card=card, computed=today, share=share)


def describe_changes(
    tr: Translator,
    before: ScoreResult | None,
    after: ScoreResult,
    shown: tuple[int, int] | None = None,
) -> list[str]:
    """What changed since the previous result and why, biggest movers first.

    `shown` is the card's (smoothed) number then and now: the headline speaks
    of those, the reasons of the computed scores behind them.
    """
    if not after.networks:
        return [tr._("No score yet, so nothing to compare.")]
    if before is None or not before.networks:
        now_shown = after.score if shown is None else shown[1]
        return [tr._("This is your first score ({score}); changes show from the next one on.",
                     score=now_shown)]
    lines: list[str] = []
    if before.version != after.version:
        lines.append(tr._(
            "The score formula changed from version {before} to {after}; "
            "part of this change comes from that.", before=before.version, after=after.version))
    lines.append(_headline(tr, *(shown or (before.score, after.score))))

    several = len(after.networks) > 1 or len(before.networks) > 1
    after_shares = network_contributions(after)
    before_shares = network_contributions(before)
    for name in sorted(set(after.networks) - set(before.networks)):
        lines.append(tr._("{network} now counts towards your score: {points} overall.",
                          network=network_label(name), points=_points(tr, after_shares[name])))
    for name in sorted(set(before.networks) - set(after.networks)):
        lines.append(tr._("{network} no longer counts towards your score "
                          "(it added {points} points).", network=network_label(name),
                          points=_decimal(tr, before_shares[name])))
    movers: list[tuple[float, str]] = []
    for name in sorted(set(before.networks) & set(after.networks)):
        old, new = before.networks[name], after.networks[name]
        for part, points in attribute_change(old, new).items():
            if abs(points) < MIN_CHANGE_POINTS:
                continue
            reason = _reason(tr, name, part, old, new, points)
            if several:
                line = tr._("{reason}: {points} on your {network} score.", reason=reason,
                            points=_points(tr, points), network=network_label(name))
            else:
                line = tr._("{reason}: {points}.", reason=reason, points=_points(tr, points))
            movers.append((abs(points), line))
    movers.sort(key=lambda mover: -mover[0])
    if movers:
        movers[0] = (movers[0][0], tr._("Moved most: {change}", change=movers[0][1]))
    lines.extend(line for _, line in movers[:MAX_CHANGE_LINES])
    return lines


def tips(tr: Translator, posts_by_network: Mapping[str, Sequence[Post]]) -> list[str]:
    """Advice drawn from the member's own posts, strongest evidence first."""
    found: list[_Tip] = []
    for network in sorted(posts_by_network):
        found.extend(_network_tips(tr, network_label(network), posts_by_network[network]))
    if not found:
        return [tr._(GENERIC_TIP, n=MIN_POSTS_PER_GROUP)]
    found.sort(key=lambda tip: -tip.strength)
    return [tip.text for tip in found[:MAX_TIPS]]


# --- explain_components -------------------------------------------------------


def _overall_line(
    tr: Translator, result: ScoreResult, ranked: Sequence[NetworkScore],
    shares: Mapping[str, float], shown: int,
) -> str:
    computed = _decimal(tr, result.raw)
    if len(ranked) == 1:
        label = network_label(ranked[0].network)
        if shown == result.score:
            return tr._("Your score of {score} comes from {network} alone (everyone starts "
                        "from 1).", score=shown, network=label)
        return tr._("Your score of {score} (today's activity computes to {computed}) comes "
                    "from {network} alone (everyone starts from 1).", score=shown,
                    computed=computed, network=label)
    best, *others = ranked
    added = ", ".join(
        tr._("{network} adds {points}", network=network_label(item.network),
             points=_decimal(tr, shares[item.network]))
        for item in others
    )
    if shown == result.score:
        return tr._(
            "Your score of {score}: your best network, {network}, gives {points} points of "
            "today's computed score above the starting 1; {others} (each further network "
            "fills part of the gap to 100).", score=shown, network=network_label(best.network),
            points=_decimal(tr, shares[best.network]), others=added)
    return tr._(
        "Your score of {score} (today's activity computes to {computed}): your best network, "
        "{network}, gives {points} points of today's computed score above the starting 1; "
        "{others} (each further network fills part of the gap to 100).", score=shown,
        computed=computed, network=network_label(best.network),
        points=_decimal(tr, shares[best.network]), others=added)


def _network_line(tr: Translator, item: NetworkScore) -> str:
    parts = sorted(COMPONENTS, key=lambda name: -item.components.get(name, 0.0))
    total = sum(max(0.0, item.components.get(name, 0.0)) for name in COMPONENTS)
    described = []
    for name in parts:
        points = item.components.get(name, 0.0)
        component = tr._(COMPONENT_NAMES[name])
        driver = _driver(tr, name, item.metrics)
        if total > 0:
            described.append(tr._("{component} {points} points ({driver}, {share})",
                                  component=component, points=_decimal(tr, points),
                                  driver=driver, share=_percent(tr, points / total)))
        else:
            described.append(tr._("{component} {points} points ({driver})",
                                  component=component, points=_decimal(tr, points),
                                  driver=driver))
    return tr._("{network} {score}: {components}.", network=network_label(item.network),
                score=_decimal(tr, item.score), components="; ".join(described))


def _driver(tr: Translator, component: str, metrics: Mapping[str, float]) -> str:
    if component == "audience":
        followers = metrics.get("followers", 0.0)
        reach = metrics.get("reach", followers)
        credited = metrics.get("audience_credited", reach)
        lifetime = [tr._(_LIFETIME[key], count=_count(tr, metrics[key]))
                    for key in ("stars", "forks", "views") if metrics.get(key)]
        if lifetime:
            who = tr._("{followers} followers and {lifetime} as reach",
                       followers=_count(tr, followers), lifetime=", ".join(lifetime))
        else:
            who = tr._("{followers} followers", followers=_count(tr, followers))
        if _capped(credited, reach):
            return tr._("{credited} of {who} count", credited=_count(tr, credited), who=who)
        return who
    if component == "engagement":
        return tr._("{rate} weighted reactions per post",
                    rate=_number(tr, metrics.get("engagement_per_post", 0.0)))
    if component == "amplification":
        shared = metrics.get("reposts", 0.0) + metrics.get("quotes", 0.0)
        return tr._("{count} reposts and quotes", count=_count(tr, shared))
    active = metrics.get("active_weeks", 0.0)
    weeks = metrics.get("weeks", 0.0)
    return tr._("reactions in {active} of {weeks} weeks", active=_count(tr, active),
                weeks=_count(tr, weeks))


def _levers(tr: Translator, ranked: Sequence[NetworkScore]) -> list[str]:
    """The one or two changes that would move the best network most."""
    best = ranked[0]
    label = network_label(best.network)
    metrics = best.metrics
    lines: list[str] = []
    followers = metrics.get("followers", 0.0)
    credited = metrics.get("audience_credited", followers)
    if _capped(credited, metrics.get("reach", followers)) and followers > credited:
        lines.append(tr._(
            "Only {credited} of your {followers} {network} followers count, "
            "because followers (and stars or views) count only as far as reactions per post "
            "show they are listening: more replies and reposts lift both.",
            credited=_count(tr, credited), followers=_count(tr, followers), network=label))
    weeks = metrics.get("weeks", 0.0)
    active = metrics.get("active_weeks", 0.0)
    if weeks and active < weeks / 2:
        lines.append(tr._(
            "On {network}, your posts drew reactions in {active} of the last {weeks} weeks: "
            "a post that invites replies every week raises consistency.",
            network=label, active=_count(tr, active), weeks=_count(tr, weeks)))
    elif best.components.get("amplification", 0.0) < 0.1 * best.score:
        lines.append(tr._(
            "Few of your {network} posts are reposted or quoted; reposts and quotes count "
            "three to four times a like, so posts worth passing on move the score most.",
            network=label))
    return lines


# --- describe_changes ---------------------------------------------------------


def _headline(tr: Translator, before: int, after: int) -> str:
    change = after - before
    if change > 0:
        return tr._("Your score rose from {before} to {after} (+{change}).", before=before,
                    after=after, change=change)
    if change < 0:
        return tr._("Your score fell from {before} to {after} ({change}).", before=before,
                    after=after, change=change)
    return tr._("Your score stayed at {score}.", score=after)


_ROSE_FELL: dict[str, tuple[str, str]] = {
    "followers": (N_("{network} followers rose from {before} to {after}"),
                  N_("{network} followers fell from {before} to {after}")),
    "audience_credited": (
        N_("{network} followers who count (as far as reactions show they listen) rose from "
           "{before} to {after}"),
        N_("{network} followers who count (as far as reactions show they listen) fell from "
           "{before} to {after}")),
    "engagement_per_post": (N_("{network} engagement per post rose from {before} to {after}"),
                            N_("{network} engagement per post fell from {before} to {after}")),
    "weighted_reactions": (N_("{network} weighted reactions rose from {before} to {after}"),
                           N_("{network} weighted reactions fell from {before} to {after}")),
    "active_weeks": (N_("{network} weeks with reactions rose from {before} to {after}"),
                     N_("{network} weeks with reactions fell from {before} to {after}")),
}
"""A metric's move, per metric: (rose, fell)."""

_PART_MOVED: dict[str, tuple[str, str]] = {
    "audience": (N_("{network} audience rose"), N_("{network} audience fell")),
    "reactions": (N_("{network} reactions rose"), N_("{network} reactions fell")),
    "consistency": (N_("{network} consistency rose"), N_("{network} consistency fell")),
}
"""A part's move when no metric moved along with it: (rose, fell)."""

_PART_FADED: dict[str, str] = {
    "reactions": N_("{network} reactions faded as the window's reactions aged"),
    "consistency": N_("{network} consistency faded as the window's reactions aged"),
}

_SHARED: dict[str, str] = {
    "reposts": N_("reposts {before} to {after}"),
    "quotes": N_("quotes {before} to {after}"),
}


def _reason(tr: Translator, network: str, part: str, old: NetworkScore, new: NetworkScore,
            points: float) -> str:
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

    def phrase(key: str, show: Callable[[Translator, float], str]) -> str:
        a, b = before.get(key, 0.0), after.get(key, 0.0)
        rose, fell = _ROSE_FELL[key]
        return tr._(rose if b > a else fell, network=label, before=show(tr, a),
                    after=show(tr, b))

    candidates: dict[str, list[tuple[str, Callable[[Translator, float], str]]]] = {
        "audience": [("followers", _count), ("audience_credited", _count)],
        "reactions": [("engagement_per_post", _number), ("weighted_reactions", _number)],
        "consistency": [("active_weeks", _count)],
    }
    for key, show in candidates.get(part, []):
        if went_along(key):
            text = phrase(key, show)
            if part == "reactions":
                shared = [k for k in ("reposts", "quotes") if went_along(k)]
                if shared:
                    details = ", ".join(
                        tr._(_SHARED[k], before=_count(tr, before.get(k, 0.0)),
                             after=_count(tr, after.get(k, 0.0)))
                        for k in shared)
                    text = tr._("{change} ({details})", change=text, details=details)
            return text
    if points < 0 and part in _PART_FADED:
        return tr._(_PART_FADED[part], network=label)
    rose, fell = _PART_MOVED[part]
    return tr._(rose if points > 0 else fell, network=label)


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


_MEDIA_TIPS: dict[tuple[bool, bool], str] = {
    (True, True): N_(
        "On {network}, your posts with an image or video drew {ratio}× more reactions than "
        "those without ({better} vs {worse} posts)."),
    (True, False): N_(
        "On {network}, your posts with an image or video drew {mean} reactions each on "
        "average, while those without drew none ({better} vs {worse} posts)."),
    (False, True): N_(
        "On {network}, your text-only posts drew {ratio}× more reactions than those with an "
        "image or video ({better} vs {worse} posts)."),
    (False, False): N_(
        "On {network}, your text-only posts drew {mean} reactions each on average, while "
        "those with an image or video drew none ({better} vs {worse} posts)."),
}
"""(posts with media did better, the worse side drew any), as _tip_text reads them."""

_QUESTION_TIPS: dict[tuple[bool, bool], str] = {
    (True, True): N_(
        "On {network}, your posts that ask a question got {ratio}× more replies than your "
        "statements ({better} vs {worse} posts)."),
    (True, False): N_(
        "On {network}, your posts that ask a question got {mean} replies each on average, "
        "while your statements got none ({better} vs {worse} posts)."),
    (False, True): N_(
        "On {network}, your statements got {ratio}× more replies than your questions "
        "({better} vs {worse} posts)."),
    (False, False): N_(
        "On {network}, your statements got {mean} replies each on average, while your "
        "questions got none ({better} vs {worse} posts)."),
}
"""(questions did better, the worse side drew any)."""


def _network_tips(tr: Translator, label: str, posts: Sequence[Post]) -> list[_Tip]:
    own = [post for post in posts if not post.is_repost]
    broadcast = [post for post in own if not post.is_reply]
    found: list[_Tip] = []

    media = _compare(
        [p for p in broadcast if p.has_media], [p for p in broadcast if not p.has_media],
        _reactions,
    )
    if media is not None:
        found.append(_Tip(_tip_text(tr, _MEDIA_TIPS, label, media), media.ratio))

    questions = _compare(
        [p for p in broadcast if p.is_question], [p for p in broadcast if not p.is_question],
        lambda post: float(post.replies),
    )
    if questions is not None:
        found.append(_Tip(_tip_text(tr, _QUESTION_TIPS, label, questions), questions.ratio))

    conversation = _conversation_tip(tr, label, own)
    if conversation is not None:
        found.append(conversation)

    reposts = len(posts) - len(own)
    if reposts >= MIN_POSTS_PER_GROUP and reposts > len(own):
        found.append(_Tip(tr._(
            "On {network}, {reposts} of your {total} posts were reposts of others: they "
            "help the people you share, but only your own posts count towards your score.",
            network=label, reposts=reposts, total=len(posts)), MIN_RATIO))

    silent = sum(1 for post in broadcast if _reactions(post) == 0)
    if silent >= MIN_POSTS_PER_GROUP and silent * 2 >= len(broadcast):
        found.append(_Tip(tr._(
            "On {network}, {silent} of your {total} posts drew no reaction at all: "
            "fewer, more personal posts raise engagement per post, which the score rewards "
            "over volume.", network=label, silent=silent, total=len(broadcast)), MIN_RATIO))
    return found


def _tip_text(tr: Translator, sentences: Mapping[tuple[bool, bool], str], label: str,
              found: _Comparison) -> str:
    """The comparison's sentence: a ratio, or an average against none when the worse side
    drew nothing (no dividing by zero); group sizes the better group first, as it is
    named first."""
    sentence = sentences[(found.first_is_better, found.worse_mean > 0)]
    return tr._(sentence, network=label, ratio=_decimal(tr, found.ratio),
                mean=_decimal(tr, found.better_mean), better=found.better_size,
                worse=found.worse_size)


def _conversation_tip(tr: Translator, label: str, own: Sequence[Post]) -> _Tip | None:
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
        text = tr._(
            "On {network}, in weeks when you also replied to others your own posts drew "
            "{ratio}× more reactions than in weeks when you did not ({better} vs {worse} "
            "weeks).", network=label, ratio=_decimal(tr, found.ratio),
            better=found.better_size, worse=found.worse_size)
    else:
        text = tr._(
            "On {network}, in weeks when you also replied to others your own posts drew "
            "{mean} reactions each on average, against none in weeks when you did not "
            "({better} vs {worse} weeks).", network=label, mean=_decimal(tr, found.better_mean),
            better=found.better_size, worse=found.worse_size)
    return _Tip(text, found.ratio)


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


# --- formatting -----------------------------------------------------------------


def _capped(credited: float, followers: float) -> bool:
    """Worth telling: at least a twentieth of the followers do not count."""
    return credited < 0.95 * followers


def _decimal(tr: Translator, value: float, digits: int = 1) -> str:
    """Rounded from the exact binary value first, as f"{value:.1f}" rounds, so English
    reads as it always has ("0.3" for 0.35, which is 0.34999… in binary)."""
    return tr.number(round(value, digits), digits)


def _percent(tr: Translator, fraction: float) -> str:
    """Whole percent, rounded as f"{fraction:.0%}" rounds: the product with 100 first."""
    return tr.percent(round(fraction * 100) / 100)


def _points(tr: Translator, points: float) -> str:
    """A change in points, always signed ("+1.5 points", "-0.4 points")."""
    sign = "-" if points < 0 else "+"
    return tr._("{points} points", points=sign + _decimal(tr, abs(points)))


def _count(tr: Translator, value: float) -> str:
    return tr.number(round(value))


def _number(tr: Translator, value: float) -> str:
    if abs(value) >= 100:
        return _count(tr, value)
    return _decimal(tr, value)
