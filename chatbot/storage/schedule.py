"""The log of scheduled posts: claiming a row is what makes a post happen once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chatbot.clock import from_iso, to_iso
from chatbot.storage.database import Database, Row
from chatbot.storage.models import ScheduledPost
from chatbot.storage.stored_messages import dump_message, load_message
from chatbot.values.message import Msg

FROZEN_STATUSES = ("posted", "interrupted")
"""Once a week's post went out (or may have), its plan is what people saw: keep it."""


@dataclass(frozen=True)
class PlannedSuggestion:
    """One stored line of a week's #FollowFriday plan."""

    user_id: str
    suggested_id: str
    network: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredPlan:
    roster: str
    computed_at: datetime
    suggestions: tuple[PlannedSuggestion, ...]


def _post(row: Row) -> ScheduledPost:
    return ScheduledPost(
        team_id=row["team_id"],
        kind=row["kind"],
        period=row["period"],
        status=row["status"],
        claimed_at=from_iso(row["claimed_at"]),
        attempts=int(row["attempts"]),
        last_error=load_message(row["last_error"]),
        posted_at=from_iso(row["posted_at"]) if row["posted_at"] else None,
    )


def _suggestion(row: Row) -> PlannedSuggestion:
    return PlannedSuggestion(
        user_id=row["user_id"],
        suggested_id=row["suggested_id"],
        network=row["network"],
        reasons=tuple(part for part in row["reasons"].split("\n") if part),
    )


class ScheduleRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(
        self, team_id: str, kind: str, period: str, now: datetime, claimed_by: str
    ) -> bool:
        """True for exactly one caller per (team, kind, period), across processes.

        A failed attempt (the platform refused it, so nothing went out) can be
        claimed again; a posted, in-flight or interrupted one cannot: those go
        through `take_over`, whose winner looks in the channel first.
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

    async def reclaim(
        self, team_id: str, kind: str, period: str, now: datetime, claimed_by: str
    ) -> None:
        """Take the slot whatever its state: an admin forcing a post by hand."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO scheduled_posts (team_id, kind, period, status, claimed_at,"
                " claimed_by, attempts) VALUES (?, ?, ?, 'claimed', ?, ?, 1)"
                " ON CONFLICT (team_id, kind, period) DO UPDATE SET status = 'claimed',"
                " claimed_at = excluded.claimed_at, claimed_by = excluded.claimed_by,"
                " attempts = scheduled_posts.attempts + 1, last_error = NULL",
                (team_id, kind, period, to_iso(now), claimed_by),
            )

    async def take_over(
        self, team_id: str, kind: str, period: str, now: datetime, claimed_by: str,
        stale_before: datetime,
    ) -> bool:
        """Claim a week whose outcome is unknown, for exactly one caller.

        Unknown means a claim made at or before `stale_before` with no outcome (its poster
        died) or one recorded `interrupted` (it may or may not have gone out). The
        winner must look in the channel before posting it again.
        """
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE scheduled_posts SET status = 'claimed', claimed_at = ?,"
                " claimed_by = ?, attempts = attempts + 1"
                " WHERE team_id = ? AND kind = ? AND period = ?"
                " AND (status = 'interrupted' OR (status = 'claimed' AND claimed_at <= ?))",
                (to_iso(now), claimed_by, team_id, kind, period, to_iso(stale_before)),
            )
            return cursor.rowcount == 1

    async def mark_interrupted(self, team_id: str, kind: str, period: str,
                               reason: Msg | str) -> None:
        """The outcome is unknown (the send timed out, or the channel could not be checked):
        the next attempt looks for the post before sending it again."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE scheduled_posts SET status = 'interrupted', last_error = ?"
                " WHERE team_id = ? AND kind = ? AND period = ?",
                (dump_message(reason), team_id, kind, period),
            )

    async def mark_skipped(self, team_id: str, kind: str, period: str,
                           reason: Msg | str) -> None:
        """Nothing to post this period (e.g. nobody shares a network); final, not retried."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE scheduled_posts SET status = 'skipped', last_error = ?"
                " WHERE team_id = ? AND kind = ? AND period = ?",
                (dump_message(reason), team_id, kind, period),
            )

    async def mark_posted(self, team_id: str, kind: str, period: str, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE scheduled_posts SET status = 'posted', posted_at = ?, last_error = NULL"
                " WHERE team_id = ? AND kind = ? AND period = ?",
                (to_iso(now), team_id, kind, period),
            )

    async def mark_failed(self, team_id: str, kind: str, period: str,
                          error: Msg | str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE scheduled_posts SET status = 'failed', last_error = ?"
                " WHERE team_id = ? AND kind = ? AND period = ?",
                (dump_message(error), team_id, kind, period),
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

    async def plan(self, team_id: str, period: str) -> StoredPlan | None:
        row = await self._db.fetch_one(
            "SELECT roster, computed_at FROM followfriday_plans WHERE team_id = ? AND period = ?",
            (team_id, period),
        )
        if row is None:
            return None
        return StoredPlan(
            roster=row["roster"],
            computed_at=from_iso(row["computed_at"]),
            suggestions=await self._planned(team_id, period),
        )

    async def save_plan(
        self,
        team_id: str,
        period: str,
        roster: str,
        suggestions: Sequence[PlannedSuggestion],
        now: datetime,
        *,
        kind: str,
        forget_before: str | None = None,
    ) -> StoredPlan:
        """Store a week's plan unless one that must win is already there; return the winner.

        Kept: a plan made from the same roster (two processes computing at
        once agree on the first), and any plan whose post already went out.
        Checked and written in one transaction so the answer is the same for
        everyone who asks. Plans of periods before `forget_before` are deleted:
        only last week's is needed (to avoid repeating it), and who was
        suggested to whom is member data not worth keeping longer.
        """
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT p.roster, p.computed_at, s.status FROM followfriday_plans p"
                " LEFT JOIN scheduled_posts s ON s.team_id = p.team_id AND s.period = p.period"
                " AND s.kind = ? WHERE p.team_id = ? AND p.period = ?",
                (kind, team_id, period),
            )
            existing = await cursor.fetchone()
            await cursor.close()
            keep = existing is not None and (
                existing["roster"] == roster or existing["status"] in FROZEN_STATUSES
            )
            if not keep:
                await conn.execute(
                    "INSERT INTO followfriday_plans (team_id, period, roster,"
                    " computed_at) VALUES (?, ?, ?, ?) ON CONFLICT (team_id, period)"
                    " DO UPDATE SET roster = excluded.roster, computed_at = excluded.computed_at",
                    (team_id, period, roster, to_iso(now)),
                )
                await conn.execute(
                    "DELETE FROM followfriday_suggestions WHERE team_id = ? AND period = ?",
                    (team_id, period),
                )
                await conn.executemany(
                    "INSERT INTO followfriday_suggestions (team_id, period, user_id,"
                    " suggested_id, network, reasons, position) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    [
                        (team_id, period, item.user_id, item.suggested_id, item.network,
                         "\n".join(item.reasons), position)
                        for position, item in enumerate(suggestions)
                    ],
                )
            if forget_before is not None:
                for table in ("followfriday_dms", "followfriday_suggestions",
                              "followfriday_plans"):
                    await conn.execute(
                        f"DELETE FROM {table} WHERE team_id = ? AND period < ?",
                        (team_id, forget_before),
                    )
        stored = await self.plan(team_id, period)
        assert stored is not None
        return stored

    async def member_plan(self, team_id: str, period: str, user_id: str
                          ) -> tuple[PlannedSuggestion, ...] | None:
        """One member's lines of a stored week (None: that week has no stored plan).

        Reads only the member's rows, by the table's primary key, so a button press in a
        team of ten thousand costs what it costs in a team of ten.
        """
        plan = await self._db.fetch_one(
            "SELECT 1 AS found FROM followfriday_plans WHERE team_id = ? AND period = ?",
            (team_id, period),
        )
        if plan is None:
            return None
        rows = await self._db.fetch_all(
            "SELECT user_id, suggested_id, network, reasons FROM followfriday_suggestions"
            " WHERE team_id = ? AND period = ? AND user_id = ? ORDER BY position, suggested_id",
            (team_id, period, user_id),
        )
        return tuple(_suggestion(row) for row in rows)

    async def _planned(self, team_id: str, period: str) -> tuple[PlannedSuggestion, ...]:
        rows = await self._db.fetch_all(
            "SELECT user_id, suggested_id, network, reasons FROM followfriday_suggestions"
            " WHERE team_id = ? AND period = ? ORDER BY user_id, position, suggested_id",
            (team_id, period), bulk=True,
        )
        return tuple(_suggestion(row) for row in rows)
