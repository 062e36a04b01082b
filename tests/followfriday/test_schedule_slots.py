"""When the weekly post is due in a team's own timezone, across daylight-saving changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from chatbot.followfriday.schedule import current_period, due_slot, retry_delay, slot_on
from chatbot.storage.models import Team
from tests.followfriday.support import at

BASE = Team(
    team_id="slack:T1", platform="slack", name="Acme", post_channel="C1", post_weekday=4,
    post_time="10:00", timezone="UTC", networks=("bluesky",), count_unverified=True,
    card_style="text", created_at=datetime(2026, 1, 1, tzinfo=UTC),
)


def team(timezone: str, weekday: int = 4, post_time: str = "10:00") -> Team:
    return replace(BASE, timezone=timezone, post_weekday=weekday, post_time=post_time)


@pytest.mark.parametrize(("friday", "slot_utc"), [
    ("2026-03-27", "2026-03-27 09:00"),  # Berlin on CET, last Friday before the change
    ("2026-04-03", "2026-04-03 08:00"),  # on CEST after the last Sunday of March
    ("2026-10-23", "2026-10-23 08:00"),  # still CEST
    ("2026-10-30", "2026-10-30 09:00"),  # CET again after the last Sunday of October
])
def test_berlin_ten_oclock_stays_ten_oclock_local_across_both_changes(
    friday: str, slot_utc: str
) -> None:
    berlin = team("Europe/Berlin")
    slot = slot_on(berlin, datetime.fromisoformat(friday).date())
    assert slot.starts_at == at(slot_utc)
    before = at(slot_utc).replace(minute=59, hour=at(slot_utc).hour - 1)
    assert due_slot(berlin, before) is None
    assert due_slot(berlin, at(slot_utc)) == slot


@pytest.mark.parametrize(("friday", "slot_utc"), [
    ("2026-03-06", "2026-03-06 15:00"),  # EST
    ("2026-03-13", "2026-03-13 14:00"),  # EDT from the second Sunday of March
    ("2026-10-30", "2026-10-30 14:00"),  # EDT
    ("2026-11-06", "2026-11-06 15:00"),  # EST from the first Sunday of November
])
def test_new_york_ten_oclock_follows_the_us_changes(friday: str, slot_utc: str) -> None:
    slot = slot_on(team("America/New_York"), datetime.fromisoformat(friday).date())
    assert slot.starts_at == at(slot_utc)


def test_a_slot_inside_the_spring_gap_is_due_when_the_clocks_jump() -> None:
    # Sunday 29 March 2026, Berlin: 02:00 CET jumps to 03:00 CEST; 02:30 never happens.
    sunday = team("Europe/Berlin", weekday=6, post_time="02:30")
    assert due_slot(sunday, at("2026-03-29 00:59")) is None
    slot = due_slot(sunday, at("2026-03-29 01:00"))
    assert slot is not None and slot.starts_at == at("2026-03-29 01:00")


def test_a_slot_in_the_repeated_autumn_hour_means_its_first_occurrence() -> None:
    # Sunday 25 October 2026, Berlin: 02:00-03:00 happens twice (CEST, then CET).
    sunday = team("Europe/Berlin", weekday=6, post_time="02:30")
    assert due_slot(sunday, at("2026-10-25 00:29")) is None
    slot = due_slot(sunday, at("2026-10-25 00:30"))
    assert slot is not None and slot.starts_at == at("2026-10-25 00:30")
    # The second 02:30 is the same slot (same period): the claim stops a second post.
    assert due_slot(sunday, at("2026-10-25 01:30")) == slot


def test_new_yorks_repeated_hour_in_november_also_means_the_first_one() -> None:
    sunday = team("America/New_York", weekday=6, post_time="01:30")
    slot = due_slot(sunday, at("2026-11-01 05:30"))
    assert slot is not None and slot.starts_at == at("2026-11-01 05:30")


def test_the_day_is_the_teams_local_day_not_the_utc_day() -> None:
    # Friday 10:00 in Auckland (NZDT, UTC+13) is Thursday 21:00 UTC.
    auckland = team("Pacific/Auckland")
    slot = due_slot(auckland, at("2026-11-26 21:30"))
    assert slot is not None and slot.local_day.isoformat() == "2026-11-27"
    assert slot.period == "2026-W48" == current_period(auckland, at("2026-11-26 21:30"))


def test_a_missed_slot_is_due_until_local_midnight_and_not_after() -> None:
    new_york = team("America/New_York")
    assert due_slot(new_york, at("2026-11-28 04:59")) is not None  # Friday 23:59 EST
    assert due_slot(new_york, at("2026-11-28 05:00")) is None  # Saturday 00:00 EST


def test_an_unknown_timezone_in_an_old_row_falls_back_to_utc_instead_of_failing() -> None:
    slot = due_slot(team("Mars/Olympus_Mons"), at("2026-11-27 10:00"))
    assert slot is not None and slot.starts_at == at("2026-11-27 10:00")


def test_retries_wait_twice_as_long_each_time_up_to_an_hour() -> None:
    minutes = [retry_delay(attempt).total_seconds() / 60 for attempt in range(1, 9)]
    assert minutes == [2, 4, 8, 16, 32, 60, 60, 60]
    assert retry_delay(10_000).total_seconds() == 3600
