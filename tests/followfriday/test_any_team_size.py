"""Every member gets their own weekly suggestions, whatever the team's size: the post is a
summary past a few members, and its button answers each member with their own part of
the week it was posted for, as long as that week is kept."""

from __future__ import annotations

from chatbot.followfriday.post import (
    FULL_LIST_MEMBERS,
    WeekTheme,
    member_reply,
    reason_text,
    week_theme,
    weekly_reply,
)
from chatbot.i18n import load_catalogs
from chatbot.i18n.catalogs import read_catalog
from chatbot.storage import Storage
from chatbot.storage.schedule import PlannedSuggestion
from chatbot.values.outcomes import MemberSuggestions, Suggestion, WeekState
from chatbot.values.reply import Reply, Visibility
from commands.endorse import LIMITS
from tests.followfriday.support import (
    TEAM,
    Deliveries,
    add_members,
    at,
    make_service,
    make_team,
)
from tests.support.fakes import FrozenClock, seed_scores

FRIDAY = at("2026-11-27 10:00")
WEEK = "2026-W48"


def everything(reply: Reply) -> str:
    return "\n".join([reply.title, reply.text, reply.footer,
                      *(f"{field.label}\n{field.value}" for field in reply.fields),
                      *(button.label for button in reply.buttons)])


def english_sentences() -> list[str]:
    """Every catalogued English sentence of three words or more whose German differs."""
    return [message.id for message in read_catalog("de")
            if isinstance(message.id, str) and len(message.id.split()) >= 3
            and message.string and message.string != message.id]


async def big_team(storage: Storage, members: int = 40) -> list[str]:
    await make_team(storage, members=0)
    ids = await add_members(storage, members)
    await storage.endorsements.give(TEAM, (ids[0], ""), (ids[1], ""), "Python", FRIDAY, LIMITS)
    await storage.endorsements.give(TEAM, (ids[1], ""), (ids[0], ""), "python", FRIDAY, LIMITS)
    await seed_scores(storage, TEAM, ids[5], "Member 6", [30, 32, 35, 38, 40, 42, 44, 47],
                      last_day=FRIDAY.date())
    await seed_scores(storage, TEAM, ids[7], "Member 8", [30, 30, 31, 31, 32, 33, 33, 34],
                      last_day=FRIDAY.date())
    return ids


async def test_a_big_teams_post_is_a_summary_with_one_button_for_everyone(
    storage: Storage, deliveries: Deliveries,
) -> None:
    ids = await big_team(storage)
    service = make_service(storage, FrozenClock())
    assert await service.run_due(deliveries, FRIDAY) == [TEAM]
    (_, _, post), = deliveries.sent
    assert post.visibility is Visibility.CHANNEL
    plan = await storage.schedule.plan(TEAM, WEEK)
    assert plan is not None
    assert f"{len(plan.suggestions)} suggestions this week, for 40 members." in post.text
    assert {field.label for field in post.fields} == {"Rising this week", "Shared topics"}
    rising = next(f.value for f in post.fields if f.label == "Rising this week")
    assert rising.splitlines() == ["Member 6 +17", "Member 8 +4"]
    (button,) = post.buttons
    assert (button.label, button.command) == ("My #FollowFriday", f"followfriday week {WEEK}")
    for user_id in ids:
        week = await service.member_week(TEAM, user_id, WEEK, FRIDAY)
        assert week.state is WeekState.CURRENT and week.part is not None
        mine = [s for s in plan.suggestions if s.user_id == user_id]
        assert [s.user_id for s in week.part.suggestions] == [s.suggested_id for s in mine]
        assert week.part.suggestions, f"{user_id} has suggestions"
        handles = " ".join(s.handle for s in week.part.suggestions)
        assert week.part.copy_lines == {"bluesky": f"#FollowFriday {handles}"}


def test_the_theme_names_the_most_shared_topics_and_the_biggest_risers() -> None:
    planned = [PlannedSuggestion("a", "b", "bluesky", ("share:python\tgo",)),
               PlannedSuggestion("a", "c", "bluesky", ("not_mutual", "share:python")),
               PlannedSuggestion("c", "d", "bluesky", ("rising:5",))]
    names = {"a": "Ann", "b": "Ben", "c": "Cleo", "d": "Dan", "e": "Eve"}
    theme = week_theme(planned, {"a": 0.5, "b": 9.0, "d": 12.0, "e": 3.0, "gone": 99.0},
                       names)
    assert theme == WeekTheme(pairs=3, members=2, rising=(("Dan", 12.0), ("Ben", 9.0),
                                                          ("Eve", 3.0)),
                              topics=("python", "go"))


async def test_a_small_team_keeps_everyones_list_and_gets_the_button_too(
    storage: Storage,
) -> None:
    await make_team(storage, members=0)
    await add_members(storage, FULL_LIST_MEMBERS)
    post = await make_service(storage, FrozenClock()).weekly_post(TEAM, FRIDAY)
    assert len(post.fields) == FULL_LIST_MEMBERS
    assert all("#FollowFriday @" in field.value for field in post.fields)
    assert [b.command for b in post.buttons] == [f"followfriday week {WEEK}"]


async def test_one_more_member_turns_the_list_into_the_summary(storage: Storage) -> None:
    await make_team(storage, members=0)
    await add_members(storage, FULL_LIST_MEMBERS + 1)
    post = await make_service(storage, FrozenClock()).weekly_post(TEAM, FRIDAY)
    assert post.fields == () or all(f.label in ("Rising this week", "Shared topics")
                                    for f in post.fields)
    assert f"for {FULL_LIST_MEMBERS + 1} members" in post.text


async def test_last_weeks_button_answers_with_last_weeks_plan_and_older_ones_expire(
    storage: Storage, deliveries: Deliveries,
) -> None:
    ids = await big_team(storage, members=20)
    service = make_service(storage, FrozenClock())
    await service.run_due(deliveries, FRIDAY)
    as_posted = await service.member_week(TEAM, ids[3], WEEK, FRIDAY)
    next_friday = at("2026-12-04 10:00")
    await service.run_due(deliveries, next_friday)
    last_week = await service.member_week(TEAM, ids[3], WEEK, next_friday)
    assert last_week.state is WeekState.PAST
    assert last_week.part == as_posted.part
    this_week = await service.member_week(TEAM, ids[3], "2026-W49", next_friday)
    assert this_week.state is WeekState.CURRENT and this_week.part != as_posted.part
    later = at("2026-12-11 10:00")
    await service.run_due(deliveries, later)
    expired = await service.member_week(TEAM, ids[3], WEEK, later)
    assert (expired.state, expired.part) == (WeekState.EXPIRED, None)
    future = await service.member_week(TEAM, ids[3], "2026-W52", later)
    assert future.state is WeekState.NOT_YET


async def test_a_german_team_reads_the_summary_in_german(storage: Storage) -> None:
    await big_team(storage, members=20)
    await storage.teams.update(TEAM, language="de")
    post = await make_service(storage, FrozenClock()).weekly_post(TEAM, FRIDAY)
    text = everything(post)
    assert "Vorschläge diese Woche, für 20 Mitglieder." in post.text
    assert "Drück auf „Meine #FollowFriday-Tipps“, um deine zu sehen" in post.text
    assert [b.label for b in post.buttons] == ["Meine #FollowFriday-Tipps"]
    assert "Diese Woche im Aufwind" in text
    for sentence in english_sentences():
        assert sentence not in text, sentence


def _parts(count: int) -> list[MemberSuggestions]:
    return [MemberSuggestions(f"U{i}", (Suggestion(f"V{i}", f"Member {i}", "bluesky",
                                                   f"@m{i}.bsky.social", ()),),
                              {"bluesky": f"#FollowFriday @m{i}.bsky.social"})
            for i in range(count)]


def test_german_numbers_and_plurals_in_the_summary() -> None:
    tr = load_catalogs().translator("de")
    parts = _parts(FULL_LIST_MEMBERS + 1)
    names = {p.user_id: p.user_id for p in parts}
    one = weekly_reply(tr, WEEK, parts, names, WeekTheme(1, 1, (("Ana", 1234.0),), ()))
    assert "1 Vorschlag diese Woche, für 1 Mitglied." in one.text
    many = weekly_reply(tr, WEEK, parts, names, WeekTheme(1234, 5, (), ("python",)))
    assert "1.234 Vorschläge diese Woche, für 5 Mitglieder." in many.text
    assert one.fields[0].value == "Ana +1.234"


def test_a_members_answer_in_german_translates_the_reasons() -> None:
    tr = load_catalogs().translator("de")
    part = MemberSuggestions("U1", (Suggestion("U2", "Bea", "bluesky", "@bea.bsky.social", ()),),
                             {"bluesky": "#FollowFriday @bea.bsky.social"})
    reasons = tuple(reason_text(code) for code in ("not_mutual", "share:python\tgo",
                                                    "rising:12"))
    part = MemberSuggestions("U1", (Suggestion("U2", "Bea", "bluesky", "@bea.bsky.social",
                                               reasons),), part.copy_lines)
    reply = member_reply(tr, part, WEEK, current=True)
    text = everything(reply)
    assert reply.title == "Deine #FollowFriday-Tipps diese Woche"
    assert "Bea auf Bluesky" in text
    assert ("@bea.bsky.social · ihr folgt euch noch nicht · gemeinsame Stärken: python, go · "
            "im Aufwind: +12 diese Woche") in text
    assert "Fertig zum Posten auf Bluesky" in text
    for sentence in english_sentences():
        assert sentence not in text, sentence
    past = member_reply(tr, part, WEEK, current=False)
    assert past.title == "Deine #FollowFriday-Tipps für 2026-W48"
