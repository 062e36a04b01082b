"""What the planner prefers, on small teams where the right answer is clear."""

from __future__ import annotations

from chatbot.followfriday.planner import Account, Candidate, PlanInput, plan_week
from tests.followfriday.plan_views import picked_pairs, times_suggested

USERS = ("alice", "bob", "carol", "dave", "erin")


def on_bluesky(*users: str, verified: bool = True) -> tuple[Candidate, ...]:
    return tuple(Candidate(u, (Account("bluesky", f"{u}.bsky.social", verified),))
                 for u in users)


def test_pairs_who_do_not_follow_each_other_yet_are_suggested_to_each_other() -> None:
    everyone = frozenset(USERS)
    follows = {"bluesky": {u: everyone - {u} for u in USERS}}
    follows["bluesky"]["alice"] = everyone - {"alice", "erin"}
    follows["bluesky"]["erin"] = everyone - {"alice", "erin"}
    plan = plan_week(PlanInput("slack:T1", "2026-W48", on_bluesky(*USERS), follows=follows,
                               per_member=1))
    assert plan.picks["alice"][0].user_id == "erin"
    assert plan.picks["erin"][0].user_id == "alice"
    assert plan.picks["alice"][0].follows_them is False
    assert plan.picks["alice"][0].followed_back is False


def test_teammates_endorsed_for_the_same_topic_are_matched() -> None:
    topics = {"alice": frozenset({"python"}), "carol": frozenset({"python", "rust"})}
    plan = plan_week(PlanInput("slack:T1", "2026-W48", on_bluesky(*USERS[:4]), topics=topics,
                               per_member=1))
    assert plan.picks["alice"][0].user_id == "carol"
    assert plan.picks["carol"][0].user_id == "alice"
    assert plan.picks["alice"][0].shared_topics == ("python",)


def test_a_rising_teammate_comes_first_in_each_list() -> None:
    plan = plan_week(PlanInput("slack:T1", "2026-W48", on_bluesky(*USERS[:4]),
                               gains={"dave": 8.0, "bob": -2.0}))
    for user in ("alice", "bob", "carol"):
        assert plan.picks[user][0].user_id == "dave"
        assert plan.picks[user][0].gain == 8.0


def test_a_team_of_two_suggests_the_same_pair_again_because_nobody_else_is_there() -> None:
    members = on_bluesky("alice", "bob")
    plan = plan_week(PlanInput("slack:T1", "2026-W48", members,
                               last_week=frozenset({("alice", "bob"), ("bob", "alice")})))
    assert [p.user_id for p in plan.picks["alice"]] == ["bob"]
    assert plan.picks["alice"][0].repeated


def test_members_without_a_shared_network_are_neither_given_nor_suggested_anyone() -> None:
    members = (
        *on_bluesky("alice", "bob"),
        Candidate("carol", (Account("github", "carol", True),)),
    )
    plan = plan_week(PlanInput("slack:T1", "2026-W48", members))
    assert set(plan.picks) == {"alice", "bob"}
    assert "carol" not in times_suggested(plan)


def test_a_member_with_only_unverified_accounts_is_left_out_when_only_verified_count() -> None:
    members = (*on_bluesky("alice", "bob"), *on_bluesky("carol", verified=False))
    strict = plan_week(PlanInput("slack:T1", "2026-W48", members, count_unverified=False))
    assert set(strict.picks) == {"alice", "bob"}
    assert "carol" not in times_suggested(strict)
    lenient = plan_week(PlanInput("slack:T1", "2026-W48", members, count_unverified=True))
    assert set(lenient.picks) == {"alice", "bob", "carol"}


def test_a_pair_on_two_networks_is_suggested_where_they_do_not_follow_each_other_yet() -> None:
    def both(user: str) -> Candidate:
        return Candidate(user, (Account("bluesky", f"{user}.bsky.social", True),
                                Account("mastodon", f"{user}@social.example", True)))

    follows: dict[str, dict[str, frozenset[str]]] = {
        "mastodon": {"alice": frozenset({"bob"}), "bob": frozenset({"alice"})},
        "bluesky": {"alice": frozenset(), "bob": frozenset()},
    }
    plan = plan_week(PlanInput("slack:T1", "2026-W48", (both("alice"), both("bob")),
                               follows=follows))
    assert plan.picks["alice"][0].network == "bluesky"


def test_a_large_team_is_planned_fairly_and_without_repeats() -> None:
    members = on_bluesky(*(f"member{i:03d}" for i in range(60)))
    first = plan_week(PlanInput("slack:T1", "2026-W47", members))
    last_week = frozenset((user, other) for user, other, _ in picked_pairs(first))
    second = plan_week(PlanInput("slack:T1", "2026-W48", members, last_week=last_week))
    counts = times_suggested(second)
    assert len(counts) == 60 and max(counts.values()) - min(counts.values()) <= 1
    assert all(len(picks) == 3 for picks in second.picks.values())
    assert not any((user, other) in last_week for user, other, _ in picked_pairs(second))
