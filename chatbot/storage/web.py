"""The opaque ids web links carry instead of a platform's team and member ids.

An id is random and given out the first time a page or a link needs it, so nothing in
a URL can be read back to a Slack or Discord id, and a team's ids say nothing about
another team's.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from chatbot.storage.database import Database, chunks, marks
from chatbot.storage.models import Team
from chatbot.storage.teams import team_from_row

WEB_ID_BYTES = 12
"""96 random bits: not guessable, and short enough for a link."""


def new_web_id() -> str:
    return secrets.token_urlsafe(WEB_ID_BYTES)


class WebRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def team_web_id(self, team_id: str) -> str | None:
        """The team's id for links (given out now if it has none); None for no such team."""
        row = await self._db.fetch_one("SELECT web_id FROM teams WHERE team_id = ?", (team_id,))
        if row is None:
            return None
        if row["web_id"]:
            return str(row["web_id"])
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE teams SET web_id = ? WHERE team_id = ? AND web_id IS NULL",
                               (new_web_id(), team_id))
        # Another process may have been first: its id is the one kept.
        row = await self._db.fetch_one("SELECT web_id FROM teams WHERE team_id = ?", (team_id,))
        return str(row["web_id"]) if row else None

    async def team_of(self, web_id: str) -> Team | None:
        row = await self._db.fetch_one("SELECT * FROM teams WHERE web_id = ?", (web_id,))
        return team_from_row(row) if row else None

    async def member_web_ids(self, team_id: str, user_ids: Sequence[str]) -> dict[str, str]:
        """user id -> id for links, for the members that exist.

        The first time any of them lacks one, every member of the team without one gets
        theirs in the same transaction: pages then only read, instead of writing a few
        ids on every page view of a big team.
        """
        found = await self._member_ids(team_id, user_ids)
        if any(not web_id for web_id in found.values()):
            async with self._db.transaction() as conn:
                lacking = await conn.execute_fetchall(
                    "SELECT user_id FROM members WHERE team_id = ? AND web_id IS NULL",
                    (team_id,))
                await conn.executemany(
                    "UPDATE members SET web_id = ? WHERE team_id = ? AND user_id = ?"
                    " AND web_id IS NULL",
                    [(new_web_id(), team_id, row[0]) for row in lacking])
            found = await self._member_ids(team_id, user_ids)
        return {user: web_id for user, web_id in found.items() if web_id}

    async def member_of(self, team_id: str, web_id: str) -> str | None:
        row = await self._db.fetch_one(
            "SELECT user_id FROM members WHERE team_id = ? AND web_id = ?", (team_id, web_id))
        return str(row["user_id"]) if row else None

    async def _member_ids(self, team_id: str, user_ids: Sequence[str]) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        for chunk in chunks(list(dict.fromkeys(user_ids))):
            rows = await self._db.fetch_all(
                "SELECT user_id, web_id FROM members WHERE team_id = ?"
                f" AND user_id IN ({marks(chunk)})", (team_id, *chunk))
            found.update({row["user_id"]: row["web_id"] for row in rows})
        return found
