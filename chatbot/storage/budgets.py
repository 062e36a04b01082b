"""Request budgets shared by every process on one database: (key, window) -> spent.

Replicas behind one egress address share each network's published limit. A
spend is one conditional UPDATE: it succeeds only while the window's total
stays within the limit, and PostgreSQL re-checks the condition against the
latest row when two replicas spend at once, so the limit is never passed.
"""

from __future__ import annotations

from datetime import datetime

from chatbot.clock import to_iso
from chatbot.storage.database import Database


class RateBudgetRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def spend(self, key: str, window_start: datetime, requests: int, limit: int) -> bool:
        """Take `requests` from the window's budget if they fit under `limit`."""
        window = to_iso(window_start)
        async with self._db.bookkeeping() as conn:
            await conn.execute(
                "INSERT INTO rate_budgets (budget_key, window_start, spent) VALUES (?, ?, 0)"
                " ON CONFLICT (budget_key, window_start) DO NOTHING",
                (key, window),
            )
            cursor = await conn.execute(
                "UPDATE rate_budgets SET spent = spent + ? WHERE budget_key = ?"
                " AND window_start = ? AND spent + ? <= ? RETURNING spent",
                (requests, key, window, requests, limit),
            )
            return await cursor.fetchone() is not None

    async def spent(self, key: str, window_start: datetime) -> int:
        row = await self._db.fetch_one(
            "SELECT spent FROM rate_budgets WHERE budget_key = ? AND window_start = ?",
            (key, to_iso(window_start)),
        )
        return int(row[0]) if row else 0

    async def forget_before(self, moment: datetime) -> int:
        """Drop windows that have ended; how many rows went."""
        async with self._db.bookkeeping() as conn:
            cursor = await conn.execute(
                "DELETE FROM rate_budgets WHERE window_start < ?", (to_iso(moment),))
            return max(cursor.rowcount, 0)
