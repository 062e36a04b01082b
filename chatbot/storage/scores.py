"""Score history (one smoothed point per member per day) and leaderboards."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import aiosqlite

from chatbot.clock import from_iso, to_iso
from chatbot.storage.database import Database
from chatbot.storage.models import ScorePoint, Standing


def _point(row: aiosqlite.Row) -> ScorePoint:
    return ScorePoint(
        day=date.fromisoformat(row["day"]),
        score=int(row["score"]),
        raw=float(row["raw"]),
        version=row["version"],
        components_json=row["components_json"],
        computed_at=from_iso(row["computed_at"]),
    )


def _ranked(values: Mapping[str, float]) -> dict[str, int]:
    """Competition ranking (1, 2, 2, 4); ties broken by id only for a stable order."""
    ordered = sorted(values.items(), key=lambda item: (-item[1], item[0]))
    ranks: dict[str, int] = {}
    previous: float | None = None
    rank = 0
    for position, (user_id, value) in enumerate(ordered, start=1):
        if value != previous:
            rank = position
            previous = value
        ranks[user_id] = rank
    return ranks


class ScoreRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save_day(
        self,
        team_id: str,
        user_id: str,
        day: date,
        score: int,
        raw: float,
        version: str,
        components_json: str,
        network_scores: Mapping[str, float],
        now: datetime,
    ) -> None:
        """Today's point replaces an earlier one of the same day."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO scores (team_id, user_id, day, score, raw, version,"
                " components_json, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (team_id, user_id, day.isoformat(), score, raw, version, components_json,
                 to_iso(now)),
            )
            await conn.execute(
                "DELETE FROM network_scores WHERE team_id = ? AND user_id = ? AND day = ?",
                (team_id, user_id, day.isoformat()),
            )
            await conn.executemany(
                "INSERT INTO network_scores (team_id, user_id, day, network, score)"
                " VALUES (?, ?, ?, ?, ?)",
                [(team_id, user_id, day.isoformat(), net, value)
                 for net, value in network_scores.items()],
            )

    async def latest(self, team_id: str, user_id: str, on_or_before: date | None = None
                     ) -> ScorePoint | None:
        sql = "SELECT * FROM scores WHERE team_id = ? AND user_id = ?"
        params: list[object] = [team_id, user_id]
        if on_or_before is not None:
            sql += " AND day <= ?"
            params.append(on_or_before.isoformat())
        row = await self._db.fetch_one(sql + " ORDER BY day DESC LIMIT 1", tuple(params))
        return _point(row) if row else None

    async def history(self, team_id: str, user_id: str, since: date) -> list[ScorePoint]:
        rows = await self._db.fetch_all(
            "SELECT * FROM scores WHERE team_id = ? AND user_id = ? AND day >= ? ORDER BY day",
            (team_id, user_id, since.isoformat()),
        )
        return [_point(row) for row in rows]

    async def network_history(
        self, team_id: str, user_id: str, since: date
    ) -> dict[str, list[tuple[date, float]]]:
        rows = await self._db.fetch_all(
            "SELECT day, network, score FROM network_scores WHERE team_id = ? AND user_id = ?"
            " AND day >= ? ORDER BY day",
            (team_id, user_id, since.isoformat()),
        )
        series: dict[str, list[tuple[date, float]]] = {}
        for row in rows:
            series.setdefault(row["network"], []).append(
                (date.fromisoformat(row["day"]), float(row["score"]))
            )
        return series

    async def values_on(
        self, team_id: str, day: date, network: str | None = None
    ) -> dict[str, float]:
        """Each member's latest score on or before `day` (overall or one network)."""
        if network is None:
            sql = (
                "SELECT s.user_id, s.raw AS value FROM scores s"
                " JOIN (SELECT user_id, MAX(day) AS day FROM scores"
                "       WHERE team_id = ? AND day <= ? GROUP BY user_id) latest"
                " ON latest.user_id = s.user_id AND latest.day = s.day"
                " WHERE s.team_id = ?"
            )
            params: tuple[object, ...] = (team_id, day.isoformat(), team_id)
        else:
            sql = (
                "SELECT s.user_id, s.score AS value FROM network_scores s"
                " JOIN (SELECT user_id, MAX(day) AS day FROM network_scores"
                "       WHERE team_id = ? AND network = ? AND day <= ? GROUP BY user_id) latest"
                " ON latest.user_id = s.user_id AND latest.day = s.day"
                " WHERE s.team_id = ? AND s.network = ?"
            )
            params = (team_id, network, day.isoformat(), team_id, network)
        rows = await self._db.fetch_all(sql, params)
        return {row["user_id"]: float(row["value"]) for row in rows}

    async def earliest_since(
        self, team_id: str, since: date, network: str | None = None
    ) -> dict[str, float]:
        """First value inside a period, the baseline for members who joined during it."""
        if network is None:
            sql = (
                "SELECT s.user_id, s.raw AS value FROM scores s"
                " JOIN (SELECT user_id, MIN(day) AS day FROM scores"
                "       WHERE team_id = ? AND day >= ? GROUP BY user_id) first"
                " ON first.user_id = s.user_id AND first.day = s.day WHERE s.team_id = ?"
            )
            params: tuple[object, ...] = (team_id, since.isoformat(), team_id)
        else:
            sql = (
                "SELECT s.user_id, s.score AS value FROM network_scores s"
                " JOIN (SELECT user_id, MIN(day) AS day FROM network_scores"
                "       WHERE team_id = ? AND network = ? AND day >= ? GROUP BY user_id) first"
                " ON first.user_id = s.user_id AND first.day = s.day"
                " WHERE s.team_id = ? AND s.network = ?"
            )
            params = (team_id, network, since.isoformat(), team_id, network)
        rows = await self._db.fetch_all(sql, params)
        return {row["user_id"]: float(row["value"]) for row in rows}

    async def standings(
        self,
        team_id: str,
        today: date,
        names: Mapping[str, str],
        *,
        since: date | None = None,
        network: str | None = None,
    ) -> list[Standing]:
        """The whole board, best first.

        Without `since` members rank by current score; with it they rank by
        the gain since that day (the movers). `previous_rank` is the same
        board as it stood seven days earlier, for the arrows.
        """
        current = await self.values_on(team_id, today, network)
        if not current:
            return []

        async def board(day: date) -> dict[str, float]:
            now_values = current if day == today else await self.values_on(team_id, day, network)
            if since is None:
                return now_values
            offset = today - since
            base = await self.values_on(team_id, day - offset, network)
            joined = await self.earliest_since(team_id, day - offset, network)
            return {
                user: value - base.get(user, joined.get(user, value))
                for user, value in now_values.items()
            }

        values = await board(today)
        ranks = _ranked(values)
        week_ago = today.fromordinal(today.toordinal() - 7)
        earlier = await board(week_ago)
        earlier_ranks = _ranked(earlier) if earlier else {}
        return sorted(
            (
                Standing(
                    user_id=user,
                    display_name=names.get(user, user),
                    score=round(current[user]),
                    value=values[user],
                    rank=ranks[user],
                    previous_rank=earlier_ranks.get(user),
                )
                for user in values
            ),
            key=lambda standing: (standing.rank, standing.display_name.casefold()),
        )
