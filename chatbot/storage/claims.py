"""Who holds which account in a team, and how two claims on one account end.

An account is the network's stable id (`handles.account_id`); the typed
handle only says how to fetch it. One account belongs to at most one member
of a team: a verified claim keeps it; between unverified claims the older one
does, until another member proves the account is theirs with a code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chatbot.clock import from_iso, to_iso
from chatbot.storage.database import Connection, Database, Row
from chatbot.storage.models import Challenge, Handle, Holder
from chatbot.storage.notices import CLAIM_RESOLVED, CLAIM_TAKEN, leave_notice
from chatbot.storage.stored_messages import dump_message
from chatbot.values.message import Msg


async def holder_of(
    conn: Connection,
    team_id: str,
    network: str,
    account_id: str | None,
    handle: str | None,
    *,
    excluding: str,
) -> Holder | None:
    """Another member's claim on the account: by its id, or by its handle while the
    stored id is unknown (a Mastodon claim from before ids were URIs)."""
    rows = list(await conn.execute_fetchall(
        "SELECT user_id, handle, verified_at FROM handles WHERE team_id = ? AND network = ?"
        " AND user_id != ? AND (account_id = ? OR (account_id IS NULL AND handle = ?))"
        " ORDER BY verified_at IS NULL, created_at LIMIT 1",
        (team_id, network, excluding, account_id, handle),
    ))
    if not rows:
        return None
    row = rows[0]
    return Holder(row["user_id"], row["handle"], row["verified_at"] is not None)


async def drop_claim(
    conn: Connection,
    team_id: str,
    user_id: str,
    network: str,
    *,
    notice: str | None,
    now: datetime,
) -> None:
    """Remove a member's claim with what was fetched for it, and take the member off
    the boards until their next refresh scores them without it."""
    cursor = await conn.execute(
        "DELETE FROM handles WHERE team_id = ? AND user_id = ? AND network = ? RETURNING handle",
        (team_id, user_id, network),
    )
    removed = await cursor.fetchone()
    member = (team_id, user_id)
    for table in ("posts", "metric_snapshots", "latest_network_scores"):
        await conn.execute(
            f"DELETE FROM {table} WHERE team_id = ? AND user_id = ? AND network = ?",
            (*member, network),
        )
    await conn.execute("DELETE FROM latest_scores WHERE team_id = ? AND user_id = ?", member)
    if notice is not None and removed is not None:
        await leave_notice(conn, team_id, user_id, notice, network, removed["handle"], now)


def claim_order(verified_at: str | None, created_at: str, user_id: str
                ) -> tuple[bool, str, str]:
    """Sorts the claim that keeps an account first: verified, then oldest."""
    return (verified_at is None, created_at, user_id)


async def fetched_claim_holds(conn: Connection, handle: Handle, account_id: str,
                              now: datetime) -> bool:
    """Whether what a fetch of `handle` brought back may be stored, decided inside the
    caller's write transaction so that nothing removed meanwhile is written back.

    The claim is the handle row as refresh read it (same name, same registration: a
    re-registration has a new code and time); a member who ran `forget` or `unregister`
    while the fetch was in flight has none. It is the account, not the name: when the
    name now leads to another account (renamed, then taken by someone else) the claim
    stays on the old one, labelled stale. A first-seen id another member of the team
    holds too is settled like any duplicate: verified first, then the older claim; the
    loser's claim goes and its member is told.
    """
    team_id, user_id, network = handle.team_id, handle.user_id, handle.network
    cursor = await conn.execute(
        "SELECT account_id, verified_at, created_at FROM handles WHERE team_id = ?"
        " AND user_id = ? AND network = ? AND handle = ? AND verify_code = ?"
        " AND created_at = ?",
        (team_id, user_id, network, handle.handle, handle.verify_code,
         to_iso(handle.created_at)),
    )
    own = await cursor.fetchone()
    if own is None:
        return False
    stored = own["account_id"]
    if network == "mastodon" and stored is not None and not stored.startswith(
            ("https://", "http://")):
        stored = None  # server-local, from before Mastodon ids were account URIs
    if stored is not None and stored != account_id:
        await conn.execute(
            "UPDATE handles SET stale_reason = ?, stale_since = COALESCE(stale_since, ?)"
            " WHERE team_id = ? AND user_id = ? AND network = ?",
            (dump_message(Msg(
                "{handle} now leads to a different account than the one registered; "
                "if yours was renamed, register its new name", handle=handle.handle)),
             to_iso(now), team_id, user_id, network),
        )
        return False
    if stored is None:
        cursor = await conn.execute(
            "SELECT user_id, verified_at, created_at FROM handles WHERE team_id = ?"
            " AND network = ? AND account_id = ? AND user_id != ?",
            (team_id, network, account_id, user_id),
        )
        other = await cursor.fetchone()
        if other is not None:
            mine = claim_order(own["verified_at"], own["created_at"], user_id)
            theirs = claim_order(other["verified_at"], other["created_at"], other["user_id"])
            loser = user_id if theirs < mine else other["user_id"]
            await drop_claim(conn, team_id, loser, network, notice=CLAIM_RESOLVED, now=now)
            if loser == user_id:
                return False
    return True


@dataclass(frozen=True)
class TakeOver:
    done: bool
    """The caller's claim is now the verified one."""
    previous: Holder | None
    """The unverified claim that was removed (done) or the verified one that stays (not done)."""


def _challenge(row: Row) -> Challenge:
    return Challenge(
        team_id=row["team_id"],
        user_id=row["user_id"],
        network=row["network"],
        handle=row["handle"],
        account_id=row["account_id"],
        verify_code=row["verify_code"],
        created_at=from_iso(row["created_at"]),
    )


class ClaimRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def challenge(
        self,
        team_id: str,
        user_id: str,
        network: str,
        handle: str,
        account_id: str,
        verify_code: str,
        now: datetime,
    ) -> Challenge:
        """The member's pending claim on an account held unverified by someone else;
        a newer one on the same network replaces it."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO claim_challenges (team_id, user_id, network, handle,"
                " account_id, verify_code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (team_id, user_id, network) DO UPDATE SET handle = excluded.handle,"
                " account_id = excluded.account_id, verify_code = excluded.verify_code,"
                " created_at = excluded.created_at",
                (team_id, user_id, network, handle, account_id, verify_code, to_iso(now)),
            )
        found = await self.challenge_of(team_id, user_id, network)
        assert found is not None
        return found

    async def challenge_of(self, team_id: str, user_id: str, network: str) -> Challenge | None:
        row = await self._db.fetch_one(
            "SELECT * FROM claim_challenges WHERE team_id = ? AND user_id = ? AND network = ?",
            (team_id, user_id, network),
        )
        return _challenge(row) if row else None

    async def challenges_of(self, team_id: str, user_id: str) -> list[Challenge]:
        rows = await self._db.fetch_all(
            "SELECT * FROM claim_challenges WHERE team_id = ? AND user_id = ? ORDER BY network",
            (team_id, user_id),
        )
        return [_challenge(row) for row in rows]

    async def take_over(self, team_id: str, user_id: str, network: str, now: datetime
                        ) -> TakeOver:
        """The challenger proved the account is theirs: their claim replaces an unverified
        one, whose member is told. A claim verified meanwhile keeps the account."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT * FROM claim_challenges WHERE team_id = ? AND user_id = ?"
                " AND network = ?",
                (team_id, user_id, network),
            )
            row = await cursor.fetchone()
            if row is None:
                return TakeOver(done=False, previous=None)
            challenge = _challenge(row)
            holder = await holder_of(conn, team_id, network, challenge.account_id,
                                     challenge.handle, excluding=user_id)
            if holder is not None and holder.verified:
                return TakeOver(done=False, previous=holder)
            if holder is not None:
                await drop_claim(conn, team_id, holder.user_id, network, notice=CLAIM_TAKEN,
                                 now=now)
            # The caller's own earlier account on this network gives way, data and all.
            await drop_claim(conn, team_id, user_id, network, notice=None, now=now)
            await conn.execute(
                "INSERT INTO handles (team_id, user_id, network, handle, account_id,"
                " verify_code, verified_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (team_id, user_id, network, challenge.handle, challenge.account_id,
                 challenge.verify_code, to_iso(now), to_iso(now)),
            )
            await conn.execute(
                "DELETE FROM claim_challenges WHERE team_id = ? AND user_id = ? AND network = ?",
                (team_id, user_id, network),
            )
        return TakeOver(done=True, previous=holder)
