"""Properties of the weekly plan that members would notice if they broke."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatbot.followfriday.planner import (
    PER_MEMBER,
    PLAN_BLOCK,
    SINGLE_PLAN_MEMBERS,
    Account,
    Candidate,
    PlanInput,
    eligible_accounts,
    plan_week,
    planning_blocks,
)
from tests.followfriday.plan_views import picked_pairs, times_suggested

NETWORKS = ("mastodon", "bluesky", "github", "x")
NAMES = [f"m{i:02d}" for i in range(14)]
WEEKS = [f"2026-W{week:02d}" for week in range(1, 53)]

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def teams(draw: st.DrawFn, *, common: str | None = None, min_size: int = 2,
          max_size: int = 12) -> PlanInput:
    """Random teams: who is on which network, verified or not, who follows whom,
    endorsed topics, score gains, last week's pairs."""
    size = draw(st.integers(min_size, max_size))
    users = NAMES[:size]
    members = []
    for user in users:
        networks = set(draw(st.sets(st.sampled_from(NETWORKS), max_size=3)))
        if common:
            networks.add(common)
        accounts = tuple(
            Account(network, f"{user}.{network}",
                    verified=True if network == common else draw(st.booleans()))
            for network in sorted(networks)
        )
        members.append(Candidate(user, accounts))
    follows = {
        network: {
            user: frozenset(draw(st.sets(st.sampled_from(users), max_size=size)))
            for user in draw(st.sets(st.sampled_from(users), max_size=size))
        }
        for network in draw(st.sets(st.sampled_from(NETWORKS), max_size=2))
    }
    topics = {user: frozenset(draw(st.sets(st.sampled_from(["python", "rust", "ml"]))))
              for user in users}
    gains = {user: draw(st.floats(-10, 20, allow_nan=False)) for user in users}
    last_week = frozenset(
        draw(st.sets(st.tuples(st.sampled_from(users), st.sampled_from(users)), max_size=20))
    )
    return PlanInput(
        team_id=draw(st.sampled_from(["slack:T1", "discord:42", "console:acme"])),
        week=draw(st.sampled_from(WEEKS)),
        members=tuple(members),
        count_unverified=draw(st.booleans()),
        follows=follows,
        topics=topics,
        gains=gains,
        last_week=last_week,
    )


def usable(plan: PlanInput) -> dict[str, dict[str, str]]:
    return eligible_accounts(plan.members, plan.count_unverified)


def teammates(plan: PlanInput, user: str) -> set[str]:
    accounts = usable(plan)
    mine = accounts.get(user, {})
    return {other for other, theirs in accounts.items()
            if other != user and set(mine) & set(theirs)}


@FAST
@given(teams())
def test_nobody_is_suggested_to_themselves_and_every_pick_is_on_a_shared_usable_network(
    plan: PlanInput,
) -> None:
    result = plan_week(plan)
    accounts = usable(plan)
    for user, picks in result.picks.items():
        chosen = [pick.user_id for pick in picks]
        assert user not in chosen
        assert len(chosen) == len(set(chosen)) <= 3
        for pick in picks:
            assert pick.network in accounts[user] and pick.network in accounts[pick.user_id]


@FAST
@given(teams())
def test_unverified_accounts_never_appear_when_the_team_counts_only_verified_ones(
    plan: PlanInput,
) -> None:
    strict = replace(plan, count_unverified=False)
    verified = {
        (member.user_id, account.network)
        for member in strict.members for account in member.accounts if account.verified
    }
    for user, picks in plan_week(strict).picks.items():
        for pick in picks:
            assert (user, pick.network) in verified
            assert (pick.user_id, pick.network) in verified


@FAST
@given(teams())
def test_everyone_with_a_teammate_on_a_shared_network_gets_as_many_suggestions_as_possible(
    plan: PlanInput,
) -> None:
    result = plan_week(plan)
    for user in usable(plan):
        expected = min(3, len(teammates(plan, user)))
        assert len(result.picks.get(user, ())) == expected


@FAST
@given(teams(common="bluesky"))
def test_in_a_team_sharing_a_network_suggestions_are_spread_evenly_week_after_week(
    plan: PlanInput,
) -> None:
    """Fairness, stated: the most- and least-suggested member differ by at most one,
    this week and next (next week avoiding this week's pairs)."""
    first = plan_week(replace(plan, last_week=frozenset()))
    following_week = replace(
        plan,
        week=[*WEEKS, "2027-W01"][WEEKS.index(plan.week) + 1],
        last_week=frozenset((user, other) for user, other, _ in picked_pairs(first)),
    )
    second = plan_week(following_week)
    users = [member.user_id for member in plan.members]
    for result in (first, second):
        counts = times_suggested(result)
        spread = [counts.get(user, 0) for user in users]
        assert max(spread) - min(spread) <= 1, spread


@FAST
@given(teams())
def test_last_weeks_pairs_repeat_only_when_a_member_has_too_few_other_teammates(
    plan: PlanInput,
) -> None:
    result = plan_week(plan)
    for user, picks in result.picks.items():
        fresh = {other for other in teammates(plan, user) if (user, other) not in plan.last_week}
        repeats = [pick for pick in picks if (user, pick.user_id) in plan.last_week]
        assert all(pick.repeated for pick in repeats)
        assert len(repeats) <= max(0, len(picks) - len(fresh))


@FAST
@given(teams(common="mastodon", min_size=7))
def test_a_team_of_seven_or_more_never_repeats_last_weeks_pairs(plan: PlanInput) -> None:
    previous = plan_week(replace(plan, week="2026-W10", last_week=frozenset()))
    pairs = frozenset((user, other) for user, other, _ in picked_pairs(previous))
    result = plan_week(replace(plan, week="2026-W11", last_week=pairs))
    assert not [p for p in picked_pairs(result) if (p[0], p[1]) in pairs]


@FAST
@given(teams())
def test_the_same_team_and_week_always_give_the_same_plan(plan: PlanInput) -> None:
    shuffled = replace(plan, members=tuple(reversed(plan.members)))
    assert plan_week(plan) == plan_week(plan) == plan_week(shuffled)


@FAST
@given(st.integers(5, 12), st.sampled_from(WEEKS[:-1]))
def test_with_nothing_to_prefer_the_lists_still_change_from_week_to_week(
    size: int, week: str
) -> None:
    members = tuple(Candidate(user, (Account("bluesky", f"{user}.bsky.social", True),))
                    for user in NAMES[:size])
    plans = [plan_week(PlanInput("slack:T1", f"2026-W{number:02d}", members))
             for number in (int(week[-2:]), int(week[-2:]) + 1, int(week[-2:]) + 2)]
    assert len({tuple(picked_pairs(plan)) for plan in plans}) > 1


def _big_team(size: int) -> PlanInput:
    """Most members on Bluesky, a fifth on Mastodon only, a third also on GitHub."""
    members = tuple(
        Candidate(f"u{index:04d}", (
            Account("bluesky" if index % 5 else "mastodon", f"h{index}", True),
            *((Account("github", f"g{index}", True),) if index % 3 == 0 else ()),
        ))
        for index in range(size)
    )
    return PlanInput(team_id="big", week="2026-W48", members=members)


def test_a_big_team_is_planned_in_blocks_that_cover_everyone_once() -> None:
    plan = _big_team(1000)
    accounts = eligible_accounts(plan.members, True)
    order = sorted(accounts)
    blocks = planning_blocks(order, accounts)
    assert sorted(user for block in blocks for user in block) == order
    assert all(PLAN_BLOCK // 2 <= len(block) <= PLAN_BLOCK * 3 // 2 for block in blocks)
    assert planning_blocks(order[:SINGLE_PLAN_MEMBERS], accounts) == \
        [order[:SINGLE_PLAN_MEMBERS]], "a smaller team is planned as one"


def test_in_a_big_team_everyone_still_gets_three_and_is_suggested_three_times() -> None:
    plan = plan_week(_big_team(1000))
    assert {user: len(picks) for user, picks in plan.picks.items()} == {
        f"u{index:04d}": PER_MEMBER for index in range(1000)}
    times = Counter(pick.user_id for picks in plan.picks.values() for pick in picks)
    assert set(times.values()) == {PER_MEMBER}
    accounts = eligible_accounts(_big_team(1000).members, True)
    for user, picks in plan.picks.items():
        for pick in picks:
            assert pick.user_id != user and pick.network in accounts[user] \
                and pick.network in accounts[pick.user_id]
