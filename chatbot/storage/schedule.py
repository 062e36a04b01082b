"""The log of scheduled posts: claiming a row is what makes a post happen once."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from chatbot.clock import from_iso, to_iso
from chatbot.storage.database import Database
from chatbot.storage.models import ScheduledPost


def _post(row: aiosqlite.Row) -> ScheduledPost:
    return ScheduledPost(
        team_id=row["team_id"],
        kind=row["kind"],
        period=row["period"],
        status=row["status"],
        claimed_at=from_iso(row["claimed_at"]),
        attempts=int(row["attempts"]),
        last_error=row["last_error"],
        posted_at=from_iso(row["posted_at"]) if row["posted_at"] else None,
    )


class ScheduleRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(
        self, team_id: str, kind: str, period: str, now: datetime, claimed_by: str
    ) -> bool:
        """True for exactly one caller per (team, kind, period), across processes.

        A failed attempt can be claimed again (retry); a posted or in-flight
        one cannot, so a crash mid-post errs on the side of no second post.
        """
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO scheduled_posts (team_id, kind, period, status, claimed_at,"
                " claimed_by, attempts) VALUES (?, ?, ?, 'claimed', ?, ?, 1)"
                " ON CONFLICT (team_id, kind, period) DO UPDATE SET status = 'claimed',"
                " claimed_at = excluded.claimed_at, claimed_by = excluded.claimed_by,"
                " attempts = scheduled_posts.attempts + 1"
                " WHERE scheduled_posts.status = 'failed'",
                (team_id, kind, period, to_iso(now), claimed_by),
            )
            return cursor.rowcount == 1

    async def mark_posted(self, team_id: str, kind: str, period: str, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE scheduled_posts SET status = 'posted', posted_at = ?, last_error = NULL"
                " WHERE team_id = ? AND kind = ? AND period = ?",
                (to_iso(now), team_id, kind, period),
            )

    async def mark_failed(self, team_id: str, kind: str, period: str, error: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE scheduled_posts SET status = 'failed', last_error = ?"
                " WHERE team_id = ? AND kind = ? AND period = ?",
                (error[:500], team_id, kind, period),
            )

    async def get(self, team_id: str, kind: str, period: str) -> ScheduledPost | None:
        row = await self._db.fetch_one(
            "SELECT * FROM scheduled_posts WHERE team_id = ? AND kind = ? AND period = ?",
            (team_id, kind, period),
        )
        return _post(row) if row else None

    async def latest(self, team_id: str, kind: str) -> ScheduledPost | None:
        row = await self._db.fetch_one(
            "SELECT * FROM scheduled_posts WHERE team_id = ? AND kind = ?"
            " ORDER BY period DESC LIMIT 1",
            (team_id, kind),
        )
        return _post(row) if row else None

    async def save_suggestions(
        self, team_id: str, period: str, pairs: list[tuple[str, str, str]]
    ) -> None:
        """(member, suggested member, network) for this period; replaces earlier ones."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM followfriday_suggestions WHERE team_id = ? AND period = ?",
                (team_id, period),
            )
            await conn.executemany(
                "INSERT OR IGNORE INTO followfriday_suggestions (team_id, period, user_id,"
                " suggested_id, network) VALUES (?, ?, ?, ?, ?)",
                [(team_id, period, user, other, network) for user, other, network in pairs],
            )

    async def suggestions(self, team_id: str, period: str) -> list[tuple[str, str, str]]:
        rows = await self._db.fetch_all(
            "SELECT user_id, suggested_id, network FROM followfriday_suggestions"
            " WHERE team_id = ? AND period = ? ORDER BY user_id, suggested_id",
            (team_id, period),
        )
        return [(row["user_id"], row["suggested_id"], row["network"]) for row in rows]
