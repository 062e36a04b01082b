"""The weekly #FollowFriday: plan, preview, post exactly once.

Exactly once means neither lost nor doubled, and this is how:

- A post happens only after `storage.schedule.claim` wins the (team,
  "followfriday", ISO week) row in one `BEGIN IMMEDIATE` transaction. Two
  processes on one database, a restart or a reconnect can't both win it.
- Every post carries a marker for its team and week (Slack message metadata,
  a Discord nonce and embed footer), so the channel itself can say whether it
  went out.
- The platform refused the post (channel deleted, permission missing): nothing
  went out. The row becomes `failed` with the reason, which `/klout config`
  shows admins, and the slot is tried again that same local day after 2, 4,
  8 … (at most 60) minutes.
- The outcome is unknown: the process died between claim and outcome (the row
  stays `claimed` past `CLAIM_LEASE`), or the send timed out (`interrupted`).
  The next run takes the row over and looks in the channel's recent history
  for the marker: found, it records the week as posted and sends nothing;
  not found, it posts once. If the history can't be read, the row stays
  `interrupted` with the reason and the look is retried later that day;
  `kloutbot followfriday --force` posts it by hand.
- The bot was down at the slot: the first run later that local day posts;
  from the next local day on the slot is gone.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from chatbot.clock import Clock
from chatbot.followfriday.follow_graph import FollowGraph, TeamAccount, read_follow_graph
from chatbot.followfriday.planner import Account, Candidate, PlanInput, eligible_accounts, plan_week
from chatbot.followfriday.post import (
    dm_reply,
    member_part,
    reasons_for,
    week_theme,
    weekly_reply,
)
from chatbot.followfriday.schedule import (
    CLAIM_LEASE,
    KIND,
    Slot,
    current_period,
    due_slot,
    first_moment_at,
    local_day,
    next_attempt_at,
    previous_period,
    team_zone,
)
from chatbot.i18n import Catalogs, choose_language, load_catalogs
from chatbot.influence.leaderboards import gains
from chatbot.influence.networks import handle_for_humans
from chatbot.influence.networks.base import NetworkClient
from chatbot.storage import Storage
from chatbot.storage.followfriday_dms import DmRecipient, DmRecord
from chatbot.storage.models import Team
from chatbot.storage.schedule import FROZEN_STATUSES, PlannedSuggestion
from chatbot.values.delivery import (
    DeliveryError,
    DeliveryUnconfirmed,
    DmLimit,
    PostMarker,
    RecipientGone,
)
from chatbot.values.message import Msg
from chatbot.values.network_errors import NetworkError
from chatbot.values.outcomes import MemberSuggestions, MemberWeek, WeekState
from chatbot.values.reply import Reply, Tone, error

log = logging.getLogger(__name__)

class Delivery(Protocol):
    """Gets a reply to `team.post_channel` on the team's platform, and looks there."""

    async def post(self, team: Team, reply: Reply, marker: PostMarker) -> None:
        """Raises DeliveryError when refused, DeliveryUnconfirmed when it may have gone
        out anyway."""
        ...

    async def find(self, team: Team, marker: PostMarker) -> bool:
        """Whether the channel already holds the post tagged `marker`; raises
        DeliveryError when it can't tell."""
        ...


class DirectMessages(Protocol):
    """Sends a member of a team a direct message on the team's platform."""

    def dm_limit(self, team: Team) -> DmLimit:
        """The platform's published pace for direct messages, and whose budget it is."""
        ...

    async def send_dm(self, team: Team, user_id: str, reply: Reply) -> None:
        """Raises RecipientGone when the member can't be reached (left, blocked the bot),
        DeliveryError when the platform refused it (nothing arrived), DeliveryUnconfirmed
        when it may have arrived anyway."""
        ...


Sleep = Callable[[float], Awaitable[None]]

DM_BATCH = 50
"""Direct messages one scheduler run sends per team at most; the next run, a minute
later, goes on. Keeps a big team's messages from holding up every other team's post."""
DM_MAX_ATTEMPTS = 6
"""A message the platform keeps refusing is given up after this many tries."""

DM_WINDOW_SECONDS = 1.0
"""Direct-message limits are per second (DmLimit.per_second)."""
NOTHING_TO_POST = Msg("nobody to suggest: no two members share a network")


def _unknown_outcome(reason: Msg | str) -> Msg:
    return Msg("It may or may not have gone out; the next attempt looks in the channel before "
               "posting. {reason}", reason=reason)


def week_marker(team: Team, period: str) -> PostMarker:
    """The tag a week's post carries; its week began Monday 00:00 in the team's timezone."""
    year, week = (int(part) for part in period.split("-W", 1))
    monday = date.fromisocalendar(year, week, 1)
    since = first_moment_at(monday, time(0, 0), team_zone(team))
    return PostMarker(kind=KIND, team_id=team.team_id, period=period,
                      since=since.astimezone(UTC))


@dataclass(frozen=True)
class _Roster:
    """The accounts a plan can use, and a fingerprint to notice when they change."""

    candidates: tuple[Candidate, ...]
    accounts: dict[str, dict[str, str]]
    fingerprint: str


def _dm_due(record: DmRecord | None, now: datetime) -> bool:
    """Not tried yet, or refused and its back-off (2, 4, 8 … at most 60 minutes) over."""
    if record is None:
        return True
    if record.status != "failed" or record.attempts >= DM_MAX_ATTEMPTS:
        return False
    return now >= record.claimed_at + timedelta(minutes=min(2 ** record.attempts, 60))


def _default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _post_failure(exc: BaseException) -> Msg | str:
    """Why the weekly post failed, kept untranslated for the admin who reads `/klout config`;
    anything but a delivery error is a technical name, shown as it is."""
    if isinstance(exc, DeliveryError):
        return exc.message or Msg("the platform refused the message")
    return _failure(exc)


def _failure(exc: BaseException) -> str:
    """A reason an admin can act on; DeliveryError messages are written for them."""
    if isinstance(exc, DeliveryError):
        return str(exc) or "the platform refused the message"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class FollowFridayService:
    def __init__(
        self,
        storage: Storage,
        clients: Mapping[str, NetworkClient],
        clock: Clock,
        *,
        follow_budget_seconds: float = 20.0,
        worker_id: str | None = None,
        catalogs: Catalogs | None = None,
        sleep: Sleep = asyncio.sleep,
        dm_batch: int = DM_BATCH,
    ) -> None:
        """`sleep` waits for the next second's direct-message budget (tests move a frozen
        clock instead of waiting)."""
        self._storage = storage
        self._clients = clients
        self._clock = clock
        self._follow_budget = follow_budget_seconds
        self._worker_id = worker_id or _default_worker_id()
        self._catalogs = catalogs or load_catalogs()
        self._sleep = sleep
        self._dm_batch = dm_batch

    # -- what members see -------------------------------------------------

    async def preview(self, team_id: str, user_id: str, now: datetime) -> MemberSuggestions:
        team = await self._storage.teams.get(team_id)
        if team is None:
            return MemberSuggestions(user_id=user_id, suggestions=(), copy_lines={})
        period = current_period(team, now)
        roster = await self._roster(team)
        planned = await self._week_plan(team, period, roster, now, save=True)
        names = await self._storage.members.names(team_id)
        return member_part(user_id, planned, roster.accounts, names, self._shown_handle)

    async def member_week(self, team_id: str, user_id: str, period: str | None,
                          now: datetime) -> MemberWeek:
        """A member's part of a week as its post showed it: the button's answer.

        A week whose post went out (or a past week) is read from the stored plan, only
        the member's own rows, so the answer takes the same time in any size of team.
        This week before its post is the preview. Only this week's and last week's
        plans are kept; an older week has expired.
        """
        team = await self._storage.teams.get(team_id)
        if team is None:
            empty = MemberSuggestions(user_id=user_id, suggestions=(), copy_lines={})
            return MemberWeek(period or "", WeekState.CURRENT, empty)
        current = current_period(team, now)
        wanted = period or current
        if wanted > current:
            return MemberWeek(wanted, WeekState.NOT_YET, None)
        schedule = self._storage.schedule
        if wanted == current:
            record = await schedule.get(team_id, KIND, current)
            if record is None or record.status not in FROZEN_STATUSES:
                return MemberWeek(current, WeekState.CURRENT,
                                  await self.preview(team_id, user_id, now))
        rows = await schedule.member_plan(team_id, wanted, user_id)
        state = WeekState.CURRENT if wanted == current else WeekState.PAST
        if rows is None:
            if state is WeekState.CURRENT:
                return MemberWeek(current, state, await self.preview(team_id, user_id, now))
            return MemberWeek(wanted, WeekState.EXPIRED, None)
        return MemberWeek(wanted, state, await self._stored_part(team, user_id, rows))

    async def _stored_part(self, team: Team, user_id: str,
                           rows: tuple[PlannedSuggestion, ...]) -> MemberSuggestions:
        """The member's stored lines with the handles the people in them have now."""
        people = sorted({user_id, *(row.suggested_id for row in rows)})
        enabled = set(team.networks)
        candidates = tuple(
            Candidate(member, tuple(Account(h.network, h.handle, h.verified)
                                    for h in handles if h.network in enabled))
            for member, handles in (await self._storage.handles.for_members(
                team.team_id, people)).items()
        )
        accounts = eligible_accounts(candidates, team.count_unverified)
        names = await self._storage.members.names_of(team.team_id, people)
        return member_part(user_id, rows, accounts, names, self._shown_handle)

    async def weekly_post(self, team_id: str, now: datetime | None = None) -> Reply:
        """This week's post for the team's channel (the plan is stored, so previews agree)."""
        moment = now or self._clock.now()
        team = await self._storage.teams.get(team_id)
        if team is None:
            return error(f"There is no team {team_id} in this database.")
        reply, _has_content = await self._compose(team, current_period(team, moment), moment,
                                                  save=True)
        return reply

    # -- the scheduler ----------------------------------------------------

    async def run_due(self, delivery: Delivery, now: datetime | None = None) -> list[str]:
        """Post for every team whose slot has come today; returns the team ids posted.

        Meant to be called every minute or so from one place that starts once
        per process (never from a platform's on-ready hook).
        """
        moment = now or self._clock.now()
        posted: list[str] = []
        for team in await self._storage.teams.list_all():
            if not team.post_channel:
                continue
            slot = due_slot(team, moment)
            if slot is None:
                continue
            try:
                if await self._run_slot(team, slot, delivery, moment) is not None:
                    posted.append(team.team_id)
            except Exception:
                # One team's broken row must not stop every other team's post.
                log.exception("followfriday for %s failed outside delivery", team.team_id)
        return posted

    async def _run_slot(
        self, team: Team, slot: Slot, delivery: Delivery, now: datetime
    ) -> Reply | None:
        schedule = self._storage.schedule
        record = await schedule.get(team.team_id, KIND, slot.period)
        if record is None or record.status == "failed":
            if record is not None and now < next_attempt_at(record):
                return None
            if not await schedule.claim(team.team_id, KIND, slot.period, now, self._worker_id):
                return None
            return await self._deliver_claimed(team, slot.period, delivery, now)
        unknown = (record.status == "claimed" and now - record.claimed_at >= CLAIM_LEASE) or (
            record.status == "interrupted" and now >= next_attempt_at(record))
        if not unknown or not await self._take_over(team, slot.period, now):
            return None
        return await self._deliver_claimed(team, slot.period, delivery, now, look_first=True)

    async def _take_over(self, team: Team, period: str, now: datetime) -> bool:
        return await self._storage.schedule.take_over(team.team_id, KIND, period, now,
                                                      self._worker_id, now - CLAIM_LEASE)

    async def _deliver_claimed(
        self, team: Team, period: str, delivery: Delivery, now: datetime, *,
        look_first: bool = False,
    ) -> Reply | None:
        """Compose, deliver and record the outcome of a slot this worker holds.

        With `look_first` (an earlier attempt's outcome is unknown) the channel is
        searched for the week's post first, and a post found there is recorded, not
        repeated. Returns what this call posted, or None when nothing was posted (the
        record says why: found, skipped, failed or still unknown).
        """
        schedule = self._storage.schedule
        marker = week_marker(team, period)
        if look_first:
            try:
                found = await delivery.find(team, marker)
            except Exception as exc:
                reason = _unknown_outcome(Msg("Looking in the channel failed: {reason}",
                                              reason=_post_failure(exc)))
                log.warning("followfriday for %s (%s): %s", team.team_id, period, reason)
                await schedule.mark_interrupted(team.team_id, KIND, period, reason)
                return None
            if found:
                log.info("followfriday for %s (%s) was already in the channel; recorded it",
                         team.team_id, period)
                await schedule.mark_posted(team.team_id, KIND, period, now)
                return None
        try:
            reply, has_content = await self._compose(team, period, now, save=True)
            if not has_content:
                await schedule.mark_skipped(team.team_id, KIND, period, NOTHING_TO_POST)
                return None
            await delivery.post(team, reply, marker)
        except DeliveryUnconfirmed as exc:
            reason = _unknown_outcome(_post_failure(exc))
            log.warning("followfriday for %s (%s): %s", team.team_id, period, reason)
            await schedule.mark_interrupted(team.team_id, KIND, period, reason)
            return None
        except Exception as exc:
            failure = _post_failure(exc)
            log.warning("followfriday for %s (%s) failed: %s", team.team_id, period, failure)
            await schedule.mark_failed(team.team_id, KIND, period, failure)
            return None
        await schedule.mark_posted(team.team_id, KIND, period, now)
        return reply

    # -- direct messages --------------------------------------------------

    async def send_due_dms(self, direct: DirectMessages, now: datetime | None = None) -> int:
        """Send opted-in members their part of this week's post once it went out; returns
        how many messages were sent. Called every minute after `run_due`, like it from
        one place per process; replicas share the claims and the rate budget."""
        moment = now or self._clock.now()
        sent = 0
        for team in await self._storage.teams.list_all():
            period = current_period(team, moment)
            record = await self._storage.schedule.get(team.team_id, KIND, period)
            if record is None or record.status != "posted":
                continue
            try:
                sent += await self._dm_team(team, period, direct, moment)
            except Exception:
                log.exception("followfriday DMs for %s failed", team.team_id)
        return sent

    async def _dm_team(self, team: Team, period: str, direct: DirectMessages,
                       now: datetime) -> int:
        dms = self._storage.followfriday_dms
        recipients = await dms.opted_in(team.team_id)
        if not recipients:
            return 0
        records = await dms.records(team.team_id, period)
        limit = direct.dm_limit(team)
        sent = tried = 0
        for recipient in recipients:
            if tried >= self._dm_batch:
                break
            if not _dm_due(records.get(recipient.user_id), now):
                continue
            if not await dms.claim(team.team_id, period, recipient.user_id, now,
                                   self._worker_id):
                continue
            tried += 1
            status, reason = await self._send_dm(team, period, recipient, direct, limit)
            await dms.finish(team.team_id, period, recipient.user_id, status, now, reason)
            sent += status == "sent"
        return sent

    async def _send_dm(self, team: Team, period: str, recipient: DmRecipient,
                       direct: DirectMessages, limit: DmLimit) -> tuple[str, str | None]:
        """One member's message; (status, reason) for their record of the week."""
        user_id = recipient.user_id
        rows = await self._storage.schedule.member_plan(team.team_id, period, user_id)
        part = await self._stored_part(team, user_id, rows or ())
        if not part.suggestions:
            log.info("followfriday DM to %s in %s (%s) skipped: no suggestions this week",
                     user_id, team.team_id, period)
            return "skipped", "no suggestions this week"
        tr = self._catalogs.translator(choose_language(recipient.language, None,
                                                       team.language))
        await self._dm_turn(limit)
        try:
            await direct.send_dm(team, user_id, dm_reply(tr, part, period))
        except RecipientGone as exc:
            log.info("followfriday DM to %s in %s (%s) skipped: %s", user_id, team.team_id,
                     period, exc)
            return "skipped", _failure(exc)
        except DeliveryUnconfirmed as exc:
            log.warning("followfriday DM to %s in %s (%s) may or may not have arrived; not "
                        "sent again: %s", user_id, team.team_id, period, exc)
            return "unknown", _failure(exc)
        except Exception as exc:
            log.warning("followfriday DM to %s in %s (%s) failed, retried later: %s",
                        user_id, team.team_id, period, _failure(exc))
            return "failed", _failure(exc)
        return "sent", None

    async def _dm_turn(self, limit: DmLimit) -> None:
        """Wait until the shared budget has room for one more message in the last second."""
        while True:
            asked = self._clock.now().timestamp()
            granted, wait = await self._storage.budgets.take(
                limit.key, 1, limit.per_second, DM_WINDOW_SECONDS, asked)
            if granted:
                # Counted when it was asked for; if the claim took a while, it is sent now
                # and must count now, or the next second could hold one too many.
                await self._storage.budgets.carry(limit.key, DM_WINDOW_SECONDS, asked,
                                                  self._clock.now().timestamp())
                return
            await self._sleep(max(wait, 0.001))  # a clock in microseconds: never 0

    # -- by hand: kloutbot followfriday -----------------------------------

    async def post_now(
        self,
        team_id: str,
        delivery: Delivery,
        *,
        dry_run: bool = False,
        force: bool = False,
        now: datetime | None = None,
    ) -> Reply:
        """`kloutbot followfriday [--team T] [--dry-run] [--force]`.

        A dry run stores nothing (no plan, no record) and posts nothing.
        Otherwise the once-per-week record is respected unless `force`; a week
        whose outcome is unknown is looked for in the channel first.
        """
        moment = now or self._clock.now()
        team = await self._storage.teams.get(team_id)
        if team is None:
            return error(f"There is no team {team_id} in this database.")
        period = current_period(team, moment)
        if dry_run:
            reply, _ = await self._compose(team, period, moment, save=False)
            return replace(reply, footer=f"Dry run for {period}: nothing was posted or "
                                         "recorded.")
        if not team.post_channel:
            return error("No channel is set for the weekly post: an admin can run "
                         "/klout config channel #name")
        schedule = self._storage.schedule
        look_first = False
        if force:
            await schedule.reclaim(team_id, KIND, period, moment, self._worker_id)
        elif not await schedule.claim(team_id, KIND, period, moment, self._worker_id):
            look_first = await self._take_over(team, period, moment)
            if not look_first:
                record = await schedule.get(team_id, KIND, period)
                status = record.status if record else "taken"
                return error(f"This week's #FollowFriday ({period}) is already {status}. "
                             "Add --force to post it again.")
        posted = await self._deliver_claimed(team, period, delivery, moment,
                                             look_first=look_first)
        if posted is not None:
            return replace(posted, tone=Tone.SUCCESS,
                           footer=f"Posted to {team.post_channel} for {period}.")
        record = await schedule.get(team_id, KIND, period)
        if record is not None and record.status == "posted":
            return Reply(title=f"#FollowFriday · {period}",
                         text=f"Not posted again: this week's post is already in "
                              f"{team.post_channel}; it is now recorded as posted.",
                         tone=Tone.SUCCESS)
        if record is not None and record.status == "skipped":
            return Reply(title=f"#FollowFriday · {period}", text=f"Not posted: {NOTHING_TO_POST}.",
                         tone=Tone.WARNING)
        reason = record.last_error if record and record.last_error else "unknown error"
        return error(f"Posting failed: {reason}. The scheduler retries later today.")

    # -- the plan ---------------------------------------------------------

    async def _compose(
        self, team: Team, period: str, now: datetime, *, save: bool
    ) -> tuple[Reply, bool]:
        roster = await self._roster(team)
        planned = await self._week_plan(team, period, roster, now, save=save)
        names = await self._storage.members.names(team.team_id)
        by_member: dict[str, list[PlannedSuggestion]] = {}
        for item in planned:
            by_member.setdefault(item.user_id, []).append(item)
        parts = [
            member_part(user_id, mine, roster.accounts, names, self._shown_handle)
            for user_id, mine in sorted(by_member.items())
        ]
        theme = week_theme(planned, await self._gains(team.team_id, local_day(team, now)),
                           names)
        reply = weekly_reply(self._catalogs.translator(team.language), period, parts, names,
                             theme)
        return reply, any(part.suggestions for part in parts)

    async def _roster(self, team: Team) -> _Roster:
        enabled = set(team.networks)
        by_member: dict[str, list[Account]] = {}
        for handle in await self._storage.handles.for_team(team.team_id):
            if handle.network in enabled:
                by_member.setdefault(handle.user_id, []).append(
                    Account(handle.network, handle.handle, handle.verified)
                )
        candidates = tuple(
            Candidate(user_id, tuple(accounts)) for user_id, accounts in sorted(by_member.items())
        )
        accounts = eligible_accounts(candidates, team.count_unverified)
        lines = sorted(
            f"{user}\x00{network}\x00{handle}"
            for user, networks in accounts.items()
            for network, handle in networks.items()
        )
        fingerprint = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]
        return _Roster(candidates, accounts, fingerprint)

    async def _week_plan(
        self, team: Team, period: str, roster: _Roster, now: datetime, *, save: bool
    ) -> tuple[PlannedSuggestion, ...]:
        """The stored plan while it still fits the team, else a new one.

        Once the week's post went out the stored plan stays as posted; before
        that a plan is made again only when the roster changed (someone
        registered, verified, left or forgot), not because scores moved, so
        a preview on Tuesday matches Friday's post.
        """
        schedule = self._storage.schedule
        stored = await schedule.plan(team.team_id, period)
        if stored is not None:
            record = await schedule.get(team.team_id, KIND, period)
            frozen = record is not None and record.status in FROZEN_STATUSES
            if frozen or stored.roster == roster.fingerprint:
                return stored.suggestions
        planned = await self._compute(team, period, roster, now)
        if not save:
            return planned
        winner = await schedule.save_plan(
            team.team_id, period, roster.fingerprint, planned, now, kind=KIND,
            forget_before=previous_period(local_day(team, now)),
        )
        return winner.suggestions

    async def _compute(
        self, team: Team, period: str, roster: _Roster, now: datetime
    ) -> tuple[PlannedSuggestion, ...]:
        if len(roster.accounts) < 2:
            return ()
        storage = self._storage
        today = local_day(team, now)
        previous = await storage.schedule.plan(team.team_id, previous_period(today))
        last_week = frozenset(
            (item.user_id, item.suggested_id) for item in (previous.suggestions if previous else ())
        )
        plan = plan_week(PlanInput(
            team_id=team.team_id,
            week=period,
            members=roster.candidates,
            count_unverified=team.count_unverified,
            follows=await self._follow_graph(team, roster),
            topics={user: frozenset(keys) for user, keys in
                    (await storage.endorsements.team_topics(team.team_id)).items()},
            gains=await self._gains(team.team_id, today),
            last_week=last_week,
        ))
        return tuple(
            PlannedSuggestion(user, pick.user_id, pick.network, reasons_for(pick))
            for user, picks in sorted(plan.picks.items())
            for pick in picks
        )

    async def _follow_graph(self, team: Team, roster: _Roster) -> FollowGraph:
        handles = {(h.user_id, h.network): h
                   for h in await self._storage.handles.for_team(team.team_id)}
        accounts: list[TeamAccount] = []
        for user_id, networks in sorted(roster.accounts.items()):
            following = {snapshot.network: snapshot.following for snapshot in
                         await self._storage.activity.latest_snapshots(team.team_id, user_id)}
            for network, handle in sorted(networks.items()):
                stored = handles.get((user_id, network))
                accounts.append(TeamAccount(
                    user_id=user_id,
                    network=network,
                    handle=handle,
                    account_id=stored.account_id if stored else None,
                    following=following.get(network, 0),
                ))
        return await read_follow_graph(self._clients, accounts,
                                       budget_seconds=self._follow_budget)

    async def _gains(self, team_id: str, today: date) -> dict[str, float]:
        """Each member's score change over the last seven days (rising scores come first)."""
        return await gains(self._storage.scores, team_id, today, today - timedelta(days=7))

    def _shown_handle(self, network: str, handle: str) -> str:
        client = self._clients.get(network)
        if client is not None:
            return client.handle_for_humans(handle)
        try:
            return handle_for_humans(network, handle)
        except NetworkError:
            return handle if handle.startswith("@") else f"@{handle}"
