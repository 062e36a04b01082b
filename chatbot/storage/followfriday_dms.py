"""Who wants their #FollowFriday by direct message, and what each week's sending did.

A member's row for a week is claimed before their message is sent, in one transaction,
so two processes (or a restart) can't both send it: a message is sent at most once per
team, week and member. Only a refused attempt (`failed`: the platform said no, so
nothing arrived) can be claimed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chatbot.clock import from_iso, to_iso
from chatbot.storage.database import Database
from chatbot.storage.members import ensure_member


@dataclass(frozen=True)
class DmRecipient:
    user_id: str
    language: str | None
    """The member's own `/klout language` choice, None to follow the team."""


@dataclass(frozen=True)
class DmRecord:
    user_id: str
    status: str
    """claimed, sent, failed (refused: may be claimed again), skipped (left, blocked the
    bot, nothing to suggest) or unknown (may have arrived: never sent again)."""
    claimed_at: datetime
    attempts: int
    last_error: str | None


class FollowFridayDmRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_opt_in(self, team_id: str, user_id: str, wanted: bool, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await ensure_member(conn, team_id, user_id, "", now)
            await conn.execute(
                "UPDATE members SET followfriday_dm = ? WHERE team_id = ? AND user_id = ?",
                (1 if wanted else 0, team_id, user_id),
            )

    async def opted_in(self, team_id: str) -> list[DmRecipient]:
        rows = await self._db.fetch_all(
            "SELECT user_id, language FROM members WHERE team_id = ? AND followfriday_dm = 1"
            " ORDER BY user_id",
            (team_id,), bulk=True,
        )
        return [DmRecipient(row["user_id"], row["language"]) for row in rows]

    async def records(self, team_id: str, period: str) -> dict[str, DmRecord]:
        rows = await self._db.fetch_all(
            "SELECT user_id, status, claimed_at, attempts, last_error FROM followfriday_dms"
            " WHERE team_id = ? AND period = ?",
            (team_id, period), bulk=True,
        )
        return {row["user_id"]: DmRecord(row["user_id"], row["status"],
                                         from_iso(row["claimed_at"]), int(row["attempts"]),
                                         row["last_error"])
                for row in rows}

    async def claim(self, team_id: str, period: str, user_id: str, now: datetime,
                    claimed_by: str) -> bool:
        """True for exactly one caller per (team, week, member); a `failed` row may be
        claimed again, anything else never."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO followfriday_dms (team_id, period, user_id, status, claimed_at,"
                " claimed_by, attempts) VALUES (?, ?, ?, 'claimed', ?, ?, 1)"
                " ON CONFLICT (team_id, period, user_id) DO UPDATE SET status = 'claimed',"
                " claimed_at = excluded.claimed_at, claimed_by = excluded.claimed_by,"
                " attempts = followfriday_dms.attempts + 1"
                " WHERE followfriday_dms.status = 'failed'",
                (team_id, period, user_id, to_iso(now), claimed_by),
            )
            return cursor.rowcount == 1

    async def finish(self, team_id: str, period: str, user_id: str, status: str,
                     now: datetime, reason: str | None = None) -> None:
        """Record what the attempt did: sent, failed (retried), skipped or unknown."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE followfriday_dms SET status = ?, last_error = ?, sent_at = ?"
                " WHERE team_id = ? AND period = ? AND user_id = ?",
                (status, reason[:500] if reason else None,
                 to_iso(now) if status == "sent" else None, team_id, period, user_id),
            )
