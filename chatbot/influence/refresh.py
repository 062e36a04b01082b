"""Refresh: fetch members' accounts, keep the last good data, store a daily score.

Fetching is grouped by network so each client can batch (Bluesky profiles 25
at a time, X users 100) and spend its own rate limit; networks run side by
side. Scoring always reads from storage, so a network that failed this time
scores from its last good snapshot instead of dropping out.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chatbot.clock import Clock
from chatbot.influence.networks.base import (
    AccountSnapshot,
    NetworkClient,
    NetworkError,
    Post,
    Profile,
)
from chatbot.influence.score import ScoreResult, combine, result_to_json, score_account, smooth
from chatbot.storage import Storage
from chatbot.storage.models import Handle, Member

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""(stage, done, total) for the CLI's progress display."""


@dataclass
class RefreshReport:
    members: int = 0
    scored: int = 0
    fetched: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    errors: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """(team, member, network) -> reason, for this run's failures."""


@dataclass(frozen=True)
class _Fetched:
    profile: Profile
    posts: Sequence[Post]


class Refresher:
    def __init__(
        self,
        storage: Storage,
        clients: Mapping[str, NetworkClient],
        clock: Clock,
        *,
        window_days: int = 90,
        concurrency: int = 16,
    ) -> None:
        self.storage = storage
        self._clients = clients
        self._clock = clock
        self._window = timedelta(days=window_days)
        self._concurrency = concurrency

    async def refresh_due(
        self,
        older_than: timedelta,
        *,
        limit: int = 10_000,
        team_id: str | None = None,
        progress: Progress | None = None,
    ) -> RefreshReport:
        """Members whose data is oldest go first."""
        cutoff = self._clock.now() - older_than
        members = await self.storage.members.due_for_refresh(cutoff, limit, team_id)
        return await self.refresh(members, progress=progress)

    async def refresh(
        self, members: Sequence[Member], *, progress: Progress | None = None
    ) -> RefreshReport:
        report = RefreshReport(members=len(members))
        handles: list[Handle] = []
        for member in members:
            handles.extend(await self.storage.handles.for_member(member.team_id, member.user_id))
        by_network: dict[str, list[Handle]] = {}
        for handle in handles:
            by_network.setdefault(handle.network, []).append(handle)
        results = await asyncio.gather(
            *(self._fetch_network(network, group, progress)
              for network, group in by_network.items())
        )
        fetched: dict[tuple[str, str], _Fetched | NetworkError] = {}
        for outcome in results:
            fetched.update(outcome)
        now = self._clock.now()
        for index, handle in enumerate(handles):
            result = fetched.get((handle.network, handle.handle))
            await self._store(handle, result, now, report)
            if progress:
                progress("saving", index + 1, len(handles))
        for index, member in enumerate(members):
            if await self.rescore(member.team_id, member.user_id) is not None:
                report.scored += 1
            await self.storage.members.mark_refreshed(member.team_id, member.user_id, now)
            if progress:
                progress("scoring", index + 1, len(members))
        await self.storage.activity.prune_posts(now - self._window)
        return report

    async def _fetch_network(
        self, network: str, handles: Sequence[Handle], progress: Progress | None
    ) -> dict[tuple[str, str], _Fetched | NetworkError]:
        client = self._clients.get(network)
        distinct = sorted({handle.handle for handle in handles})
        if client is None:
            missing = NetworkError(f"{network} is not available on this bot")
            return {(network, name): missing for name in distinct}
        try:
            profiles = await client.fetch_profiles(distinct)
        except NetworkError as exc:
            return {(network, name): exc for name in distinct}
        since = self._clock.now() - self._window
        gate = asyncio.Semaphore(self._concurrency)
        done = 0

        async def posts_of(name: str) -> tuple[tuple[str, str], _Fetched | NetworkError]:
            nonlocal done
            profile = profiles.get(name, NetworkError("no answer for this account"))
            if isinstance(profile, NetworkError):
                return (network, name), profile
            try:
                async with gate:
                    posts = await client.fetch_posts(profile, since)
            except NetworkError as exc:
                return (network, name), exc
            except Exception as exc:  # a client bug must not stop other members
                log.exception("fetching posts of %s on %s failed", name, network)
                return (network, name), NetworkError(f"unexpected error ({type(exc).__name__})")
            finally:
                done += 1
                if progress:
                    progress(network, done, len(distinct))
            return (network, name), _Fetched(profile, posts)

        return dict(await asyncio.gather(*(posts_of(name) for name in distinct)))

    async def _store(
        self,
        handle: Handle,
        result: _Fetched | NetworkError | None,
        now: datetime,
        report: RefreshReport,
    ) -> None:
        storage = self.storage
        if not isinstance(result, _Fetched):
            reason = str(result) if result is not None else "not fetched"
            await storage.handles.mark_stale(handle.team_id, handle.user_id, handle.network,
                                             reason, now)
            report.failed[handle.network] = report.failed.get(handle.network, 0) + 1
            report.errors[(handle.team_id, handle.user_id, handle.network)] = reason
            return
        profile = result.profile
        await storage.activity.save_snapshot(
            handle.team_id, handle.user_id, handle.network, now.date(), now,
            profile.followers, profile.following, profile.posts_count, profile.extra,
        )
        await storage.activity.save_posts(handle.team_id, handle.user_id, handle.network,
                                          result.posts)
        await storage.handles.mark_fetched(handle.team_id, handle.user_id, handle.network,
                                           profile.account_id, now)
        report.fetched[handle.network] = report.fetched.get(handle.network, 0) + 1

    async def rescore(self, team_id: str, user_id: str) -> ScoreResult | None:
        """Score from stored data and save today's smoothed point."""
        storage = self.storage
        now = self._clock.now()
        team = await storage.teams.get(team_id)
        count_unverified = team.count_unverified if team else True
        handles = {
            h.network: h
            for h in await storage.handles.for_member(team_id, user_id)
            if h.verified or count_unverified
        }
        snapshots = await storage.activity.latest_snapshots(team_id, user_id)
        posts = await storage.activity.posts(team_id, user_id, now - self._window)
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
            ))
        if not accounts:
            return None
        result = combine(accounts)
        previous = await storage.scores.latest(team_id, user_id, now.date() - timedelta(days=1))
        days = (now.date() - previous.day).days if previous else 0
        shown = smooth(previous.raw if previous else None, result.raw, days)
        await storage.scores.save_day(
            team_id, user_id, now.date(), round(shown), shown, result.version,
            json.dumps(result_to_json(result), sort_keys=True),
            {name: item.score for name, item in result.networks.items()},
            now,
        )
        return result
