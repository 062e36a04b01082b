"""Request budgets shared by every process on one database, as a sliding window.

Replicas behind one egress address share each network's published limit. A
window of W seconds is cut into BUCKETS rows of W / BUCKETS seconds each,
(key, bucket start) -> requests sent in it. Taking budget sums the buckets
that can still hold a request whose answer came less than W ago and adds to
the current one only while the sum stays within the limit. Fixed windows
would not do: 300 requests at the end of one and 300 at the start of the
next are 600 inside five minutes for a server whose window starts
elsewhere (GitHub's starts at the first request).

Reading the sum and adding to it must not interleave between processes:
SQLite runs it inside BEGIN IMMEDIATE, PostgreSQL under a transaction-scoped
advisory lock on the key, so replicas spending different keys never wait
for each other.
"""

from __future__ import annotations

import math
import zlib
from datetime import UTC, datetime

from chatbot.storage.database import Connection, Database

BUCKETS = 60
"""Buckets per window: at most one bucket's worth (1/60) of the rate goes unused."""

_LOCK_SPACE = 0x6B6C
"""First key of the two-key advisory locks taken per budget (a space apart from the
one-key lock write transactions take)."""


def bucket_of(moment: float, window: float) -> int:
    """The bucket a moment (epoch seconds) falls in, for a window of that length."""
    return math.floor(moment / (window / BUCKETS))


def _stamp(bucket: int, window: float) -> str:
    """A bucket's start as sortable text (UTC, milliseconds)."""
    start = datetime.fromtimestamp(bucket * window / BUCKETS, UTC)
    return start.isoformat(timespec="milliseconds")


def _bucket_at(stamp: str, window: float) -> int:
    return round(datetime.fromisoformat(stamp).timestamp() / (window / BUCKETS))


class RateBudgetRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def take(self, key: str, wanted: int, limit: int, window: float, now: float,
                   unused: tuple[float, int] | None = None) -> tuple[int, float]:
        """Up to `wanted` requests for `key` at `now` (epoch seconds) without the last
        `window` seconds ever holding more than `limit`.

        Returns (granted, wait): what was taken, and when nothing was, the seconds
        until one request would fit. A request counts in the bucket it was sent in
        until `carry` moves it to the one its answer came in. `unused` gives back
        requests an earlier take got at that moment and never sent.
        """
        current = bucket_of(now, window)
        oldest = current - BUCKETS
        async with self._db.bookkeeping() as conn:
            if self._db.dialect == "postgresql":
                await conn.execute("SELECT pg_advisory_xact_lock(?, ?)",
                                   (_LOCK_SPACE, _signed32(zlib.crc32(key.encode()))))
            if unused is not None and unused[1] > 0:
                taken_at, count = unused
                await conn.execute(
                    "UPDATE rate_budgets SET spent = spent - ? WHERE budget_key = ?"
                    " AND window_start = ? AND spent >= ?",
                    (count, key, _stamp(bucket_of(taken_at, window), window), count))
            rows = await conn.execute_fetchall(
                "SELECT window_start, spent FROM rate_budgets WHERE budget_key = ?"
                " AND window_start >= ? ORDER BY window_start",
                (key, _stamp(oldest, window)),
            )
            spent = [(_bucket_at(row[0], window), int(row[1])) for row in rows]
            granted = min(wanted, limit - sum(count for _, count in spent))
            if granted <= 0:
                return 0, _wait(spent, limit, window, now)
            await self._add(conn, key, _stamp(current, window), granted)
        return granted, 0.0

    async def carry(self, key: str, window: float, sent: float, answered: float) -> None:
        """A request answered in a later bucket than it was sent in occupies the budget
        until one window after its answer: move it there."""
        was, now = bucket_of(sent, window), bucket_of(answered, window)
        if now <= was:
            return
        async with self._db.bookkeeping() as conn:
            await self._add(conn, key, _stamp(now, window), 1)
            await conn.execute(
                "UPDATE rate_budgets SET spent = spent - 1 WHERE budget_key = ?"
                " AND window_start = ? AND spent > 0",
                (key, _stamp(was, window)),
            )

    async def spent(self, key: str, window: float, now: float) -> int:
        """Requests that still count against `key`'s window at `now`."""
        current = bucket_of(now, window)
        row = await self._db.fetch_one(
            "SELECT COALESCE(SUM(spent), 0) FROM rate_budgets WHERE budget_key = ?"
            " AND window_start >= ? AND window_start <= ?",
            (key, _stamp(current - BUCKETS, window), _stamp(current, window)),
        )
        return int(row[0]) if row else 0

    async def forget_before(self, moment: datetime) -> int:
        """Drop buckets that started before `moment`; how many rows went. Nothing older
        than the longest window counts any more."""
        async with self._db.bookkeeping() as conn:
            cursor = await conn.execute(
                "DELETE FROM rate_budgets WHERE window_start < ?",
                (moment.astimezone(UTC).isoformat(timespec="milliseconds"),))
            return max(cursor.rowcount, 0)

    @staticmethod
    async def _add(conn: Connection, key: str, stamp: str, requests: int) -> None:
        await conn.execute(
            "INSERT INTO rate_budgets (budget_key, window_start, spent) VALUES (?, ?, ?)"
            " ON CONFLICT (budget_key, window_start)"
            " DO UPDATE SET spent = rate_budgets.spent + excluded.spent",
            (key, stamp, requests),
        )


def _wait(spent: list[tuple[int, int]], limit: int, window: float, now: float) -> float:
    """Seconds until the oldest buckets have aged out enough for one more request."""
    short = sum(count for _, count in spent) + 1 - limit
    for bucket, count in spent:
        short -= count
        if short <= 0:
            return max(0.0, (bucket + BUCKETS + 1) * window / BUCKETS - now)
    return window / BUCKETS


def _signed32(value: int) -> int:
    return value - (1 << 32) if value >= 1 << 31 else value
