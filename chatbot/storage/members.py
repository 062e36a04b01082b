"""Members and the accounts they registered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chatbot.clock import from_iso, to_iso
from chatbot.storage.claims import holder_of
from chatbot.storage.database import Connection, Database, Row, chunks, marks
from chatbot.storage.models import Handle, Holder, Member
from chatbot.storage.stored_messages import dump_message, load_message
from chatbot.values.message import Msg


def member_from_row(row: Row) -> Member:
    refreshed = row["last_refreshed_at"]
    return Member(
        team_id=row["team_id"],
        user_id=row["user_id"],
        display_name=row["display_name"],
        joined_at=from_iso(row["joined_at"]),
        last_refreshed_at=from_iso(refreshed) if refreshed else None,
        language=row["language"],
    )


def _optional_time(value: str | None) -> datetime | None:
    return from_iso(value) if value else None


def _handle(row: Row) -> Handle:
    return Handle(
        team_id=row["team_id"],
        user_id=row["user_id"],
        network=row["network"],
        handle=row["handle"],
        account_id=row["account_id"],
        verify_code=row["verify_code"],
        verified_at=_optional_time(row["verified_at"]),
        created_at=from_iso(row["created_at"]),
        last_fetched_at=_optional_time(row["last_fetched_at"]),
        stale_reason=load_message(row["stale_reason"]),
        stale_since=_optional_time(row["stale_since"]),
    )


async def ensure_member(conn: Connection, team_id: str, user_id: str,
                        display_name: str, now: datetime) -> None:
    """Inside the caller's transaction: create the member or follow a rename."""
    await conn.execute(
        "INSERT INTO members (team_id, user_id, display_name, joined_at)"
        " VALUES (?, ?, ?, ?)"
        " ON CONFLICT (team_id, user_id) DO UPDATE SET display_name = excluded.display_name"
        " WHERE excluded.display_name != '' AND excluded.display_name != members.display_name",
        (team_id, user_id, display_name, to_iso(now)),
    )


class MemberRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def ensure(self, team_id: str, user_id: str, display_name: str, now: datetime) -> None:
        """Create the member or follow a rename; the id is the identity, the name is not."""
        async with self._db.transaction() as conn:
            await ensure_member(conn, team_id, user_id, display_name, now)

    async def follow_rename(self, team_id: str, user_id: str, display_name: str) -> None:
        """Keep the shown name current without creating a member who never opted in."""
        if not display_name:
            return
        # Almost always the name is unchanged: then a read, not a write transaction.
        stale = await self._db.fetch_one(
            "SELECT 1 FROM members WHERE team_id = ? AND user_id = ? AND display_name != ?",
            (team_id, user_id, display_name),
        )
        if stale is None:
            return
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE members SET display_name = ? WHERE team_id = ? AND user_id = ?"
                " AND display_name != ?",
                (display_name, team_id, user_id, display_name),
            )

    async def set_language(self, team_id: str, user_id: str, language: str | None,
                           now: datetime) -> None:
        """None goes back to following the platform and the team."""
        async with self._db.transaction() as conn:
            await ensure_member(conn, team_id, user_id, "", now)
            await conn.execute(
                "UPDATE members SET language = ? WHERE team_id = ? AND user_id = ?",
                (language, team_id, user_id),
            )

    async def get(self, team_id: str, user_id: str) -> Member | None:
        row = await self._db.fetch_one(
            "SELECT * FROM members WHERE team_id = ? AND user_id = ?", (team_id, user_id)
        )
        return member_from_row(row) if row else None

    async def all(self, team_id: str) -> list[Member]:
        rows = await self._db.fetch_all(
            "SELECT * FROM members WHERE team_id = ? ORDER BY user_id", (team_id,), bulk=True
        )
        return [member_from_row(row) for row in rows]

    async def names(self, team_id: str) -> dict[str, str]:
        rows = await self._db.fetch_all(
            "SELECT user_id, display_name FROM members WHERE team_id = ?", (team_id,), bulk=True
        )
        return {row["user_id"]: row["display_name"] or row["user_id"] for row in rows}

    async def names_of(self, team_id: str, user_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in chunks(user_ids):
            rows = await self._db.fetch_all(
                "SELECT user_id, display_name FROM members WHERE team_id = ?"
                f" AND user_id IN ({marks(chunk)})",
                (team_id, *chunk),
            )
            found.update({row["user_id"]: row["display_name"] or row["user_id"]
                          for row in rows})
        return found

    async def mark_refreshed_many(self, members: Sequence[tuple[str, str]], now: datetime
                                  ) -> None:
        if not members:
            return
        async with self._db.transaction() as conn:
            await conn.executemany(
                "UPDATE members SET last_refreshed_at = ? WHERE team_id = ? AND user_id = ?",
                [(to_iso(now), team_id, user_id) for team_id, user_id in members],
            )


class HandleRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        team_id: str,
        user_id: str,
        network: str,
        handle: str,
        account_id: str | None,
        verify_code: str,
        now: datetime,
    ) -> Handle | Holder:
        """Register or replace the member's account on that network, or name the member
        who holds that account already (nothing is written then).

        Registering the same account again keeps its verification; another account
        starts unverified, and the old one's posts and snapshots go with it.
        """
        async with self._db.transaction() as conn:
            holder = await holder_of(conn, team_id, network, account_id, handle,
                                     excluding=user_id)
            if holder is not None:
                return holder
            cursor = await conn.execute(
                "SELECT handle, account_id FROM handles WHERE team_id = ? AND user_id = ?"
                " AND network = ?",
                (team_id, user_id, network),
            )
            previous = await cursor.fetchone()
            same = previous is not None and (
                previous["account_id"] == account_id if account_id is not None
                else previous["handle"] == handle
            )
            if previous is not None and not same:
                for table in ("posts", "metric_snapshots"):
                    await conn.execute(
                        f"DELETE FROM {table} WHERE team_id = ? AND user_id = ? AND network = ?",
                        (team_id, user_id, network),
                    )
            await conn.execute(
                "INSERT INTO handles (team_id, user_id, network, handle, account_id,"
                " verify_code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (team_id, user_id, network) DO UPDATE SET"
                " handle = excluded.handle, account_id = excluded.account_id,"
                " verify_code = excluded.verify_code,"
                " created_at = CASE WHEN ? = 1 THEN handles.created_at"
                " ELSE excluded.created_at END,"
                " verified_at = CASE WHEN ? = 1 THEN handles.verified_at END,"
                " last_fetched_at = NULL,"
                " stale_reason = NULL, stale_since = NULL",
                (team_id, user_id, network, handle, account_id, verify_code, to_iso(now),
                 int(same), int(same)),
            )
            await conn.execute(
                "DELETE FROM claim_challenges WHERE team_id = ? AND user_id = ? AND network = ?",
                (team_id, user_id, network),
            )
        registered = await self.get(team_id, user_id, network)
        assert registered is not None
        return registered

    async def holder(self, team_id: str, network: str, account_id: str | None, handle: str,
                     *, excluding: str) -> Holder | None:
        """Which other member of the team holds this account, if any."""
        async with self._db.reading() as conn:
            return await holder_of(conn, team_id, network, account_id, handle,
                                   excluding=excluding)

    async def get(self, team_id: str, user_id: str, network: str) -> Handle | None:
        row = await self._db.fetch_one(
            "SELECT * FROM handles WHERE team_id = ? AND user_id = ? AND network = ?",
            (team_id, user_id, network),
        )
        return _handle(row) if row else None

    async def for_member(self, team_id: str, user_id: str) -> list[Handle]:
        rows = await self._db.fetch_all(
            "SELECT * FROM handles WHERE team_id = ? AND user_id = ? ORDER BY network",
            (team_id, user_id),
        )
        return [_handle(row) for row in rows]

    async def for_members(self, team_id: str, user_ids: Sequence[str]) -> dict[str, list[Handle]]:
        found: dict[str, list[Handle]] = {user_id: [] for user_id in user_ids}
        for chunk in chunks(user_ids):
            rows = await self._db.fetch_all(
                f"SELECT * FROM handles WHERE team_id = ? AND user_id IN ({marks(chunk)})"
                " ORDER BY user_id, network",
                (team_id, *chunk), bulk=True,
            )
            for row in rows:
                found[row["user_id"]].append(_handle(row))
        return found

    async def for_team(self, team_id: str) -> list[Handle]:
        rows = await self._db.fetch_all(
            "SELECT * FROM handles WHERE team_id = ? ORDER BY user_id, network", (team_id,),
            bulk=True,
        )
        return [_handle(row) for row in rows]

    async def members_with_unverified(self, team_id: str) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT DISTINCT user_id FROM handles WHERE team_id = ? AND verified_at IS NULL"
            " ORDER BY user_id",
            (team_id,), bulk=True,
        )
        return [row["user_id"] for row in rows]

    async def remove(self, team_id: str, user_id: str, network: str) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM handles WHERE team_id = ? AND user_id = ? AND network = ?",
                (team_id, user_id, network),
            )
            removed = cursor.rowcount > 0
            await conn.execute(
                "DELETE FROM posts WHERE team_id = ? AND user_id = ? AND network = ?",
                (team_id, user_id, network),
            )
            for table in ("metric_snapshots", "claim_challenges"):
                await conn.execute(
                    f"DELETE FROM {table} WHERE team_id = ? AND user_id = ? AND network = ?",
                    (team_id, user_id, network),
                )
        return removed

    async def mark_verified(self, team_id: str, user_id: str, network: str, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE handles SET verified_at = ? WHERE team_id = ? AND user_id = ?"
                " AND network = ?",
                (to_iso(now), team_id, user_id, network),
            )

    async def mark_stale(
        self, team_id: str, user_id: str, network: str, reason: Msg | str, now: datetime
    ) -> None:
        """Keep the last good data; remember why it is old and since when, untranslated
        (chatbot/storage/stored_messages.py)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE handles SET stale_reason = ?, stale_since = COALESCE(stale_since, ?)"
                " WHERE team_id = ? AND user_id = ? AND network = ?",
                (dump_message(reason), to_iso(now), team_id, user_id, network),
            )
