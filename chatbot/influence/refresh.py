"""Refresh: fetch members' accounts, keep the last good data, store a daily score.

Fetching is grouped by network and cut into chunks of what one API call
answers (Bluesky profiles 25 at a time, X users 100, one elsewhere); a
chunk's posts are fetched right after its profiles, so a spent rate limit
leaves whole members refreshed rather than many half-fetched. Once a network
says its budget is spent, its remaining members wait for the next run
instead of costing requests that would be refused. Scoring always reads from
storage, so a network that failed this time scores from its last good
snapshot instead of dropping out.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chatbot.clock import Clock
from chatbot.foreground import Foreground
from chatbot.influence.networks.base import NetworkClient
from chatbot.influence.score import (
    NetworkScore,
    ScoreResult,
    combine,
    result_to_json,
    score_account,
    smooth,
)
from chatbot.storage import Storage
from chatbot.storage.activity import FetchedAccount
from chatbot.storage.database import DatabaseUnavailable
from chatbot.storage.models import Handle, Member, Snapshot
from chatbot.storage.scores import DayScore
from chatbot.values.accounts import AccountSnapshot, Post, Profile
from chatbot.values.message import Msg
from chatbot.values.network_errors import NetworkError, RateLimited

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""(stage, done, total) for the CLI's progress display."""

RESCORE_CHUNK = 50
"""Members scored per storage round trip: one transaction writes them all. Turning their
rows into posts can't step aside for commands, so a chunk is kept to what the loop
handles in a few milliseconds."""


@dataclass
class RefreshReport:
    members: int = 0
    scored: int = 0
    deferred: int = 0
    """Members left due because a network's rate limit was spent before their turn."""
    held_back: list[tuple[str, str]] = field(default_factory=list)
    """Those members, (team, member)."""
    fetched: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    errors: dict[tuple[str, str, str], Msg | str] = field(default_factory=dict)
    """(team, member, network) -> reason, for this run's failures."""


@dataclass(frozen=True)
class _Fetched:
    profile: Profile
    posts: Sequence[Post]


Outcome = _Fetched | NetworkError


CLAIM_CHUNK = 200
"""Members claimed at a time: replicas on one database take turns at the due members, and
one that dies takes at most this many members' unsaved work with it."""

LEASE = timedelta(minutes=15)
"""How long a claimed member stays this process's before another may take it."""


class Refresher:
    def __init__(
        self,
        storage: Storage,
        clients: Mapping[str, NetworkClient],
        clock: Clock,
        *,
        window_days: int = 90,
        concurrency: int = 16,
        worker: str | None = None,
        lease: timedelta = LEASE,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        claim_chunk: int = CLAIM_CHUNK,
        foreground: Foreground | None = None,
    ) -> None:
        self.storage = storage
        self._clients = clients
        self._clock = clock
        self._window = timedelta(days=window_days)
        self._concurrency = concurrency
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        """Names this process's leases, so processes on one database share the work."""
        self.lease = lease
        """How long a claim lasts unless renewed (a third of it between renewals)."""
        self._sleep = sleep
        self._claim_chunk = claim_chunk
        """Paces lease renewal on the injected clock's time, as leases expire on it."""
        self._foreground = foreground or Foreground()
        """The commands this process answers, which go before refresh work."""

    async def refresh_due(
        self,
        older_than: timedelta,
        *,
        limit: int = 10_000,
        team_id: str | None = None,
        progress: Progress | None = None,
    ) -> RefreshReport:
        """Members whose data is oldest go first, a chunk at a time, each leased to
        this process so that other processes on the database take other members; a process
        that dies leaves leases that expire, and its members become due for the others.
        Members a spent rate limit held back stay due; the next run takes them first."""
        cutoff = self._clock.now() - older_than
        total = RefreshReport()
        try:
            while total.members < limit:
                wanted = min(self._claim_chunk, limit - total.members)
                report = await self._refresh_claimed(cutoff, wanted, team_id, progress)
                _add_up(total, report)
                # Members a spent rate limit held back keep their leases until this run
                # ends, so the next claim goes past them to members of other networks.
                if report.members < wanted:
                    break
        finally:
            await self._release(total.held_back)
        return total

    async def _refresh_claimed(self, cutoff: datetime, wanted: int, team_id: str | None,
                               progress: Progress | None) -> RefreshReport:
        now = self._clock.now()
        members = await self.storage.leases.claim_due(
            self.worker, cutoff, wanted, now=now, until=now + self.lease, team_id=team_id)
        held = [(m.team_id, m.user_id) for m in members]
        if not held:
            return RefreshReport()
        renewing = asyncio.create_task(self._keep_leases(held))
        held_back: set[tuple[str, str]] = set()
        try:
            report = await self.refresh(members, progress=progress)
            held_back = set(report.held_back)
            return report
        finally:
            renewing.cancel()
            await self._release([member for member in held if member not in held_back])

    async def _release(self, members: Sequence[tuple[str, str]]) -> None:
        if not members:
            return
        try:
            await self.storage.leases.release(self.worker, members)
        except DatabaseUnavailable:
            log.warning("could not release %d refresh leases; they expire by themselves",
                        len(members))

    async def _keep_leases(self, held: Sequence[tuple[str, str]]) -> None:
        """A long run renews its leases before they lapse, so nobody else starts on them."""
        while held:
            await self._sleep(self.lease.total_seconds() / 3)
            await self.storage.leases.renew(self.worker, held, self._clock.now() + self.lease)

    async def refresh(
        self, members: Sequence[Member], *, progress: Progress | None = None
    ) -> RefreshReport:
        report = RefreshReport(members=len(members))
        handles: list[Handle] = []
        for team_id, user_ids in _by_team(members).items():
            for owned in (await self.storage.handles.for_members(team_id, user_ids)).values():
                handles.extend(owned)
        by_network: dict[str, list[Handle]] = {}
        for handle in handles:
            by_network.setdefault(handle.network, []).append(handle)
        results = await asyncio.gather(
            *(self._fetch_network(network, group, progress)
              for network, group in by_network.items())
        )
        fetched: dict[tuple[str, str], Outcome] = {}
        for outcome in results:
            fetched.update(outcome)
        now = self._clock.now()
        waiting: set[tuple[str, str]] = set()
        tried: set[tuple[str, str]] = set()
        for index, handle in enumerate(handles):
            result = fetched.get((handle.network, handle.handle))
            member = (handle.team_id, handle.user_id)
            if isinstance(result, RateLimited):
                waiting.add(member)
            else:
                tried.add(member)
            await self._foreground.pause()
            await self._store(handle, result, now, report)
            if progress:
                progress("saving", index + 1, len(handles))
        # A member all of whose networks were out of budget stays due, first in line.
        done = [m for m in members if (m.team_id, m.user_id) not in waiting - tried]
        report.held_back = sorted(waiting - tried)
        report.deferred = len(report.held_back)
        report.scored = await self.rescore_many(done, progress=progress)
        await self.storage.members.mark_refreshed_many(
            [(m.team_id, m.user_id) for m in done], now)
        await self.storage.activity.prune_posts(now - self._window)
        return report

    async def _fetch_network(
        self, network: str, handles: Sequence[Handle], progress: Progress | None
    ) -> dict[tuple[str, str], Outcome]:
        client = self._clients.get(network)
        distinct = sorted({handle.handle for handle in handles})
        if client is None:
            missing = NetworkError(Msg("{network} is not available on this bot", network=network))
            return {(network, name): missing for name in distinct}
        size = max(1, client.profiles_per_request)
        chunks = [distinct[start : start + size] for start in range(0, len(distinct), size)]
        gate = asyncio.Semaphore(max(1, min(self._concurrency, client.parallel_accounts)))
        spent: list[RateLimited] = []
        results: dict[tuple[str, str], Outcome] = {}
        since = self._clock.now() - self._window

        async def posts_of(profile: Profile) -> Outcome:
            try:
                return _Fetched(profile, await client.fetch_posts(profile, since))
            except NetworkError as exc:
                return exc
            except Exception as exc:  # a client bug must not stop other members
                log.exception("fetching posts of %s on %s failed", profile.handle, network)
                return NetworkError(Msg("unexpected error ({error})", error=type(exc).__name__))

        async def run(chunk: list[str]) -> None:
            async with gate:
                await self._foreground.pause()
                if spent:
                    outcomes: dict[str, Outcome] = dict.fromkeys(chunk, spent[0])
                else:
                    outcomes = await self._fetch_chunk(client, chunk, posts_of)
                for name, outcome in outcomes.items():
                    results[(network, name)] = outcome
                    if isinstance(outcome, RateLimited) and not spent:
                        spent.append(RateLimited(Msg(
                            "{network}'s rate limit is spent; this account waits for the "
                            "next refresh.", network=client.label), outcome.retry_after))
                if progress:
                    progress(network, len(results), len(distinct))

        await asyncio.gather(*(run(chunk) for chunk in chunks))
        return results

    @staticmethod
    async def _fetch_chunk(
        client: NetworkClient,
        chunk: list[str],
        posts_of: Callable[[Profile], Coroutine[object, object, Outcome]],
    ) -> dict[str, Outcome]:
        try:
            profiles = await client.fetch_profiles(chunk)
        except NetworkError as exc:
            return dict.fromkeys(chunk, exc)
        except Exception as exc:  # a client bug must not stop other members
            log.exception("fetching profiles %s on %s failed", chunk, client.name)
            return dict.fromkeys(chunk, NetworkError(Msg("unexpected error ({error})",
                                                                 error=type(exc).__name__)))
        outcomes: dict[str, Outcome] = {}
        found: dict[str, Profile] = {}
        for name in chunk:
            profile = profiles.get(name, NetworkError(Msg("no answer for this account")))
            if isinstance(profile, Profile):
                found[name] = profile
            else:
                outcomes[name] = profile
        posts = await asyncio.gather(*(posts_of(profile) for profile in found.values()))
        outcomes.update(zip(found, posts, strict=True))
        return outcomes

    async def _store(
        self,
        handle: Handle,
        result: Outcome | None,
        now: datetime,
        report: RefreshReport,
    ) -> None:
        storage = self.storage
        if not isinstance(result, _Fetched):
            reason = result.message if result is not None else Msg("not fetched")
            await storage.handles.mark_stale(handle.team_id, handle.user_id, handle.network,
                                             reason, now)
            report.failed[handle.network] = report.failed.get(handle.network, 0) + 1
            report.errors[(handle.team_id, handle.user_id, handle.network)] = reason
            return
        profile = result.profile
        # Nothing is stored when the account was removed meanwhile, its name leads to
        # another account now, or another member keeps it.
        stored = await storage.activity.save_fetch(handle, FetchedAccount(
            profile.account_id, profile.followers, profile.following, profile.posts_count,
            profile.extra, result.posts), now)
        if stored:
            report.fetched[handle.network] = report.fetched.get(handle.network, 0) + 1

    async def rescore(self, team_id: str, user_id: str) -> ScoreResult | None:
        """Score one member from stored data and save today's smoothed point."""
        results = await self._rescore_team(team_id, [user_id])
        return results.get(user_id)

    async def rescore_many(
        self, members: Sequence[Member], *, progress: Progress | None = None
    ) -> int:
        """Score members from stored data, a chunk of them per transaction; returns how many
        had data to score."""
        scored = 0
        done = 0
        for team_id, user_ids in _by_team(members).items():
            for start in range(0, len(user_ids), RESCORE_CHUNK):
                chunk = user_ids[start : start + RESCORE_CHUNK]
                await self._foreground.pause()
                scored += len(await self._rescore_team(team_id, chunk))
                done += len(chunk)
                if progress:
                    progress("scoring", done, len(members))
        return scored

    async def _rescore_team(self, team_id: str, user_ids: Sequence[str]
                            ) -> dict[str, ScoreResult]:
        storage = self.storage
        now = self._clock.now()
        team = await storage.teams.get(team_id)
        count_unverified = team.count_unverified if team else True
        handles = await storage.handles.for_members(team_id, user_ids)
        snapshots = await storage.activity.latest_snapshots_of(team_id, user_ids)
        posts = await storage.activity.posts_of(team_id, user_ids, now - self._window)
        previous = await storage.scores.latest_before(team_id, user_ids, now.date())
        results: dict[str, ScoreResult] = {}
        points: list[DayScore] = []
        unscored: list[str] = []
        for user_id in user_ids:
            await self._foreground.pause()
            counted = {h.network: h for h in handles[user_id] if h.verified or count_unverified}
            # Reactions from any of the member's registered accounts are their own.
            own_ids = frozenset(h.account_id for h in handles[user_id] if h.account_id)
            accounts = self._score_accounts(counted, snapshots[user_id], posts[user_id], now,
                                            own_ids)
            if not accounts:
                unscored.append(user_id)
                continue
            result = combine(accounts)
            before = previous.get(user_id)
            days = (now.date() - before.day).days if before else 0
            # A point stored by another formula version is not smoothed towards: the shown
            # score starts afresh on this version instead of drifting for two weeks from
            # the old formula's level, which would read as a real change.
            same_formula = before is not None and before.version == result.version
            shown = smooth(before.raw if same_formula and before else None, result.raw, days)
            results[user_id] = result
            points.append(DayScore(
                team_id, user_id, now.date(), round(shown), shown, result.version,
                json.dumps(result_to_json(result), sort_keys=True),
                {name: item.score for name, item in result.networks.items()}, now,
            ))
        await storage.scores.save_days(points)
        await storage.scores.withdraw(team_id, unscored)
        return results

    async def provisional(self, team_id: str, user_id: str) -> ScoreResult | None:
        """The member's score with every account they registered, verified or not: what
        the owner is shown as provisional. Never stored, so never ranked."""
        now = self._clock.now()
        handles = {h.network: h for h in await self.storage.handles.for_member(team_id, user_id)}
        snapshots = await self.storage.activity.latest_snapshots_of(team_id, [user_id])
        posts = await self.storage.activity.posts_of(team_id, [user_id], now - self._window)
        accounts = self._score_accounts(handles, snapshots[user_id], posts[user_id], now)
        return combine(accounts) if accounts else None

    def _score_accounts(
        self,
        handles: Mapping[str, Handle],
        snapshots: Sequence[Snapshot],
        posts: Mapping[str, Sequence[Post]],
        now: datetime,
        own_ids: frozenset[str] = frozenset(),
    ) -> list[NetworkScore]:
        accounts = []
        for snapshot in snapshots:
            handle = handles.get(snapshot.network)
            if handle is None:
                continue
            profile = Profile(
                network=snapshot.network,
                handle=handle.handle,
                account_id=handle.account_id or handle.handle,
                followers=snapshot.followers,
                following=snapshot.following,
                posts_count=snapshot.posts,
                extra=json.loads(snapshot.extra_json),
            )
            accounts.append(score_account(
                AccountSnapshot(profile, tuple(posts.get(snapshot.network, ())),
                                snapshot.fetched_at),
                now,
                self._window.days,
                own_ids,
            ))
        return accounts


def _add_up(total: RefreshReport, part: RefreshReport) -> None:
    total.members += part.members
    total.scored += part.scored
    total.deferred += part.deferred
    for network, count in part.fetched.items():
        total.fetched[network] = total.fetched.get(network, 0) + count
    for network, count in part.failed.items():
        total.failed[network] = total.failed.get(network, 0) + count
    total.errors.update(part.errors)
    total.held_back.extend(part.held_back)


def _by_team(members: Sequence[Member]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for member in members:
        grouped.setdefault(member.team_id, []).append(member.user_id)
    return grouped
