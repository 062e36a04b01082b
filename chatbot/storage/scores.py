"""Score history (one smoothed point per member per day) and the queries boards read.

`latest_scores` and `latest_network_scores` hold each member's newest point so
boards and ranks read one row per member; `scores` keeps the whole history.
Ranking, movers and their caches are chatbot/influence/leaderboards.py's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from chatbot.clock import from_iso, to_iso
from chatbot.storage.database import Connection, Database, Row, chunks, marks
from chatbot.storage.models import ScorePoint


@dataclass(frozen=True)
class DayScore:
    """One member's point for one day, as refresh writes it."""

    team_id: str
    user_id: str
    day: date
    score: int
    raw: float
    version: str
    components_json: str
    network_scores: Mapping[str, float]
    computed_at: datetime


def _today(point: DayScore) -> str:
    return point.computed_at.date().isoformat()


async def _of_members(conn: Connection, points: Sequence[DayScore]
                      ) -> list[DayScore]:
    """The points whose member still exists, read inside the caller's transaction."""
    teams: dict[str, list[str]] = {}
    for point in points:
        teams.setdefault(point.team_id, []).append(point.user_id)
    present: set[tuple[str, str]] = set()
    for team_id, user_ids in teams.items():
        for chunk in chunks(user_ids):
            async with conn.execute(
                f"SELECT user_id FROM members WHERE team_id = ? AND user_id IN ({marks(chunk)})",
                (team_id, *chunk),
            ) as cursor:
                present.update((team_id, row[0]) for row in await cursor.fetchall())
    return [p for p in points if (p.team_id, p.user_id) in present]


_POINT = "day, score, raw, version, components_json, computed_at"
"""The columns `_point` reads, in its order: a card reads 90 of these rows, so they are
read by position."""
_S_POINT = ", ".join(f"s.{column}" for column in _POINT.split(", "))


def _point(row: Row) -> ScorePoint:
    return ScorePoint(date.fromisoformat(row[0]), int(row[1]), float(row[2]), row[3], row[4],
                      from_iso(row[5]))


class ScoreRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save_days(self, points: Sequence[DayScore]) -> None:
        """Many members' points in one transaction: refresh writes a whole team at once.

        Members who left (`forget`) while their score was computed get no point:
        the check is inside the transaction. A point dated after the moment it was
        computed can only come from a clock that was ahead; the next real point
        replaces it everywhere, so boards and history don't keep showing it.
        """
        if not points:
            return
        async with self._db.transaction() as conn:
            points = await _of_members(conn, points)
            await conn.executemany(
                "DELETE FROM scores WHERE team_id = ? AND user_id = ? AND day > ?",
                [(p.team_id, p.user_id, _today(p)) for p in points],
            )
            await conn.executemany(
                "DELETE FROM network_scores WHERE team_id = ? AND user_id = ? AND day > ?",
                [(p.team_id, p.user_id, _today(p)) for p in points],
            )
            await conn.executemany(
                "INSERT INTO scores (team_id, user_id, day, score, raw, version,"
                " components_json, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (team_id, user_id, day) DO UPDATE SET score = excluded.score,"
                " raw = excluded.raw, version = excluded.version,"
                " components_json = excluded.components_json, computed_at = excluded.computed_at",
                [(p.team_id, p.user_id, p.day.isoformat(), p.score, p.raw, p.version,
                  p.components_json, to_iso(p.computed_at)) for p in points],
            )
            await conn.executemany(
                "INSERT INTO latest_scores (team_id, user_id, day, score, raw)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (team_id, user_id) DO UPDATE SET"
                " day = excluded.day, score = excluded.score, raw = excluded.raw"
                " WHERE excluded.day >= latest_scores.day OR latest_scores.day > ?",
                [(p.team_id, p.user_id, p.day.isoformat(), p.score, p.raw, _today(p))
                 for p in points],
            )
            keys = [(p.team_id, p.user_id, p.day.isoformat()) for p in points]
            await conn.executemany(
                "DELETE FROM network_scores WHERE team_id = ? AND user_id = ? AND day = ?", keys
            )
            # A network the member dropped leaves the per-network boards with the new point.
            await conn.executemany(
                "DELETE FROM latest_network_scores WHERE team_id = ? AND user_id = ?"
                " AND (day <= ? OR day > ?)",
                [(p.team_id, p.user_id, p.day.isoformat(), _today(p)) for p in points],
            )
            per_network = [
                (p.team_id, p.user_id, p.day.isoformat(), network, value)
                for p in points
                for network, value in p.network_scores.items()
            ]
            await conn.executemany(
                "INSERT INTO network_scores (team_id, user_id, day, network, score)"
                " VALUES (?, ?, ?, ?, ?)",
                per_network,
            )
            await conn.executemany(
                "INSERT INTO latest_network_scores (team_id, user_id, day, network,"
                " score) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                per_network,
            )

    async def withdraw(self, team_id: str, user_ids: Sequence[str]) -> None:
        """Take members off the boards until their next point: nothing they have counts
        now (no account, or only unverified ones in a provisional team), or what counted
        changed so that their next point must start afresh rather than be smoothed from
        one that counted more. Their history stays."""
        if not user_ids:
            return
        async with self._db.transaction() as conn:
            for table in ("latest_scores", "latest_network_scores"):
                await conn.executemany(
                    f"DELETE FROM {table} WHERE team_id = ? AND user_id = ?",
                    [(team_id, user_id) for user_id in user_ids],
                )

    async def latest(self, team_id: str, user_id: str, on_or_before: date | None = None
                     ) -> ScorePoint | None:
        sql = f"SELECT {_POINT} FROM scores WHERE team_id = ? AND user_id = ?"
        params: list[object] = [team_id, user_id]
        if on_or_before is not None:
            sql += " AND day <= ?"
            params.append(on_or_before.isoformat())
        row = await self._db.fetch_one(sql + " ORDER BY day DESC LIMIT 1", tuple(params))
        return _point(row) if row else None

    async def latest_before(
        self, team_id: str, user_ids: Sequence[str], day: date
    ) -> dict[str, ScorePoint]:
        """Each member's newest point before `day`: what today's point is smoothed from."""
        found: dict[str, ScorePoint] = {}
        for chunk in chunks(user_ids):
            rows = await self._db.fetch_all(
                f"SELECT {_S_POINT}, s.user_id FROM latest_scores m JOIN scores s"
                " ON s.team_id = m.team_id"
                " AND s.user_id = m.user_id AND s.day = (SELECT MAX(day) FROM scores t"
                "  WHERE t.team_id = m.team_id AND t.user_id = m.user_id AND t.day < ?)"
                f" WHERE m.team_id = ? AND m.user_id IN ({marks(chunk)})",
                (day.isoformat(), team_id, *chunk), bulk=True,
            )
            found.update({row[6]: _point(row) for row in rows})
        return found

    async def history(self, team_id: str, user_id: str, since: date) -> list[ScorePoint]:
        rows = await self._db.fetch_all(
            f"SELECT {_POINT} FROM scores WHERE team_id = ? AND user_id = ? AND day >= ?"
            " ORDER BY day",
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

    async def latest_values(self, team_id: str, network: str | None = None
                            ) -> dict[str, tuple[str, float]]:
        """Each member on the current board: (day of their newest point, its value). A
        board built from several days reads this once and hands it to `values_on`."""
        if network is None:
            rows = await self._db.fetch_all(
                "SELECT user_id, day, raw AS value FROM latest_scores WHERE team_id = ?",
                (team_id,), bulk=True,
            )
        else:
            rows = await self._db.fetch_all(
                "SELECT user_id, day, score AS value FROM latest_network_scores"
                " WHERE team_id = ? AND network = ?",
                (team_id, network), bulk=True,
            )
        # By position: a team's board is thousands of rows.
        return {row[0]: (row[1], float(row[2])) for row in rows}

    async def _on_exact_day(self, team_id: str, day: str, network: str | None
                            ) -> dict[str, float]:
        if network is None:
            rows = await self._db.fetch_all(
                "SELECT user_id, raw AS value FROM scores WHERE team_id = ? AND day = ?",
                (team_id, day), bulk=True,
            )
        else:
            rows = await self._db.fetch_all(
                "SELECT user_id, score AS value FROM network_scores"
                " WHERE team_id = ? AND network = ? AND day = ?",
                (team_id, network, day), bulk=True,
            )
        return {row[0]: float(row[1]) for row in rows}

    async def _seek(
        self, team_id: str, user_ids: Sequence[str], day: str, network: str | None, *,
        after: bool = False,
    ) -> dict[str, float]:
        """Per member, the newest value on or before `day` (or the oldest on or after it)."""
        found: dict[str, float] = {}
        order = "ASC" if after else "DESC"
        compare = ">=" if after else "<="
        for chunk in chunks(user_ids):
            placeholders = marks(chunk)
            if network is None:
                sql = (
                    f"SELECT m.user_id, (SELECT s.raw FROM scores s WHERE s.team_id = m.team_id"
                    f" AND s.user_id = m.user_id AND s.day {compare} ? ORDER BY s.day {order}"
                    f" LIMIT 1) AS value FROM latest_scores m"
                    f" WHERE m.team_id = ? AND m.user_id IN ({placeholders})"
                )
                params: tuple[object, ...] = (day, team_id, *chunk)
            else:
                sql = (
                    f"SELECT m.user_id, (SELECT s.score FROM network_scores s"
                    f" WHERE s.team_id = m.team_id AND s.user_id = m.user_id"
                    f" AND s.network = m.network AND s.day {compare} ? ORDER BY s.day {order}"
                    f" LIMIT 1) AS value FROM latest_network_scores m"
                    f" WHERE m.team_id = ? AND m.network = ? AND m.user_id IN ({placeholders})"
                )
                params = (day, team_id, network, *chunk)
            for row in await self._db.fetch_all(sql, params, bulk=True):
                if row[1] is not None:
                    found[row[0]] = float(row[1])
        return found

    async def values_on(
        self, team_id: str, day: date, network: str | None = None, *,
        latest: Mapping[str, tuple[str, float]] | None = None,
    ) -> dict[str, float]:
        """Each member's latest score on or before `day` (overall or one network).

        Today is one row per member; a past day reads that day's rows through a
        covering index and seeks only members who have no point on it. `latest` is
        `latest_values`, when the caller has read it already.
        """
        wanted = day.isoformat()
        if latest is None:
            latest = await self.latest_values(team_id, network)
        values = {user: value for user, (seen, value) in latest.items() if seen <= wanted}
        pending = [user for user, (seen, _) in latest.items() if seen > wanted]
        if pending:
            exact = await self._on_exact_day(team_id, wanted, network)
            values.update({user: exact[user] for user in pending if user in exact})
            missing = [user for user in pending if user not in exact]
            if missing:
                values.update(await self._seek(team_id, missing, wanted, network))
        return values

    async def first_on_or_after(
        self, team_id: str, user_ids: Sequence[str], day: date, network: str | None = None
    ) -> dict[str, float]:
        """Per member, the oldest value on or after `day`: where a newcomer's gain starts."""
        return await self._seek(team_id, user_ids, day.isoformat(), network, after=True)

    async def board_size(self, team_id: str, network: str | None = None) -> int:
        """Members on the current board (overall or one network)."""
        table, _, scope, params = _latest_table(team_id, network)
        row = await self._db.fetch_one(f"SELECT COUNT(*) AS n FROM {table} WHERE {scope}", params)
        return int(row["n"]) if row else 0

    async def board_slice(
        self, team_id: str, network: str | None = None, *, limit: int, offset: int
    ) -> list[tuple[str, float]]:
        """(member, current value) from highest, ties by id: one page of the current board
        read through the index, whatever the team's size."""
        table, column, scope, params = _latest_table(team_id, network)
        rows = await self._db.fetch_all(
            f"SELECT user_id, {column} AS value FROM {table} WHERE {scope}"
            f" ORDER BY {column} DESC, user_id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [(row["user_id"], float(row["value"])) for row in rows]

    async def board_place(self, team_id: str, user_id: str, network: str | None = None
                          ) -> tuple[float, int] | None:
        """(the member's current value, how many members are above it) on the board, in
        one round trip; None when they are not on it."""
        table, column, scope, params = _latest_table(team_id, network)
        row = await self._db.fetch_one(
            # Unqualified names in the subquery are its own table's; `m` is the member's row.
            f"SELECT m.{column} AS value, (SELECT COUNT(*) FROM {table}"
            f" WHERE {scope} AND {column} > m.{column}) AS above"
            f" FROM {table} m WHERE {scope} AND user_id = ?",
            (*params, *params, user_id),
        )
        return (float(row["value"]), int(row["above"])) if row else None

    async def members_above(self, team_id: str, value: float, network: str | None = None
                            ) -> int:
        """How many members are on the current board with more than `value`."""
        table, column, scope, params = _latest_table(team_id, network)
        row = await self._db.fetch_one(
            f"SELECT COUNT(*) AS n FROM {table} WHERE {scope} AND {column} > ?",
            (*params, value),
        )
        return int(row["n"]) if row else 0


def _latest_table(team_id: str, network: str | None) -> tuple[str, str, str, tuple[object, ...]]:
    """(table, value column, WHERE clause, its parameters) of the current board."""
    if network is None:
        return "latest_scores", "raw", "team_id = ?", (team_id,)
    return "latest_network_scores", "score", "team_id = ? AND network = ?", (team_id, network)
