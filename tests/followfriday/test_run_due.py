"""The weekly post goes out exactly once per team and week, whatever happens to the bot.

Every scenario runs against a real SQLite file; "restarts" and "two
processes" are separate Storage objects (separate connections) on that file.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

from chatbot.followfriday.schedule import KIND
from chatbot.followfriday.service import FollowFridayService
from chatbot.influence.leaderboards import Leaderboards
from chatbot.platforms.console import ConsoleSession
from chatbot.storage import Storage, open_storage
from chatbot.storage.models import Team
from chatbot.values.delivery import DeliveryError, DeliveryUnconfirmed, PostMarker
from chatbot.values.reply import Reply
from commands.context import Services
from commands.registry import Dispatcher
from tests.followfriday.support import TEAM, Deliveries, at, make_service, make_team
from tests.support.fakes import FakeEngine, FrozenClock

FRIDAY = "2026-11-27"  # ISO week 48
WEEK = "2026-W48"


@asynccontextmanager
async def process(
    path: str, clock: FrozenClock, worker: str
) -> AsyncIterator[tuple[Storage, FollowFridayService]]:
    """One bot process: its own connection to the shared database file."""
    storage = await open_storage(path)
    try:
        yield storage, make_service(storage, clock, worker=worker)
    finally:
        await storage.close()


async def config_text(storage: Storage, clock: FrozenClock, service: FollowFridayService) -> str:
    """What an admin sees in `/klout config` (through the real command)."""
    dispatcher = Dispatcher(Services(storage=storage, engine=FakeEngine(), followfriday=service,
                                     clock=clock, boards=Leaderboards(storage)))
    reply = await ConsoleSession(dispatcher, user="alice", team="acme").handle("config")
    return "\n".join(f"{field.label}: {field.value}" for field in reply.fields)


async def test_the_post_goes_out_at_the_slot_and_only_once_that_week(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage)
    clock = FrozenClock(at(f"{FRIDAY} 09:59"))
    service = make_service(storage, clock)
    assert await service.run_due(deliveries, at(f"{FRIDAY} 09:59")) == []
    assert await service.run_due(deliveries, at(f"{FRIDAY} 10:00")) == [TEAM]
    assert await service.run_due(deliveries, at(f"{FRIDAY} 10:05")) == []
    assert await service.run_due(deliveries, at(f"{FRIDAY} 18:00")) == []
    assert len(deliveries.sent) == 1
    team_id, channel, reply = deliveries.sent[0]
    assert (team_id, channel) == (TEAM, "general")
    assert reply.title == f"#FollowFriday · {WEEK}"
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "posted"
    assert record.posted_at == at(f"{FRIDAY} 10:00")


async def test_the_next_week_posts_again(storage: Storage, deliveries: Deliveries) -> None:
    await make_team(storage)
    service = make_service(storage, FrozenClock())
    await service.run_due(deliveries, at(f"{FRIDAY} 10:00"))
    assert await service.run_due(deliveries, at("2026-12-04 10:00")) == [TEAM]
    assert [reply.title for _, _, reply in deliveries.sent] == [
        "#FollowFriday · 2026-W48", "#FollowFriday · 2026-W49"]


async def test_a_restart_the_same_day_does_not_post_a_second_time(
    database_url: str, deliveries: Deliveries
) -> None:
    path = database_url
    clock = FrozenClock(at(f"{FRIDAY} 10:00"))
    async with process(path, clock, "before-restart") as (storage, service):
        await make_team(storage)
        assert await service.run_due(deliveries, at(f"{FRIDAY} 10:00")) == [TEAM]
    async with process(path, clock, "after-restart") as (_storage, service):
        assert await service.run_due(deliveries, at(f"{FRIDAY} 10:30")) == []
    assert len(deliveries.sent) == 1


async def test_two_processes_on_one_database_deliver_each_teams_post_exactly_once(
    database_url: str, deliveries: Deliveries
) -> None:
    path = database_url
    clock = FrozenClock(at(f"{FRIDAY} 10:00"))
    async with process(path, clock, "setup") as (storage, _):
        for number in range(3):
            await make_team(storage, team_id=f"slack:T{number}")
    async with process(path, clock, "one") as (_, first), \
            process(path, clock, "two") as (_, second):
        results = await asyncio.gather(
            first.run_due(deliveries, at(f"{FRIDAY} 10:00")),
            second.run_due(deliveries, at(f"{FRIDAY} 10:00")),
            first.run_due(deliveries, at(f"{FRIDAY} 10:00")),
            second.run_due(deliveries, at(f"{FRIDAY} 10:01")),
        )
    delivered = sorted(team_id for team_id, _, _ in deliveries.sent)
    assert delivered == ["slack:T0", "slack:T1", "slack:T2"]
    assert sorted(team for result in results for team in result) == delivered


class ProcessKilled(BaseException):
    """Stands in for the process dying mid-post (SIGKILL, power loss)."""


@dataclass
class Crashing:
    """A delivery in a process that dies before (or just after) the message leaves."""

    channel: Deliveries
    after_send: bool

    async def post(self, team: Team, reply: Reply, marker: PostMarker) -> None:
        if self.after_send:
            await self.channel.post(team, reply, marker)
        raise ProcessKilled

    async def find(self, team: Team, marker: PostMarker) -> bool:
        return await self.channel.find(team, marker)


async def _crash_at_the_slot(path: str, clock: FrozenClock, channel: Deliveries, *,
                             after_send: bool) -> None:
    async with process(path, clock, "crashing") as (storage, service):
        await make_team(storage)
        with suppress(ProcessKilled):
            await service.run_due(Crashing(channel, after_send), at(f"{FRIDAY} 10:00"))
        record = await storage.schedule.get(TEAM, KIND, WEEK)
        assert record is not None and record.status == "claimed"


async def test_a_crash_after_sending_is_found_in_the_channel_and_not_posted_again(
    database_url: str, deliveries: Deliveries
) -> None:
    path = database_url
    clock = FrozenClock(at(f"{FRIDAY} 10:00"))
    await _crash_at_the_slot(path, clock, deliveries, after_send=True)
    assert len(deliveries.sent) == 1
    async with process(path, clock, "restarted") as (storage, service):
        # Within the lease the first poster may still be at work: nobody looks yet.
        assert await service.run_due(deliveries, at(f"{FRIDAY} 10:05")) == []
        assert deliveries.lookups == []
        assert await service.run_due(deliveries, at(f"{FRIDAY} 10:30")) == []
        assert [marker.period for marker in deliveries.lookups] == [WEEK]
        record = await storage.schedule.get(TEAM, KIND, WEEK)
        assert record is not None and record.status == "posted"
        assert record.posted_at == at(f"{FRIDAY} 10:30")
        assert await service.run_due(deliveries, at(f"{FRIDAY} 16:00")) == []
    assert len(deliveries.sent) == 1


async def test_a_crash_before_sending_posts_once_on_the_next_run(
    database_url: str, deliveries: Deliveries
) -> None:
    path = database_url
    clock = FrozenClock(at(f"{FRIDAY} 10:00"))
    await _crash_at_the_slot(path, clock, deliveries, after_send=False)
    assert deliveries.sent == []
    async with process(path, clock, "restarted") as (storage, service):
        assert await service.run_due(deliveries, at(f"{FRIDAY} 10:05")) == []
        assert await service.run_due(deliveries, at(f"{FRIDAY} 10:30")) == [TEAM]
        assert await service.run_due(deliveries, at(f"{FRIDAY} 10:31")) == []
        assert await service.run_due(deliveries, at(f"{FRIDAY} 16:00")) == []
        record = await storage.schedule.get(TEAM, KIND, WEEK)
        assert record is not None and record.status == "posted" and record.attempts == 2
    assert len(deliveries.sent) == 1
    # The post carries its team and week, and a look goes back to the week's Monday.
    assert deliveries.markers == [PostMarker(KIND, TEAM, WEEK, at("2026-11-23 00:00"))]


async def test_when_the_channel_cannot_be_read_nothing_is_posted_and_the_look_is_retried(
    database_url: str, deliveries: Deliveries
) -> None:
    path = database_url
    clock = FrozenClock(at(f"{FRIDAY} 10:00"))
    await _crash_at_the_slot(path, clock, deliveries, after_send=False)
    deliveries.lookup_failures.append(DeliveryError("missing_scope channels:history"))
    async with process(path, clock, "restarted") as (storage, service):
        assert await service.run_due(deliveries, at(f"{FRIDAY} 10:30")) == []
        record = await storage.schedule.get(TEAM, KIND, WEEK)
        assert record is not None and record.status == "interrupted"
        assert record.last_error is not None
        assert "missing_scope channels:history" in str(record.last_error)
        assert f"{WEEK}: interrupted" in await config_text(storage, clock, service)
        assert deliveries.sent == []
        # Looked again after the retry pause; the post was not there, so it goes out once.
        assert await service.run_due(deliveries, at(f"{FRIDAY} 10:31")) == []
        assert await service.run_due(deliveries, at(f"{FRIDAY} 10:34")) == [TEAM]
        assert await service.run_due(deliveries, at(f"{FRIDAY} 11:30")) == []
    assert len(deliveries.lookups) == 2 and len(deliveries.sent) == 1


async def test_a_send_that_may_have_gone_out_is_looked_for_before_any_retry(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage)
    service = make_service(storage, FrozenClock())

    @dataclass
    class TimesOutAfterSending:
        async def post(self, team: Team, reply: Reply, marker: PostMarker) -> None:
            await deliveries.post(team, reply, marker)
            raise DeliveryUnconfirmed("the connection broke while posting")

        async def find(self, team: Team, marker: PostMarker) -> bool:
            return await deliveries.find(team, marker)

    assert await service.run_due(TimesOutAfterSending(), at(f"{FRIDAY} 10:00")) == []
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "interrupted"
    assert await service.run_due(deliveries, at(f"{FRIDAY} 10:05")) == []
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "posted"
    assert len(deliveries.sent) == 1 and len(deliveries.lookups) == 1


async def test_a_bot_down_at_the_slot_catches_up_once_later_that_day(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage)
    service = make_service(storage, FrozenClock())
    assert await service.run_due(deliveries, at(f"{FRIDAY} 15:00")) == [TEAM]
    assert await service.run_due(deliveries, at(f"{FRIDAY} 15:01")) == []
    assert len(deliveries.sent) == 1


async def test_a_bot_down_all_day_does_not_post_the_next_day(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage)
    service = make_service(storage, FrozenClock())
    assert await service.run_due(deliveries, at("2026-11-28 09:00")) == []
    assert await service.run_due(deliveries, at("2026-11-28 10:00")) == []
    assert deliveries.sent == []
    assert await storage.schedule.get(TEAM, KIND, WEEK) is None


async def test_catch_up_uses_the_teams_local_day(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, timezone="America/New_York")
    service = make_service(storage, FrozenClock())
    # Saturday 03:00 UTC is still Friday 22:00 in New York: catch up.
    assert await service.run_due(deliveries, at("2026-11-28 03:00")) == [TEAM]


async def test_a_failed_post_is_shown_to_admins_and_retried_with_growing_pauses(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage)
    clock = FrozenClock(at(f"{FRIDAY} 10:00"))
    service = make_service(storage, clock)
    deliveries.fail_with("channel_not_found: the channel was deleted", "missing_scope")

    assert await service.run_due(deliveries, at(f"{FRIDAY} 10:00")) == []
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "failed" and record.attempts == 1
    shown = await config_text(storage, clock, service)
    assert "channel_not_found: the channel was deleted" in shown and "attempt 1" in shown

    assert await service.run_due(deliveries, at(f"{FRIDAY} 10:01")) == []
    assert len(deliveries.failures) == 1, "no attempt before two minutes have passed"
    assert await service.run_due(deliveries, at(f"{FRIDAY} 10:02")) == []
    assert deliveries.failures == [], "second attempt made, and it failed"
    assert await service.run_due(deliveries, at(f"{FRIDAY} 10:05")) == []
    assert await service.run_due(deliveries, at(f"{FRIDAY} 10:06")) == [TEAM]
    assert len(deliveries.sent) == 1
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "posted" and record.attempts == 3
    assert record.last_error is None


async def test_a_failure_late_in_the_day_is_not_retried_the_next_day(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage)
    service = make_service(storage, FrozenClock())
    deliveries.fail_with("not_in_channel")
    assert await service.run_due(deliveries, at(f"{FRIDAY} 23:50")) == []
    assert await service.run_due(deliveries, at("2026-11-28 00:10")) == []
    assert deliveries.sent == []
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "failed"


async def test_an_unexpected_error_while_posting_is_recorded_like_a_delivery_failure(
    storage: Storage,
) -> None:
    await make_team(storage)
    service = make_service(storage, FrozenClock())

    class Broken(Deliveries):
        async def post(self, team: Team, reply: Reply, marker: PostMarker) -> None:
            raise RuntimeError("adapter not connected")

    assert await service.run_due(Broken(), at(f"{FRIDAY} 10:00")) == []
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "failed"
    assert record.last_error == "RuntimeError: adapter not connected"


async def test_teams_without_a_channel_or_with_nobody_to_suggest_are_not_posted(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, team_id="slack:NOCHANNEL", channel=None)
    await make_team(storage, team_id="slack:ALONE", members=1)
    service = make_service(storage, FrozenClock())
    assert await service.run_due(deliveries, at(f"{FRIDAY} 10:00")) == []
    assert await service.run_due(deliveries, at(f"{FRIDAY} 12:00")) == []
    assert deliveries.sent == []
    assert await storage.schedule.get("slack:NOCHANNEL", KIND, WEEK) is None
    alone = await storage.schedule.get("slack:ALONE", KIND, WEEK)
    assert alone is not None and alone.status == "skipped"


async def test_berlin_posts_at_ten_local_on_both_sides_of_the_spring_change(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, timezone="Europe/Berlin")
    service = make_service(storage, FrozenClock())
    assert await service.run_due(deliveries, at("2026-03-27 08:59")) == []
    assert await service.run_due(deliveries, at("2026-03-27 09:00")) == [TEAM]  # 10:00 CET
    assert await service.run_due(deliveries, at("2026-04-03 07:59")) == []
    assert await service.run_due(deliveries, at("2026-04-03 08:00")) == [TEAM]  # 10:00 CEST
    assert len(deliveries.sent) == 2


async def test_the_repeated_autumn_hour_does_not_post_twice(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, timezone="Europe/Berlin", weekday=6, post_time="02:30")
    service = make_service(storage, FrozenClock())
    assert await service.run_due(deliveries, at("2026-10-25 00:30")) == [TEAM]  # first 02:30
    assert await service.run_due(deliveries, at("2026-10-25 01:30")) == []  # second 02:30
    assert len(deliveries.sent) == 1
