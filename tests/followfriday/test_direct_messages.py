"""Members who ask for it get their #FollowFriday by direct message once the week's post
went out: once each, at the platform's pace, never twice, and not at all when they left
or blocked the bot."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import timedelta

import pytest

from chatbot.influence.leaderboards import Leaderboards
from chatbot.platforms.console import ConsoleSession
from chatbot.storage import Storage
from chatbot.values.reply import Tone
from commands.context import Services
from commands.registry import Dispatcher
from tests.followfriday.support import (
    TEAM,
    Deliveries,
    FakeDirect,
    add_members,
    at,
    make_service,
    make_team,
)
from tests.support.fakes import FakeEngine, FrozenClock

FRIDAY = at("2026-11-27 10:00")
WEEK = "2026-W48"


async def team_with_dms(storage: Storage, members: int, opted_in: list[int]) -> list[str]:
    await make_team(storage, members=0)
    ids = await add_members(storage, members)
    for index in opted_in:
        await storage.followfriday_dms.set_opt_in(TEAM, ids[index], True, FRIDAY)
    return ids


async def test_opted_in_members_get_one_message_each_after_the_post_and_others_none(
    storage: Storage, deliveries: Deliveries,
) -> None:
    ids = await team_with_dms(storage, 8, opted_in=[0, 3, 5])
    clock = FrozenClock(FRIDAY)
    service = make_service(storage, clock)
    direct = FakeDirect(clock)
    assert await service.send_due_dms(direct, at("2026-11-27 09:59")) == 0, \
        "nothing before the post"
    await service.run_due(deliveries, FRIDAY)
    assert await service.send_due_dms(direct, FRIDAY) == 3
    assert await service.send_due_dms(direct, at("2026-11-27 10:01")) == 0
    assert await service.send_due_dms(direct, at("2026-11-28 10:00")) == 0
    assert sorted(m.user_id for m in direct.sent) == [ids[0], ids[3], ids[5]]
    for message in direct.sent:
        week = await service.member_week(TEAM, message.user_id, WEEK, FRIDAY)
        assert week.part is not None
        shown = "\n".join(f"{f.label} {f.value}" for f in message.reply.fields)
        assert week.part.copy_lines["bluesky"] in shown
        assert message.reply.title == "Your #FollowFriday this week"
        assert "/klout followfriday dm off" in message.reply.footer


async def test_a_member_who_turned_it_off_gets_nothing(
    storage: Storage, deliveries: Deliveries,
) -> None:
    ids = await team_with_dms(storage, 4, opted_in=[0, 1])
    await storage.followfriday_dms.set_opt_in(TEAM, ids[1], False, FRIDAY)
    clock = FrozenClock(FRIDAY)
    service = make_service(storage, clock)
    direct = FakeDirect(clock)
    await service.run_due(deliveries, FRIDAY)
    await service.send_due_dms(direct, FRIDAY)
    assert [m.user_id for m in direct.sent] == [ids[0]]


async def test_members_who_left_or_blocked_the_bot_are_skipped_and_logged(
    storage: Storage, deliveries: Deliveries, caplog: pytest.LogCaptureFixture,
) -> None:
    ids = await team_with_dms(storage, 4, opted_in=[0, 1, 2])
    clock = FrozenClock(FRIDAY)
    service = make_service(storage, clock)
    direct = FakeDirect(clock, gone={ids[1]: "the member left the server"})
    await service.run_due(deliveries, FRIDAY)
    with caplog.at_level(logging.INFO, logger="chatbot.followfriday.service"):
        assert await service.send_due_dms(direct, FRIDAY) == 2
    assert f"followfriday DM to {ids[1]} in {TEAM} ({WEEK}) skipped: the member left the " \
           "server" in caplog.text
    direct.gone.clear()
    assert await service.send_due_dms(direct, at("2026-11-27 12:00")) == 0, "not retried"
    records = await storage.followfriday_dms.records(TEAM, WEEK)
    assert records[ids[1]].status == "skipped"


async def test_a_refused_message_is_retried_after_a_back_off_and_a_lost_one_never(
    storage: Storage, deliveries: Deliveries,
) -> None:
    ids = await team_with_dms(storage, 4, opted_in=[0, 1])
    clock = FrozenClock(FRIDAY)
    service = make_service(storage, clock)
    direct = FakeDirect(clock, refuse={ids[0]: 1}, unsure={ids[1]})
    await service.run_due(deliveries, FRIDAY)
    assert await service.send_due_dms(direct, FRIDAY) == 0
    assert await service.send_due_dms(direct, at("2026-11-27 10:01")) == 0, "backing off"
    assert await service.send_due_dms(direct, at("2026-11-27 10:02")) == 1
    assert [m.user_id for m in direct.sent] == [ids[0]]
    direct.unsure.clear()
    assert await service.send_due_dms(direct, at("2026-11-27 12:00")) == 0
    records = await storage.followfriday_dms.records(TEAM, WEEK)
    assert (records[ids[0]].status, records[ids[0]].attempts) == ("sent", 2)
    assert records[ids[1]].status == "unknown", "it may have arrived: never sent twice"


async def test_two_replicas_send_each_message_once_at_the_platforms_pace(
    storage: Storage, deliveries: Deliveries,
) -> None:
    ids = await team_with_dms(storage, 12, opted_in=list(range(12)))
    clock = FrozenClock(FRIDAY)
    first = make_service(storage, clock, worker="replica-1")
    second = make_service(storage, clock, worker="replica-2")
    direct = FakeDirect(clock, per_second=2)
    await first.run_due(deliveries, FRIDAY)
    sent = await asyncio.gather(first.send_due_dms(direct, FRIDAY),
                                second.send_due_dms(direct, FRIDAY))
    assert sum(sent) == 12
    assert Counter(m.user_id for m in direct.sent) == Counter(ids)
    per_second = Counter(m.at.replace(microsecond=0) for m in direct.sent)
    assert max(per_second.values()) <= 2
    assert clock.now() - FRIDAY >= timedelta(seconds=5), "12 messages at 2 a second"


async def test_a_big_team_is_sent_in_batches_a_minute_apart(
    storage: Storage, deliveries: Deliveries,
) -> None:
    await team_with_dms(storage, 5, opted_in=[0, 1, 2, 3, 4])
    clock = FrozenClock(FRIDAY)
    service = make_service(storage, clock, dm_batch=2)
    direct = FakeDirect(clock, per_second=100)
    await service.run_due(deliveries, FRIDAY)
    assert [await service.send_due_dms(direct, at(f"2026-11-27 10:0{m}")) for m in range(4)] \
        == [2, 2, 1, 0]


async def test_the_message_is_in_the_members_language(
    storage: Storage, deliveries: Deliveries,
) -> None:
    ids = await team_with_dms(storage, 4, opted_in=[0, 1])
    await storage.members.set_language(TEAM, ids[0], "de", FRIDAY)
    clock = FrozenClock(FRIDAY)
    service = make_service(storage, clock)
    direct = FakeDirect(clock)
    await service.run_due(deliveries, FRIDAY)
    await service.send_due_dms(direct, FRIDAY)
    (german,) = direct.to(ids[0])
    (english,) = direct.to(ids[1])
    assert german.reply.title == "Deine #FollowFriday-Tipps diese Woche"
    assert "/klout followfriday dm off stellt sie ab" in german.reply.footer
    assert english.reply.title == "Your #FollowFriday this week"


async def test_a_german_team_writes_to_members_without_a_language_in_german(
    storage: Storage, deliveries: Deliveries,
) -> None:
    ids = await team_with_dms(storage, 4, opted_in=[0])
    await storage.teams.update(TEAM, language="de")
    clock = FrozenClock(FRIDAY)
    service = make_service(storage, clock)
    direct = FakeDirect(clock)
    await service.run_due(deliveries, FRIDAY)
    await service.send_due_dms(direct, FRIDAY)
    (message,) = direct.to(ids[0])
    assert message.reply.title == "Deine #FollowFriday-Tipps diese Woche"


async def test_followfriday_dm_on_and_off_from_the_command(storage: Storage) -> None:
    await make_team(storage, members=2)
    clock = FrozenClock(FRIDAY)
    dispatcher = Dispatcher(Services(storage=storage, engine=FakeEngine(),
                                     followfriday=make_service(storage, clock), clock=clock,
                                     boards=Leaderboards(storage)))
    session = ConsoleSession(dispatcher, user="alice", team="acme")
    on = await session.handle("followfriday dm on")
    assert on.tone is Tone.SUCCESS and "by direct message" in on.text
    assert [r.user_id for r in await storage.followfriday_dms.opted_in(TEAM)] == ["alice"]
    off = await session.handle("followfriday dm off")
    assert off.tone is Tone.SUCCESS and "No more #FollowFriday direct messages" in off.text
    assert await storage.followfriday_dms.opted_in(TEAM) == []


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(storage: Storage) -> None:
    await make_team(storage, members=2)
    await storage.followfriday_dms.set_opt_in(TEAM, "alice", True, FRIDAY)
    clock = FrozenClock(FRIDAY)
    dispatcher = Dispatcher(Services(storage=storage, engine=FakeEngine(),
                                     followfriday=make_service(storage, clock), clock=clock,
                                     boards=Leaderboards(storage)))
    session = ConsoleSession(dispatcher, user="alice", team="acme")
    maybe = await session.handle("followfriday dm maybe")
    assert maybe.tone is Tone.ERROR and "on" in maybe.text and "off" in maybe.text
    week = await session.handle("followfriday week 2026-W60")
    assert week.tone is Tone.ERROR and "write it as 2026-W48" in week.text
    both = await session.handle("followfriday week 2026-W48 dm off")
    assert both.tone is Tone.ERROR and "not both" in both.text
    assert [r.user_id for r in await storage.followfriday_dms.opted_in(TEAM)] == ["alice"]


async def test_the_button_command_answers_for_a_past_week_or_says_it_expired(
    storage: Storage, deliveries: Deliveries,
) -> None:
    await make_team(storage, members=4)
    clock = FrozenClock(FRIDAY)
    service = make_service(storage, clock)
    dispatcher = Dispatcher(Services(storage=storage, engine=FakeEngine(),
                                     followfriday=service, clock=clock,
                                     boards=Leaderboards(storage)))
    session = ConsoleSession(dispatcher, user="alice", team="acme")
    await service.run_due(deliveries, FRIDAY)
    clock.moment = at("2026-12-04 10:00")
    await service.run_due(deliveries, clock.moment)
    past = await session.handle(f"followfriday week {WEEK}")
    assert past.title == f"Your #FollowFriday for {WEEK}"
    assert "#FollowFriday @" in "\n".join(f.value for f in past.fields)
    expired = await session.handle("followfriday week 2026-W46")
    assert "The #FollowFriday of 2026-W46 has expired" in expired.text
    ahead = await session.handle("followfriday week 2027-W02")
    assert "There is no #FollowFriday for 2027-W02 yet" in ahead.text
