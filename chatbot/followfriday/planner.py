"""Who suggests whom this week: pure, deterministic, no I/O.

The goals, most important first:

1. every member gets up to three teammates (fewer only if fewer share a
   network with them);
2. a pair suggested last week is not suggested again, unless the team is too
   small to fill everyone's list otherwise;
3. every member is suggested about equally often (in a team where everyone
   shares a network, the most- and least-suggested differ by at most one);
4. taste: pairs who don't follow each other yet, share endorsed topics, or
   whose score is rising come first.

Each goal outweighs everything below it, so the solver never trades
fairness for taste. Last comes a week-seeded jitter: it only breaks ties
(of which a team with little data has many), differently every week, so the
lists rotate even when nothing else changes.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from chatbot.followfriday.min_cost_flow import MinCostFlow
from chatbot.influence.networks import network_names
from chatbot.influence.networks.registry import POSTING_NETWORKS

PER_MEMBER = 3
"""Teammates suggested to each member per week."""

CANDIDATES_PER_MEMBER = 16
"""Large teams keep this many candidates per member so planning stays fast."""

SINGLE_PLAN_MEMBERS = 150
"""Up to this many members the whole team is planned at once."""
PLAN_BLOCK = 50
"""Past that, about this many members are planned together (see `planning_blocks`)."""

NETWORK_ORDER: tuple[str, ...] = POSTING_NETWORKS + tuple(
    name for name in network_names() if name not in POSTING_NETWORKS)
"""When a pair shares several networks and nothing else decides, the earlier wins:
networks where a #FollowFriday post makes sense come first."""

_FOLLOWS_ALREADY = 400
_FOLLOWS_UNKNOWN = 150
_FOLLOWED_BACK = 100
_FOLLOWED_BACK_UNKNOWN = 40
_TOPIC_STEP = 80
_MAX_TOPICS = 3
_RISING_SPAN = 150
_RISING_FULL_GAIN = 10.0
_TASTE_CEILING = _FOLLOWS_ALREADY + _FOLLOWED_BACK + _TOPIC_STEP * _MAX_TOPICS + _RISING_SPAN + 1
_JITTER = 100


@dataclass(frozen=True)
class Account:
    network: str
    handle: str
    verified: bool


@dataclass(frozen=True)
class Candidate:
    """A member who still has data in the team (forgotten members are never passed in)."""

    user_id: str
    accounts: tuple[Account, ...]


@dataclass(frozen=True)
class PlanInput:
    team_id: str
    week: str
    """ISO week such as 2026-W48; with the team id it seeds the weekly jitter."""
    members: tuple[Candidate, ...]
    count_unverified: bool = True
    follows: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    """network -> member -> member ids they follow there, only where known."""
    topics: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """member -> endorsed topic keys."""
    gains: Mapping[str, float] = field(default_factory=dict)
    """member -> score gain over the last seven days."""
    last_week: frozenset[tuple[str, str]] = frozenset()
    """(member, suggested member) pairs of last week's plan."""
    per_member: int = PER_MEMBER


@dataclass(frozen=True)
class Pick:
    """One suggestion and the signals that chose it, for the post to explain."""

    user_id: str
    network: str
    follows_them: bool | None
    """Whether the member already follows them on `network` (None: unknown)."""
    followed_back: bool | None
    shared_topics: tuple[str, ...]
    gain: float
    repeated: bool


@dataclass(frozen=True)
class Plan:
    team_id: str
    week: str
    picks: Mapping[str, tuple[Pick, ...]]
    """member -> suggestions, best first; members with nobody to suggest are absent."""


def eligible_accounts(
    members: tuple[Candidate, ...], count_unverified: bool
) -> dict[str, dict[str, str]]:
    """member -> network -> handle that may appear in a post.

    When the team counts only verified accounts, an unverified one is as good
    as absent: the member isn't suggested there and isn't offered anyone there.
    """
    found: dict[str, dict[str, str]] = {}
    for member in members:
        usable = {
            account.network: account.handle
            for account in member.accounts
            if count_unverified or account.verified
        }
        if usable:
            found[member.user_id] = usable
    return found


def week_seed(team_id: str, week: str) -> int:
    """Stable across processes and Python versions, unlike `hash()`."""
    digest = hashlib.sha256(f"{team_id}\x00{week}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(frozen=True)
class _Option:
    """The best network for one ordered pair, with its taste cost (lower is better)."""

    pick: Pick
    taste: int
    jitter: int


def _follow_state(
    follows: Mapping[str, Mapping[str, frozenset[str]]], network: str, who: str, whom: str
) -> bool | None:
    known = follows.get(network, {}).get(who)
    return None if known is None else whom in known


def _option(
    plan: PlanInput,
    accounts: Mapping[str, Mapping[str, str]],
    user: str,
    other: str,
    jitter: int,
) -> _Option | None:
    shared = [n for n in NETWORK_ORDER if n in accounts[user] and n in accounts[other]]
    shared += sorted(n for n in accounts[user] if n in accounts[other] and n not in shared)
    if not shared:
        return None
    best: tuple[int, int, str, bool | None, bool | None] | None = None
    for order, network in enumerate(shared):
        follows = _follow_state(plan.follows, network, user, other)
        back = _follow_state(plan.follows, network, other, user)
        cost = {True: _FOLLOWS_ALREADY, None: _FOLLOWS_UNKNOWN, False: 0}[follows]
        cost += {True: _FOLLOWED_BACK, None: _FOLLOWED_BACK_UNKNOWN, False: 0}[back]
        if best is None or (cost, order) < (best[0], best[1]):
            best = (cost, order, network, follows, back)
    assert best is not None
    follow_cost, _order, network, follows, back = best
    topics = tuple(sorted(plan.topics.get(user, frozenset()) & plan.topics.get(other, frozenset())))
    gain = plan.gains.get(other, 0.0)
    rising = min(max(gain, 0.0), _RISING_FULL_GAIN) / _RISING_FULL_GAIN
    taste = (
        follow_cost
        + _TOPIC_STEP * (_MAX_TOPICS - min(len(topics), _MAX_TOPICS))
        + round(_RISING_SPAN * (1 - rising))
    )
    pick = Pick(
        user_id=other,
        network=network,
        follows_them=follows,
        followed_back=back,
        shared_topics=topics,
        gain=gain,
        repeated=(user, other) in plan.last_week,
    )
    return _Option(pick, taste, jitter)


def _candidates(
    plan: PlanInput,
    accounts: Mapping[str, Mapping[str, str]],
    order: list[str],
    rng: random.Random,
) -> dict[str, list[_Option]]:
    """Every usable ordered pair, trimmed for large teams.

    The trim keeps a rotating window of the week's shuffled order (so every
    member stays a candidate for about as many people as anyone else, which
    keeps fairness reachable) plus each member's best matches by taste.
    """
    position = {user: index for index, user in enumerate(order)}
    options: dict[str, list[_Option]] = {}
    for user in order:
        found: list[_Option] = []
        for other in order:
            if other == user:
                continue
            option = _option(plan, accounts, user, other, rng.randrange(_JITTER))
            if option is not None:
                found.append(option)
        if len(found) > CANDIDATES_PER_MEMBER:
            half = CANDIDATES_PER_MEMBER // 2
            fresh = [o for o in found if not o.pick.repeated] or found
            size = len(order)
            rotating = sorted(
                fresh, key=lambda o: (position[o.pick.user_id] - position[user]) % size
            )[:half]
            kept = {o.pick.user_id for o in rotating}
            by_taste = sorted(
                (o for o in found if o.pick.user_id not in kept),
                key=lambda o: (o.pick.repeated, o.taste, o.jitter, position[o.pick.user_id]),
            )
            found = rotating + by_taste[: CANDIDATES_PER_MEMBER - half]
        options[user] = found
    return options


def plan_week(plan: PlanInput) -> Plan:
    accounts = eligible_accounts(plan.members, plan.count_unverified)
    rng = random.Random(week_seed(plan.team_id, plan.week))
    order = sorted(accounts)
    rng.shuffle(order)
    picks: dict[str, tuple[Pick, ...]] = {}
    for block in planning_blocks(order, accounts):
        picks.update(_plan_block(plan, accounts, block, rng))
    return Plan(plan.team_id, plan.week, dict(sorted(picks.items())))


def planning_blocks(order: list[str], accounts: Mapping[str, Mapping[str, str]]
                    ) -> list[list[str]]:
    """The team in groups planned one at a time: all of it up to SINGLE_PLAN_MEMBERS.

    One flow over the whole team costs about the square of its size (300 members take
    seconds, 10,000 would take hours), so a bigger team is cut into blocks of about
    PLAN_BLOCK members of the week's shuffled order, each sharing its first network
    (a network with too few members for a block of its own joins the rest). Within
    a block the plan is as good as ever: everyone gets their suggestions, suggestions
    are spread evenly, last week's pairs are avoided; the blocks change every week
    with the shuffle.
    """
    if len(order) <= SINGLE_PLAN_MEMBERS:
        return [order]
    by_network: dict[str, list[str]] = {}
    for user in order:
        first = next(n for n in (*NETWORK_ORDER, *sorted(accounts[user]))
                     if n in accounts[user])
        by_network.setdefault(first, []).append(user)
    groups = [members for members in by_network.values() if len(members) >= PLAN_BLOCK // 2]
    rest = [user for members in by_network.values() if len(members) < PLAN_BLOCK // 2
            for user in members]
    if rest:
        groups.append(rest)
    blocks: list[list[str]] = []
    for members in groups:
        count = max(1, round(len(members) / PLAN_BLOCK))
        blocks += [members[index::count] for index in range(count)]
    return blocks


def _plan_block(plan: PlanInput, accounts: Mapping[str, Mapping[str, str]],
                order: list[str], rng: random.Random) -> dict[str, tuple[Pick, ...]]:
    options = _candidates(plan, accounts, order, rng)
    want = {user: min(plan.per_member, len(options[user])) for user in order}
    slots = sum(want.values())
    if slots == 0:
        return {}
    # Lexicographic weights: one unit of a higher goal outweighs every
    # possible total of the goals below it.
    taste_unit = slots * _JITTER + 1
    fairness_unit = (slots * _TASTE_CEILING + 1) * taste_unit
    repeat_penalty = fairness_unit * (slots + 1) ** 2

    index = {user: number for number, user in enumerate(order)}
    size = len(order)
    source, sink = 2 * size, 2 * size + 1
    flow = MinCostFlow(2 * size + 2)
    incoming: Counter[str] = Counter()
    arcs: list[tuple[int, str, _Option]] = []
    for user in order:
        if want[user]:
            flow.add_edge(source, index[user], want[user], 0)
        for option in options[user]:
            cost = option.taste * taste_unit + option.jitter
            if option.pick.repeated:
                cost += repeat_penalty
            arc = flow.add_edge(index[user], size + index[option.pick.user_id], 1, cost)
            arcs.append((arc, user, option))
            incoming[option.pick.user_id] += 1
    for user in order:
        # The j-th time someone is suggested costs j units: convex, so the
        # cheapest flow spreads suggestions as evenly as the graph allows.
        for times in range(1, incoming[user] + 1):
            flow.add_edge(size + index[user], sink, 1, fairness_unit * times)
    flow.solve(source, sink)

    chosen: dict[str, list[_Option]] = {}
    for arc, user, option in arcs:
        if flow.flow_on(arc):
            chosen.setdefault(user, []).append(option)
    return {
        user: tuple(
            option.pick
            for option in sorted(
                found, key=lambda o: (o.pick.repeated, o.taste, o.jitter, index[o.pick.user_id])
            )
        )
        for user, found in sorted(chosen.items())
    }
