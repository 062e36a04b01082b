"""Refresh work shared by processes on one database: each due member is leased to one.

A lease is (holder, expiry) on the member's row. Claiming takes due members
whose lease is absent or expired, so a process that dies (SIGKILL, power)
loses nothing: its leases run out and another process takes the members.
On PostgreSQL the candidates are locked with FOR UPDATE SKIP LOCKED, so two
replicas claiming at the same moment pass each other instead of waiting;
on SQLite the claim runs inside BEGIN IMMEDIATE, one process at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chatbot.clock import to_iso
from chatbot.storage.database import Database
from chatbot.storage.members import member_from_row
from chatbot.storage.models import Member


class LeaseRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim_due(
        self,
        worker: str,
        older_than: datetime,
        limit: int,
        *,
        now: datetime,
        until: datetime,
        team_id: str | None = None,
    ) -> list[Member]:
        """Up to `limit` due members, oldest data first (a refresh time in the future, from
        a clock that was ahead, is first in line, or it would wait for years), leased to
        `worker` until `until`; none of them is leased to anyone else."""
        if limit <= 0:
            return []
        lock = " FOR UPDATE OF m SKIP LOCKED" if self._db.dialect == "postgresql" else ""
        team = " AND m.team_id = ?" if team_id is not None else ""
        candidates = (
            "SELECT m.team_id, m.user_id FROM members m WHERE EXISTS (SELECT 1 FROM handles h"
            " WHERE h.team_id = m.team_id AND h.user_id = m.user_id)"
            " AND (m.last_refreshed_at IS NULL OR m.last_refreshed_at < ?"
            " OR m.last_refreshed_at > ?)"
            " AND (m.lease_expires_at IS NULL OR m.lease_expires_at <= ?)"
            f"{team} ORDER BY m.last_refreshed_at IS NOT NULL AND m.last_refreshed_at <= ?,"
            f" m.last_refreshed_at LIMIT ?{lock}"
        )
        params: list[object] = [to_iso(older_than), to_iso(now), to_iso(now)]
        if team_id is not None:
            params.append(team_id)
        params.extend([to_iso(now), limit])
        async with self._db.bookkeeping() as conn:
            chosen = [(row[0], row[1]) for row in await conn.execute_fetchall(
                candidates, tuple(params))]
            if not chosen:
                return []
            await conn.executemany(
                "UPDATE members SET lease_holder = ?, lease_expires_at = ?"
                " WHERE team_id = ? AND user_id = ?",
                [(worker, to_iso(until), team, user) for team, user in chosen],
            )
        return await self._members(chosen)

    async def renew(self, worker: str, members: Sequence[tuple[str, str]], until: datetime
                    ) -> int:
        """Extend this worker's leases that are still its own; how many were."""
        renewed = 0
        async with self._db.bookkeeping() as conn:
            for team_id, user_id in members:
                cursor = await conn.execute(
                    "UPDATE members SET lease_expires_at = ? WHERE team_id = ? AND user_id = ?"
                    " AND lease_holder = ?",
                    (to_iso(until), team_id, user_id, worker),
                )
                renewed += max(cursor.rowcount, 0)
        return renewed

    async def release(self, worker: str, members: Sequence[tuple[str, str]]) -> None:
        """Give the members back: done, or left due for whoever claims next."""
        async with self._db.bookkeeping() as conn:
            await conn.executemany(
                "UPDATE members SET lease_holder = NULL, lease_expires_at = NULL"
                " WHERE team_id = ? AND user_id = ? AND lease_holder = ?",
                [(team_id, user_id, worker) for team_id, user_id in members],
            )

    async def held(self, worker: str, now: datetime) -> list[tuple[str, str]]:
        """The members this worker holds unexpired leases on."""
        rows = await self._db.fetch_all(
            "SELECT team_id, user_id FROM members WHERE lease_holder = ?"
            " AND lease_expires_at > ? ORDER BY team_id, user_id",
            (worker, to_iso(now)),
        )
        return [(row[0], row[1]) for row in rows]

    async def _members(self, chosen: Sequence[tuple[str, str]]) -> list[Member]:
        found: list[Member] = []
        for team_id, user_id in chosen:
            row = await self._db.fetch_one(
                "SELECT * FROM members WHERE team_id = ? AND user_id = ?", (team_id, user_id))
            if row is not None:
                found.append(member_from_row(row))
        return found
