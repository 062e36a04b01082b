"""Notices: what a member must be told on their next command, shown once.

Claims settled while the member was away (a duplicate resolved by a migration
or a refresh, a verified claim taking their account over) are the reason.
They are member data, so forget and export cover them.
"""

from __future__ import annotations

from datetime import datetime

from chatbot.clock import from_iso, to_iso
from chatbot.storage.database import Connection, Database
from chatbot.storage.models import Notice

CLAIM_RESOLVED = "claim_resolved"
"""Two members held one account; the verified (else the older) claim kept it."""
CLAIM_TAKEN = "claim_taken"
"""Another member verified an account this member had registered without verifying."""


async def leave_notice(conn: Connection, team_id: str, user_id: str, kind: str,
                       network: str, handle: str, now: datetime) -> None:
    """Inside the caller's transaction, so the notice exists exactly when the change does."""
    await conn.execute(
        "INSERT INTO member_notices (team_id, user_id, kind, network, handle, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (team_id, user_id, kind, network, handle, to_iso(now)),
    )


class NoticeRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def pending(self, team_id: str, user_id: str) -> bool:
        """Cheap check before every command; reading does not write."""
        row = await self._db.fetch_one(
            "SELECT 1 FROM member_notices WHERE team_id = ? AND user_id = ? LIMIT 1",
            (team_id, user_id),
        )
        return row is not None

    async def take(self, team_id: str, user_id: str) -> list[Notice]:
        """The member's notices, oldest first, removed as they are read: each is shown once."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM member_notices WHERE team_id = ? AND user_id = ?"
                " RETURNING kind, network, handle, created_at, id",
                (team_id, user_id),
            )
            rows = sorted(await cursor.fetchall(), key=lambda row: row["id"])
        return [Notice(row["kind"], row["network"], row["handle"], from_iso(row["created_at"]))
                for row in rows]
