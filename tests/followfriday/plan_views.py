"""Views of a week's plan that only the tests need."""

from __future__ import annotations

from collections import Counter

from chatbot.followfriday.planner import Plan


def picked_pairs(plan: Plan) -> list[tuple[str, str, str]]:
    """(member, suggested member, network) for every pick, members in order."""
    return [(user, pick.user_id, pick.network) for user in sorted(plan.picks)
            for pick in plan.picks[user]]


def times_suggested(plan: Plan) -> Counter[str]:
    """How often each member is suggested across the whole week's plan."""
    return Counter(pick.user_id for picks in plan.picks.values() for pick in picks)
