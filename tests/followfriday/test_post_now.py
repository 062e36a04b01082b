"""`kloutbot followfriday [--team T] [--dry-run] [--force]`."""

from __future__ import annotations

from chatbot.followfriday.schedule import KIND
from chatbot.storage import Storage
from chatbot.values.delivery import DeliveryError
from chatbot.values.reply import Tone
from tests.followfriday.support import TEAM, Deliveries, at, make_service, make_team
from tests.support.fakes import FrozenClock

WEDNESDAY = at("2026-11-25 12:00")
WEEK = "2026-W48"


async def test_a_dry_run_shows_the_post_without_posting_or_recording_anything(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, members=4)
    service = make_service(storage, FrozenClock(WEDNESDAY))
    reply = await service.post_now(TEAM, deliveries, dry_run=True)
    assert [field.label for field in reply.fields] == ["Alice", "Bob", "Carol", "Dave"]
    assert "nothing was posted or recorded" in reply.footer
    assert deliveries.sent == []
    assert await storage.schedule.get(TEAM, KIND, WEEK) is None
    assert await storage.schedule.plan(TEAM, WEEK) is None


async def test_posting_by_hand_counts_as_the_weeks_post(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, members=3)
    service = make_service(storage, FrozenClock(WEDNESDAY))
    reply = await service.post_now(TEAM, deliveries)
    assert reply.tone is Tone.SUCCESS and "Posted to general for 2026-W48" in reply.footer
    assert len(deliveries.sent) == 1
    assert await service.run_due(deliveries, at("2026-11-27 10:00")) == []
    assert len(deliveries.sent) == 1


async def test_a_second_run_by_hand_is_refused_unless_forced(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, members=3)
    service = make_service(storage, FrozenClock(WEDNESDAY))
    await service.post_now(TEAM, deliveries)
    refused = await service.post_now(TEAM, deliveries)
    assert refused.tone is Tone.ERROR and "already posted" in refused.text
    assert "--force" in refused.text
    assert len(deliveries.sent) == 1
    forced = await service.post_now(TEAM, deliveries, force=True)
    assert forced.tone is Tone.SUCCESS
    assert len(deliveries.sent) == 2
    assert deliveries.sent[0][2].fields == deliveries.sent[1][2].fields, "same week, same plan"
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "posted" and record.attempts == 2


async def test_force_reposts_a_week_whose_channel_could_not_be_checked(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, members=3)
    service = make_service(storage, FrozenClock(WEDNESDAY))
    await storage.schedule.claim(TEAM, KIND, WEEK, at("2026-11-27 10:00"), "dead-worker")
    deliveries.lookup_failures.append(DeliveryError("no permission to read history"))
    assert await service.run_due(deliveries, at("2026-11-27 11:00")) == []
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "interrupted"
    reply = await service.post_now(TEAM, deliveries, force=True, now=at("2026-11-27 11:05"))
    assert reply.tone is Tone.SUCCESS and len(deliveries.sent) == 1


async def test_by_hand_an_unconfirmed_week_found_in_the_channel_is_only_recorded(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, members=3)
    service = make_service(storage, FrozenClock(WEDNESDAY))
    first = await service.post_now(TEAM, deliveries, now=at("2026-11-25 12:00"))
    assert first.tone is Tone.SUCCESS and len(deliveries.sent) == 1
    # As if the process had died after sending, before recording.
    await storage.schedule.mark_interrupted(TEAM, KIND, WEEK, "the connection broke")
    again = await service.post_now(TEAM, deliveries, now=at("2026-11-25 12:30"))
    assert "already in general" in again.text
    assert len(deliveries.sent) == 1
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "posted"


async def test_a_failed_post_by_hand_says_why_and_is_recorded_for_the_scheduler(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, members=3)
    service = make_service(storage, FrozenClock(WEDNESDAY))
    deliveries.fail_with("missing permission: Send Messages")
    reply = await service.post_now(TEAM, deliveries)
    assert reply.tone is Tone.ERROR and "missing permission: Send Messages" in reply.text
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "failed"


async def test_without_a_channel_or_a_team_there_is_nothing_to_post_to(
    storage: Storage, deliveries: Deliveries
) -> None:
    await make_team(storage, members=3, channel=None)
    service = make_service(storage, FrozenClock(WEDNESDAY))
    no_channel = await service.post_now(TEAM, deliveries)
    assert no_channel.tone is Tone.ERROR and "/klout config channel" in no_channel.text
    no_team = await service.post_now("slack:NOPE", deliveries)
    assert no_team.tone is Tone.ERROR and "slack:NOPE" in no_team.text
    assert deliveries.sent == []
