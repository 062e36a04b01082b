"""Forget and export: everything stored about one member of one team."""

from __future__ import annotations

from typing import Any

from chatbot.storage.database import Database

# (table, columns naming the member). Every table holding member data must be
# listed; a test compares this list with the schema so a new table can't be missed.
MEMBER_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("members", ("user_id",)),
    ("handles", ("user_id",)),
    ("metric_snapshots", ("user_id",)),
    ("posts", ("user_id",)),
    ("scores", ("user_id",)),
    ("network_scores", ("user_id",)),
    ("latest_scores", ("user_id",)),
    ("latest_network_scores", ("user_id",)),
    ("endorsements", ("giver_id", "receiver_id")),
    ("goals", ("user_id",)),
    ("followfriday_suggestions", ("user_id", "suggested_id")),
    ("followfriday_dms", ("user_id",)),
    ("claim_challenges", ("user_id",)),
    ("member_notices", ("user_id",)),
)


def _where(columns: tuple[str, ...]) -> str:
    return "team_id = ? AND (" + " OR ".join(f"{column} = ?" for column in columns) + ")"


class PrivacyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def export(self, team_id: str, user_id: str) -> dict[str, list[dict[str, Any]]]:
        data: dict[str, list[dict[str, Any]]] = {}
        for table, columns in MEMBER_TABLES:
            rows = await self._db.fetch_all(
                f"SELECT * FROM {table} WHERE {_where(columns)}",
                (team_id, *([user_id] * len(columns))), bulk=True,
            )
            data[table] = [dict(row) for row in rows]
        return data

    async def forget(self, team_id: str, user_id: str) -> int:
        """Delete every row about the member in this team, in one transaction."""
        deleted = 0
        async with self._db.transaction() as conn:
            for table, columns in reversed(MEMBER_TABLES):
                cursor = await conn.execute(
                    f"DELETE FROM {table} WHERE {_where(columns)}",
                    (team_id, *([user_id] * len(columns))),
                )
                deleted += max(cursor.rowcount, 0)
        return deleted
