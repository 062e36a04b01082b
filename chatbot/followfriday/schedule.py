"""When a team's weekly post is due, in its own timezone, and when to retry.

Every comparison is made in UTC: two datetimes sharing one ZoneInfo compare
by wall-clock time and ignore the offset, which is wrong on the two nights a
year when clocks jump.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chatbot.storage.models import ScheduledPost, Team

KIND = "followfriday"
"""The `scheduled_posts.kind` of the weekly post (also read by /klout config)."""

FIRST_RETRY = timedelta(minutes=2)
LONGEST_RETRY = timedelta(minutes=60)
CLAIM_LEASE = timedelta(minutes=30)
"""A claim older than this with no outcome means the poster died mid-post."""


@dataclass(frozen=True)
class Slot:
    period: str
    """ISO week of the slot's local day, e.g. 2026-W48: one post per team and period."""
    local_day: date
    starts_at: datetime
    """UTC."""
    ends_at: datetime
    """UTC: the next local midnight. A missed slot is caught up only before this."""


def iso_period(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def previous_period(day: date) -> str:
    return iso_period(day - timedelta(days=7))


def team_zone(team: Team) -> ZoneInfo:
    """`/klout config` only stores valid names; an old or hand-edited row falls back to UTC
    rather than stopping every team's post."""
    try:
        return ZoneInfo(team.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(team: Team, now: datetime) -> date:
    return now.astimezone(team_zone(team)).date()


def current_period(team: Team, now: datetime) -> str:
    """The week `now` belongs to in the team's timezone: the week previews and posts share."""
    return iso_period(local_day(team, now))


def _post_time(team: Team) -> time:
    try:
        hours, minutes = (int(part) for part in team.post_time.split(":", 1))
        return time(hours, minutes)
    except ValueError:
        return time(10, 0)


def first_moment_at(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) the team's wall clock reads `wall` or later on `day`.

    A time that happens twice (clocks fall back) means its first occurrence;
    the claim keeps the second from posting again. A time that doesn't exist
    (clocks spring forward over it) means the moment of the jump, as a
    person watching the clock would expect.
    """
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=zone).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    moment = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    limit = moment + timedelta(days=2)
    while moment.astimezone(zone).replace(tzinfo=None) < naive and moment < limit:
        moment += timedelta(minutes=1)
    return moment


def slot_on(team: Team, day: date) -> Slot:
    """The team's slot on a local day."""
    zone = team_zone(team)
    return Slot(
        period=iso_period(day),
        local_day=day,
        starts_at=first_moment_at(day, _post_time(team), zone),
        ends_at=first_moment_at(day + timedelta(days=1), time(0, 0), zone),
    )


def due_slot(team: Team, now: datetime) -> Slot | None:
    """Today's slot if today is the team's weekday and the time has come.

    Asked on the next local day it answers None, which is what stops a bot
    that was down all Friday from posting on Saturday.
    """
    today = local_day(team, now)
    if today.weekday() != team.post_weekday:
        return None
    slot = slot_on(team, today)
    return slot if slot.starts_at <= now.astimezone(UTC) < slot.ends_at else None


def retry_delay(attempts: int) -> timedelta:
    """2, 4, 8 … minutes after the attempt that failed, at most an hour."""
    delay = FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 10))
    return min(delay, LONGEST_RETRY)


def next_attempt_at(record: ScheduledPost) -> datetime:
    return record.claimed_at + retry_delay(record.attempts)
