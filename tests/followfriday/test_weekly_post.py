"""What the weekly post and `/klout followfriday` show, and that they agree."""

from __future__ import annotations

import re

from chatbot.followfriday.schedule import KIND
from chatbot.influence.leaderboards import Leaderboards
from chatbot.platforms.console import ConsoleSession
from chatbot.storage import Storage
from chatbot.values.outcomes import MemberSuggestions
from chatbot.values.reply import Reply, Visibility
from commands.context import Services
from commands.endorse import LIMITS
from commands.registry import Dispatcher
from tests.followfriday.support import (
    TEAM,
    Deliveries,
    FakeNetwork,
    add_member,
    at,
    make_service,
    make_team,
)
from tests.support.fakes import FakeEngine, FrozenClock, seed_scores

FRIDAY = at("2026-11-27 10:00")
TUESDAY = at("2026-11-24 12:00")
WEEK = "2026-W48"


def everything(reply: Reply) -> str:
    return "\n".join([reply.title, reply.text, reply.footer,
                      *(f"{field.label}\n{field.value}" for field in reply.fields)])


def field_of(reply: Reply, name: str) -> str:
    matches = [field.value for field in reply.fields if field.label == name]
    assert len(matches) == 1, f"{name} should have exactly one section"
    return matches[0]


async def tricky_team(storage: Storage) -> None:
    await make_team(storage, members=0)
    await add_member(storage, "U1", "@everyone", {"mastodon": "ann@social.example",
                                                  "bluesky": "ann.bsky.social"})
    await add_member(storage, "U2", "<!channel>", {"mastodon": "ben@other.example"})
    await add_member(storage, "U3", "Cleo\nMaría", {"bluesky": "cleo.bsky.social",
                                                    "github": "cleo"})
    await add_member(storage, "U4", "<@U1> Dan", {"github": "dan-gh"})


async def test_the_post_names_people_in_plain_text_and_pings_nobody(storage: Storage) -> None:
    await tricky_team(storage)
    reply = await make_service(storage, FrozenClock()).weekly_post(TEAM, FRIDAY)
    assert reply.visibility is Visibility.CHANNEL
    labels = {field.label for field in reply.fields}
    assert labels == {"@everyone", "<!channel>", "Cleo María", "<@U1> Dan"}
    text = everything(reply)
    # The only mention-looking text is what members typed as their names.
    assert text.count("<@") == text.count("<@U1> Dan")
    assert text.count("<!") == text.count("<!channel>")
    assert "<#" not in text and "@here" not in text
    assert "\n→ @everyone:" in "\n" + field_of(reply, "<!channel>")


async def test_each_member_gets_a_followfriday_line_per_network_with_its_handle_syntax(
    storage: Storage,
) -> None:
    await tricky_team(storage)
    reply = await make_service(storage, FrozenClock()).weekly_post(TEAM, FRIDAY)
    ann = field_of(reply, "@everyone")
    assert "Mastodon: #FollowFriday @ben@other.example" in ann
    assert "Bluesky: #FollowFriday @cleo.bsky.social" in ann
    ben = field_of(reply, "<!channel>")
    assert re.search(r"^Mastodon: #FollowFriday @ann@social\.example$", ben, re.M)
    assert "Bluesky:" not in ben, "Ben has no Bluesky account to post from"
    cleo = field_of(reply, "Cleo María")
    assert "Bluesky: #FollowFriday @ann.bsky.social" in cleo
    assert "→ <@U1> Dan: GitHub @dan-gh" in cleo
    assert "GitHub: #FollowFriday" not in cleo, "nobody posts #FollowFriday on GitHub"


async def test_a_preview_on_tuesday_is_what_fridays_post_shows_even_if_scores_moved(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, members=6)
    clock = FrozenClock(TUESDAY)
    service = make_service(storage, clock)
    previews = {user: await service.preview(TEAM, user, TUESDAY)
                for user in ("alice", "bob", "carol", "dave", "erin", "frank")}
    await seed_scores(storage, TEAM, "erin", "Erin", [20, 25, 30, 45, 60],
                      last_day=FRIDAY.date(), networks={"bluesky": 60.0})
    assert await service.run_due(deliveries, FRIDAY) == [TEAM]
    posted = deliveries.sent[0][2]
    for user, preview in previews.items():
        section = field_of(posted, user.capitalize())
        assert len(preview.suggestions) == 3
        for suggestion in preview.suggestions:
            assert f"→ {suggestion.display_name}: Bluesky {suggestion.handle}" in section
        assert f"Bluesky: {preview.copy_lines['bluesky']}" in section
        assert await service.preview(TEAM, user, FRIDAY) == preview


async def test_a_member_who_registers_before_the_post_is_in_it_and_the_posted_plan_stays(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, members=4)
    service = make_service(storage, FrozenClock())
    await service.preview(TEAM, "alice", TUESDAY)
    await add_member(storage, "zoe", "Zoe", {"bluesky": "zoe.bsky.social"}, now=TUESDAY)
    await service.run_due(deliveries, FRIDAY)
    posted = deliveries.sent[0][2]
    assert "Zoe" in {field.label for field in posted.fields}
    assert "@zoe.bsky.social" in everything(posted)
    after = await service.preview(TEAM, "zoe", FRIDAY)
    await add_member(storage, "yan", "Yan", {"bluesky": "yan.bsky.social"}, now=FRIDAY)
    assert await service.preview(TEAM, "zoe", at("2026-11-27 11:00")) == after
    assert (await service.preview(TEAM, "yan", at("2026-11-27 11:00"))).suggestions == ()


async def test_a_member_who_ran_forget_disappears_from_previews_and_the_post(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, members=4)
    service = make_service(storage, FrozenClock())
    before = await service.preview(TEAM, "alice", TUESDAY)
    assert "bob" in {s.user_id for s in before.suggestions}
    await storage.privacy.forget(TEAM, "bob")
    after = await service.preview(TEAM, "alice", TUESDAY)
    assert "bob" not in {s.user_id for s in after.suggestions}
    await service.run_due(deliveries, FRIDAY)
    posted = everything(deliveries.sent[0][2])
    assert "Bob" not in posted and "bob.bsky.social" not in posted


async def test_unverified_accounts_stay_out_when_the_team_counts_only_verified_ones(
    storage: Storage,
) -> None:
    await make_team(storage, members=3)
    await add_member(storage, "mallory", "Mallory", {"bluesky": "mallory.bsky.social"},
                     verified=False)
    await storage.teams.update(TEAM, count_unverified=False)
    reply = await make_service(storage, FrozenClock()).weekly_post(TEAM, FRIDAY)
    assert "mallory" not in everything(reply).casefold()
    await storage.teams.update(TEAM, count_unverified=True)
    relaxed = await make_service(storage, FrozenClock()).weekly_post(TEAM, FRIDAY)
    assert "@mallory.bsky.social" in everything(relaxed)


async def test_who_follows_whom_is_read_from_the_network_and_explained(
    storage: Storage,
) -> None:
    await make_team(storage, members=4)
    handles = {u: f"{u}.bsky.social" for u in ("alice", "bob", "carol", "dave")}
    everyone = frozenset(handles.values())
    bluesky = FakeNetwork("bluesky", following={h: everyone - {h} for h in everyone})
    bluesky.following["alice.bsky.social"] = frozenset({"bob.bsky.social"})
    bluesky.following["carol.bsky.social"] = frozenset({"bob.bsky.social"})
    service = make_service(storage, FrozenClock(), {"bluesky": bluesky})
    part = await service.preview(TEAM, "alice", TUESDAY)
    reasons = {s.user_id: tuple(str(r) for r in s.reasons) for s in part.suggestions}
    assert reasons["carol"][0] == "you don't follow each other yet"
    assert reasons["dave"][0] == "you don't follow them there yet"
    assert reasons["bob"][0] == "you already follow them: share a post of theirs"
    assert part.suggestions[0].user_id == "carol", "the best match comes first"
    assert {p.handle for p in bluesky.asked} == everyone
    assert {p.account_id for p in bluesky.asked} == {f"id-{h}" for h in everyone}


async def test_a_network_that_fails_or_hangs_only_makes_follows_unknown(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, members=3)
    bluesky = FakeNetwork("bluesky", fail={"alice.bsky.social"}, hang={"bob.bsky.social"},
                          refuse={"carol.bsky.social"})
    service = make_service(storage, FrozenClock(), {"bluesky": bluesky})
    assert await service.run_due(deliveries, FRIDAY) == [TEAM]
    assert len(field_of(deliveries.sent[0][2], "Alice").splitlines()) == 3
    part = await service.preview(TEAM, "alice", FRIDAY)
    assert [s.reasons for s in part.suggestions] == [(), ()], "no claim about unknown follows"


async def test_reasons_mention_shared_topics_and_rising_scores(storage: Storage) -> None:
    await make_team(storage, members=3)
    await storage.endorsements.give(TEAM, ("carol", ""), ("alice", ""), "Python", TUESDAY,
                                     LIMITS)
    await storage.endorsements.give(TEAM, ("alice", ""), ("bob", ""), "python", TUESDAY,
                                     LIMITS)
    await seed_scores(storage, TEAM, "bob", "Bob", [30, 31, 33, 35, 36, 38, 40, 42],
                      last_day=TUESDAY.date())
    part = await make_service(storage, FrozenClock()).preview(TEAM, "alice", TUESDAY)
    bob = next(s for s in part.suggestions if s.user_id == "bob")
    assert tuple(str(r) for r in bob.reasons) == ("you share python", "rising: +12 this week")


async def test_slash_followfriday_shows_the_callers_part_from_the_real_planner(
    storage: Storage,
) -> None:
    clock = FrozenClock(TUESDAY)
    await make_team(storage, members=3)
    service = make_service(storage, clock)
    dispatcher = Dispatcher(Services(storage=storage, engine=FakeEngine(), followfriday=service,
                                     clock=clock, boards=Leaderboards(storage)))
    reply = await ConsoleSession(dispatcher, user="alice", team="acme").handle("followfriday")
    expected: MemberSuggestions = await service.preview(TEAM, "alice", TUESDAY)
    shown = "\n".join(f"{f.label} {f.value}" for f in reply.fields)
    for suggestion in expected.suggestions:
        assert suggestion.handle in shown
    assert expected.copy_lines["bluesky"] in shown


async def test_a_week_with_nobody_to_suggest_says_so(storage: Storage) -> None:
    await make_team(storage, members=1)
    service = make_service(storage, FrozenClock())
    reply = await service.weekly_post(TEAM, FRIDAY)
    assert reply.fields == () and "Nobody to suggest" in reply.text
    assert await storage.schedule.get(TEAM, KIND, WEEK) is None


async def test_next_week_avoids_this_weeks_pairs_and_old_plans_are_not_kept(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, members=8)
    service = make_service(storage, FrozenClock())
    await service.run_due(deliveries, at("2026-11-20 10:00"))
    await service.run_due(deliveries, at("2026-11-27 10:00"))
    week47 = await storage.schedule.plan(TEAM, "2026-W47")
    week48 = await storage.schedule.plan(TEAM, "2026-W48")
    assert week47 is not None and week48 is not None
    earlier = {(s.user_id, s.suggested_id) for s in week47.suggestions}
    assert not earlier & {(s.user_id, s.suggested_id) for s in week48.suggestions}
    await service.run_due(deliveries, at("2026-12-04 10:00"))
    assert await storage.schedule.plan(TEAM, "2026-W47") is None
    assert await storage.schedule.plan(TEAM, "2026-W48") is not None
    assert len(deliveries.sent) == 3
