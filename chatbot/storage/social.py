"""Endorsements (+K on a topic) and smart goals."""

from __future__ import annotations

from datetime import date, datetime

from chatbot.clock import from_iso, to_iso
from chatbot.storage.database import Database
from chatbot.storage.models import Goal, TopicCount


def topic_key(topic: str) -> str:
    """`Python`, `python ` and `PYTHON` are one topic."""
    return " ".join(topic.casefold().split())


class EndorsementRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, team_id: str, giver_id: str, receiver_id: str, topic: str, now: datetime
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO endorsements (team_id, giver_id, receiver_id, topic, topic_key,"
                " given_at) VALUES (?, ?, ?, ?, ?, ?)",
                (team_id, giver_id, receiver_id, topic, topic_key(topic), to_iso(now)),
            )

    async def given_since(self, team_id: str, giver_id: str, since: datetime) -> int:
        row = await self._db.fetch_one(
            "SELECT COUNT(*) AS n FROM endorsements WHERE team_id = ? AND giver_id = ?"
            " AND given_at >= ?",
            (team_id, giver_id, to_iso(since)),
        )
        return int(row["n"]) if row else 0

    async def last_same(
        self, team_id: str, giver_id: str, receiver_id: str, topic: str
    ) -> datetime | None:
        row = await self._db.fetch_one(
            "SELECT MAX(given_at) AS at FROM endorsements WHERE team_id = ? AND giver_id = ?"
            " AND receiver_id = ? AND topic_key = ?",
            (team_id, giver_id, receiver_id, topic_key(topic)),
        )
        return from_iso(row["at"]) if row and row["at"] else None

    async def topics(self, team_id: str, receiver_id: str) -> list[TopicCount]:
        rows = await self._db.fetch_all(
            "SELECT topic_key, MIN(topic) AS topic, COUNT(*) AS n,"
            " GROUP_CONCAT(DISTINCT giver_id) AS givers FROM endorsements"
            " WHERE team_id = ? AND receiver_id = ? GROUP BY topic_key"
            " ORDER BY n DESC, topic_key",
            (team_id, receiver_id),
        )
        return [
            TopicCount(topic=row["topic"], count=int(row["n"]),
                       givers=tuple(sorted((row["givers"] or "").split(","))))
            for row in rows
        ]

    async def team_topics(self, team_id: str) -> dict[str, set[str]]:
        """Each member's topic keys, for matching people who share interests."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT receiver_id, topic_key FROM endorsements WHERE team_id = ?",
            (team_id,),
        )
        found: dict[str, set[str]] = {}
        for row in rows:
            found.setdefault(row["receiver_id"], set()).add(row["topic_key"])
        return found


class GoalRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set(
        self,
        team_id: str,
        user_id: str,
        target: int,
        by_date: date | None,
        baseline: float | None,
        now: datetime,
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO goals (team_id, user_id, target, by_date, baseline,"
                " set_at) VALUES (?, ?, ?, ?, ?, ?)",
                (team_id, user_id, target, by_date.isoformat() if by_date else None, baseline,
                 to_iso(now)),
            )

    async def get(self, team_id: str, user_id: str) -> Goal | None:
        row = await self._db.fetch_one(
            "SELECT * FROM goals WHERE team_id = ? AND user_id = ?", (team_id, user_id)
        )
        if row is None:
            return None
        return Goal(
            target=int(row["target"]),
            by_date=date.fromisoformat(row["by_date"]) if row["by_date"] else None,
            baseline=row["baseline"],
            set_at=from_iso(row["set_at"]),
        )

    async def clear(self, team_id: str, user_id: str) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM goals WHERE team_id = ? AND user_id = ?", (team_id, user_id)
            )
            return cursor.rowcount > 0
