"""Endorsements (+K on a topic) and smart goals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chatbot.clock import from_iso, to_iso
from chatbot.storage.database import Database
from chatbot.storage.members import ensure_member
from chatbot.storage.models import Goal, TopicCount
from chatbot.storage.topics import topic_key


@dataclass(frozen=True)
class EndorsementLimits:
    per_day: int
    same_topic_every: timedelta


@dataclass(frozen=True)
class Gift:
    """What `give` did: stored (with the topic's count so far) or refused, and why."""

    stored: bool
    topic_count: int = 0
    daily_cap_reached: bool = False
    same_topic_again_at: datetime | None = None


class EndorsementRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def give(
        self,
        team_id: str,
        giver: tuple[str, str],
        receiver: tuple[str, str],
        topic: str,
        now: datetime,
        limits: EndorsementLimits,
    ) -> Gift:
        """Check the limits and store the endorsement in one write transaction.

        Counting first and inserting later let twelve gives sent at once all pass
        the daily cap; inside BEGIN IMMEDIATE the next give sees this one.
        `giver` and `receiver` are (member id, display name).
        """
        key = topic_key(topic)
        (giver_id, giver_name), (receiver_id, receiver_name) = giver, receiver
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT COUNT(*) FROM endorsements WHERE team_id = ? AND giver_id = ?"
                " AND given_at >= ?",
                (team_id, giver_id, to_iso(now - timedelta(days=1))),
            ) as cursor:
                given = (await cursor.fetchone() or (0,))[0]
            if given >= limits.per_day:
                return Gift(stored=False, daily_cap_reached=True)
            async with conn.execute(
                "SELECT MAX(given_at) FROM endorsements WHERE team_id = ? AND giver_id = ?"
                " AND receiver_id = ? AND topic_key = ?",
                (team_id, giver_id, receiver_id, key),
            ) as cursor:
                last_text = (await cursor.fetchone() or (None,))[0]
            if last_text is not None:
                again = from_iso(last_text) + limits.same_topic_every
                if now < again:
                    return Gift(stored=False, same_topic_again_at=again)
            await ensure_member(conn, team_id, giver_id, giver_name, now)
            await ensure_member(conn, team_id, receiver_id, receiver_name, now)
            await conn.execute(
                "INSERT INTO endorsements (team_id, giver_id, receiver_id, topic, topic_key,"
                " given_at) VALUES (?, ?, ?, ?, ?, ?)",
                (team_id, giver_id, receiver_id, topic, key, to_iso(now)),
            )
            async with conn.execute(
                "SELECT COUNT(*) FROM endorsements WHERE team_id = ? AND receiver_id = ?"
                " AND topic_key = ?",
                (team_id, receiver_id, key),
            ) as cursor:
                count = (await cursor.fetchone() or (1,))[0]
        return Gift(stored=True, topic_count=int(count))

    async def topics(self, team_id: str, receiver_id: str) -> list[TopicCount]:
        rows = await self._db.fetch_all(
            "SELECT topic_key, MIN(topic) AS topic, COUNT(*) AS n,"
            f" {self._db.group_concat('DISTINCT giver_id')} AS givers FROM endorsements"
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
            (team_id,), bulk=True,
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
                "INSERT INTO goals (team_id, user_id, target, by_date, baseline,"
                " set_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (team_id, user_id) DO UPDATE SET"
                " target = excluded.target, by_date = excluded.by_date,"
                " baseline = excluded.baseline, set_at = excluded.set_at",
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
