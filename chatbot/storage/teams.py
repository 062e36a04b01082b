"""Teams and their settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chatbot.clock import from_iso, to_iso
from chatbot.storage.database import Database, Row
from chatbot.storage.models import Team

_SETTABLE = {
    "name",
    "post_channel",
    "post_weekday",
    "post_time",
    "timezone",
    "networks",
    "count_unverified",
    "card_style",
    "language",
    "web_public",
}


@dataclass(frozen=True)
class CallerRecord:
    """A team and one of its members as stored; None where nothing is."""

    team_language: str | None
    member_language: str | None
    """The member's own choice; None follows their client and the team."""
    team_name: str | None
    member_name: str | None


def team_from_row(row: Row) -> Team:
    return Team(
        team_id=row["team_id"],
        platform=row["platform"],
        name=row["name"],
        post_channel=row["post_channel"],
        post_weekday=int(row["post_weekday"]),
        post_time=row["post_time"],
        timezone=row["timezone"],
        networks=tuple(n for n in row["networks"].split(",") if n),
        count_unverified=bool(row["count_unverified"]),
        card_style=row["card_style"],
        created_at=from_iso(row["created_at"]),
        language=row["language"],
        web_public=bool(row["web_public"]),
        web_generation=int(row["web_generation"]),
    )


class TeamRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def ensure(self, team_id: str, platform: str, name: str, now: datetime,
                     language: str = "en") -> Team:
        """`language` is a new team's only (a Discord server's locale); an existing team
        keeps what its admin set."""
        # Almost always the team is there under this name: then a read, not a write
        # transaction queued behind a refresh's.
        known = await self.get(team_id)
        if known is not None and (not name or known.name == name):
            return known
        async with self._db.transaction() as conn:
            await conn.execute(
                # New teams start provisional: unverified accounts are seen by their
                # owner only (the column's default predates that rule).
                "INSERT INTO teams (team_id, platform, name, count_unverified, created_at,"
                " language) VALUES (?, ?, ?, 0, ?, ?)"
                " ON CONFLICT (team_id) DO UPDATE SET name = excluded.name"
                " WHERE excluded.name != '' AND excluded.name != teams.name",
                (team_id, platform, name, to_iso(now), language),
            )
        team = await self.get(team_id)
        assert team is not None
        return team

    async def as_seen_by(self, team_id: str, user_id: str) -> CallerRecord:
        """What every command needs to know first about its team and caller, in one read."""
        row = await self._db.fetch_one(
            "SELECT t.language, m.language, t.name, m.display_name FROM teams t"
            " LEFT JOIN members m ON m.team_id = t.team_id AND m.user_id = ?"
            " WHERE t.team_id = ?",
            (user_id, team_id),
        )
        if row is None:
            return CallerRecord(None, None, None, None)
        return CallerRecord(row[0], row[1], row[2], row[3])

    async def get(self, team_id: str) -> Team | None:
        row = await self._db.fetch_one("SELECT * FROM teams WHERE team_id = ?", (team_id,))
        return team_from_row(row) if row else None

    async def list_all(self) -> list[Team]:
        rows = await self._db.fetch_all("SELECT * FROM teams ORDER BY team_id")
        return [team_from_row(row) for row in rows]

    async def update(self, team_id: str, **changes: Any) -> Team:
        unknown = set(changes) - _SETTABLE
        if unknown:
            raise ValueError(f"not a team setting: {', '.join(sorted(unknown))}")
        values: list[object] = []
        for key, value in changes.items():
            if key == "networks":
                value = ",".join(value)
            elif key in ("count_unverified", "web_public"):
                value = int(bool(value))
            values.append(value)
        assignments = ", ".join(f"{key} = ?" for key in changes)
        if changes.get("web_public") is False:
            # Private again: every public link given out so far stops working.
            assignments += ", web_generation = web_generation + 1"
        async with self._db.transaction() as conn:
            await conn.execute(
                f"UPDATE teams SET {assignments} WHERE team_id = ?", (*values, team_id)
            )
        team = await self.get(team_id)
        assert team is not None
        return team

    async def mark_uninstalled(self, team_id: str, at: datetime | None) -> None:
        """`at` starts the grace period before the team's data goes; None (a reinstall)
        cancels it."""
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE teams SET uninstalled_at = ? WHERE team_id = ?",
                               (to_iso(at) if at is not None else None, team_id))

    async def delete_uninstalled_before(self, cutoff: datetime) -> list[str]:
        """Delete (with everything about their members) the teams uninstalled at or before
        `cutoff`, in one transaction: a reinstall racing the purge keeps its team."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT team_id FROM teams WHERE uninstalled_at IS NOT NULL"
                " AND uninstalled_at <= ? ORDER BY team_id", (to_iso(cutoff),))
            gone = [row[0] for row in await cursor.fetchall()]
            await conn.execute("DELETE FROM teams WHERE uninstalled_at IS NOT NULL"
                               " AND uninstalled_at <= ?", (to_iso(cutoff),))
        return gone

    async def delete(self, team_id: str) -> bool:
        """The team and, by the schema's cascades, every row about its members."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM teams WHERE team_id = ?", (team_id,))
        return cursor.rowcount > 0
