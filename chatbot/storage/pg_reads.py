"""PostgreSQL reads on a few asyncpg connections of their own, past SQLAlchemy.

A command's reads are small indexed lookups. Through SQLAlchemy's pool and
statement layer each cost about 0.33 ms of this process's CPU; straight on
asyncpg about 0.1 ms, and asyncpg's own pool would add a reset round trip
per release. 200 commands at once make ~2,000 reads, so that difference is
most of the burst's latency (bench/RESULTS.md). Reads run in autocommit and
leave no session state behind, so a connection goes back to the idle list
as it is.

A connection the server dropped fails its read and is thrown away; the next
read opens a fresh one, so a restarted server is found again without help.
Writes stay on SQLAlchemy (transactions, advisory locks).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import asyncpg
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine


def plain_number(text: str) -> int | float:
    """A numeric as SQLite would give it: int when whole, float otherwise."""
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


class ReadConnectionLost(Exception):
    """The server could not be reached or dropped the connection mid-read."""


_LOST = (OSError, asyncio.TimeoutError, asyncpg.InterfaceError,
         asyncpg.exceptions.PostgresConnectionError,
         asyncpg.exceptions.ConnectionDoesNotExistError,
         asyncpg.exceptions.AdminShutdownError,
         asyncpg.exceptions.CannotConnectNowError,
         asyncpg.exceptions.InternalClientError)
"""What a dropped or unreachable server raises, as opposed to an error in the SQL. A
connection the server terminated while it sat idle may not look closed yet; its next
read then fails with InternalClientError ("another operation is in progress")."""


class PgReadPool:
    """At most `size` connections; a read waits for an idle one rather than open more."""

    def __init__(self, connect_args: dict[str, Any], size: int) -> None:
        self._connect_args = connect_args
        self._slots = asyncio.Semaphore(size)
        self._idle: deque[asyncpg.Connection] = deque()
        self._closed = False

    @classmethod
    def for_engine(cls, engine: AsyncEngine, url: URL, extra: dict[str, Any], size: int
                   ) -> PgReadPool:
        """The same server, user, options and session settings as the engine's own pool."""
        args, kwargs = engine.dialect.create_connect_args(url)
        assert not args, "asyncpg takes its connection settings as keywords"
        kwargs = {**kwargs, **extra}
        for sqlalchemy_only in ("prepared_statement_cache_size", "prepared_statement_name_func",
                                "async_creator_fn"):
            kwargs.pop(sqlalchemy_only, None)
        return cls(kwargs, size)

    async def fetch(self, sql: str, params: Sequence[Any]) -> list[asyncpg.Record]:
        """The rows; ReadConnectionLost when the server is gone or went away mid-read."""
        await self._slots.acquire()
        try:
            connection = await self._connection()
        except BaseException:
            self._slots.release()
            raise
        try:
            records = await connection.fetch(sql, *params)
        except _LOST as exc:
            self._discard(connection)
            # What dropped this connection (a restart, a fail-over, terminated backends)
            # most likely dropped the idle ones too: the retry gets a fresh one.
            while self._idle:
                self._idle.popleft().terminate()
            raise ReadConnectionLost(str(exc) or type(exc).__name__) from exc
        except asyncpg.PostgresError:
            self._release(connection)
            raise
        except BaseException:
            # Cancelled mid-read (a deadline): what the connection holds is unknown.
            self._discard(connection)
            raise
        self._release(connection)
        return records

    async def _connection(self) -> asyncpg.Connection:
        if self._closed:
            raise ReadConnectionLost("the database was closed")
        while self._idle:
            connection = self._idle.popleft()
            if not connection.is_closed():
                return connection
        try:
            connection = await asyncpg.connect(**self._connect_args)
            # Sums come back as numeric; callers expect the int or float SQLite gives.
            await connection.set_type_codec("numeric", schema="pg_catalog", format="text",
                                            encoder=str, decoder=plain_number)
            return connection
        except _LOST as exc:
            raise ReadConnectionLost(str(exc) or type(exc).__name__) from exc

    def _release(self, connection: asyncpg.Connection) -> None:
        if self._closed:
            connection.terminate()
        else:
            self._idle.append(connection)
        self._slots.release()

    def _discard(self, connection: asyncpg.Connection) -> None:
        connection.terminate()
        self._slots.release()

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = list(self._idle), deque()
        await asyncio.gather(*(connection.close(timeout=2) for connection in idle),
                             return_exceptions=True)
