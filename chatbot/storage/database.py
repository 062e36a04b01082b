"""The connection pool, write transactions and schema upgrades, for SQLite and PostgreSQL.

All SQL lives under `chatbot/storage/`; nothing else in the project builds a
query. Repositories write portable SQL with `?` placeholders; `Connection`
turns them into the driver's own and hands rows back with access by name.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from chatbot.storage.engines import DatabaseTarget, target_of
from chatbot.storage.legacy import LATEST_VERSION as LATEST_VERSION
from chatbot.storage.pg_reads import PgReadPool, ReadConnectionLost
from chatbot.storage.topics import topic_key

if TYPE_CHECKING:
    from chatbot.storage.schema import SchemaState

_BEGIN_ATTEMPTS = 8
_PG_READERS = 4
"""PostgreSQL connections for reads (see bench/RESULTS.md for the sizes tried)."""
_CHUNK = 500
"""Ids per `IN (...)` list, well under SQLite's variable limit."""
_WRITE_LOCK_KEY = 0x6B6C6F75
"""pg_advisory_xact_lock key that makes PostgreSQL write transactions take turns, as
BEGIN IMMEDIATE does on SQLite: the endorsement limits and claims count on it. The
second half of the key is the schema's, so Kloutbots (or tests) in other schemas of the
same database do not queue behind each other's writes."""


class DatabaseUnusable(RuntimeError):
    """The database can't be opened, is not one of ours, or is newer than this program.

    The message is one line for the operator; the process should stop at once
    rather than run on half a store.
    """


class DatabaseUnavailable(RuntimeError):
    """The database server went away (restart, fail-over, network). The pool reconnects
    on the next use; until then commands answer "temporarily unavailable"."""


class Row(tuple[Any, ...]):
    """A result row read by position or by column name, as sqlite3.Row was."""

    _names: dict[str, int]

    def __new__(cls, values: Sequence[Any], names: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row._names = names
        return row

    @classmethod
    def plain(cls, values: Sequence[Any], names: dict[str, int]) -> Row:
        """A PostgreSQL row, its sums made int or float as SQLite gives them."""
        return cls([_plain(value) for value in values], names)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _plain(value: Any) -> Any:
    """PostgreSQL sums come back as Decimal; callers expect the int or float SQLite gives."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class Cursor:
    """The rows of one statement, read at once so nothing stays open across an await."""

    def __init__(self, rows: list[Row], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> Row | None:
        return self._rows.pop(0) if self._rows else None

    async def fetchall(self) -> list[Row]:
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        self._rows = []

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        return None


class _Pending:
    """`await conn.execute(...)` and `async with conn.execute(...) as cursor` both work."""

    def __init__(self, run: Awaitable[Cursor]) -> None:
        self._run = run

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._run.__await__()

    async def __aenter__(self) -> Cursor:
        return await self._run

    async def __aexit__(self, *_: object) -> None:
        return None


class Connection:
    """One pooled connection, inside a write transaction or answering a read."""

    def __init__(self, connection: AsyncConnection, dialect: str,
                 trace: Callable[[str], None] | None = None) -> None:
        self._connection = connection
        self.dialect = dialect
        self._trace = trace
        self.changed = False
        """A statement touched rows a read cache may show: the store's version goes up
        at commit."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Pending:
        return _Pending(self._execute(sql, params))

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await (await self._execute(sql, params)).fetchall()

    async def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        batch = [tuple(row) for row in params]
        if not batch:
            return
        result = await self._run(native_sql(sql, self.dialect), batch)
        self.changed = self.changed or _shown_by_caches(sql)
        result.close()

    async def _execute(self, sql: str, params: Sequence[Any]) -> Cursor:
        result = await self._run(native_sql(sql, self.dialect), tuple(params))
        rows: list[Row] = []
        if result.returns_rows:
            names = {name: index for index, name in enumerate(result.keys())}
            build = Row.plain if self.dialect == "postgresql" else Row
            rows = [build(values, names) for values in result.fetchall()]
        count = result.rowcount if not result.returns_rows or _writes(sql) else -1
        if _writes(sql) and (count > 0 or rows) and _shown_by_caches(sql):
            self.changed = True
        return Cursor(rows, count)

    async def _run(self, sql: str, params: Any) -> Any:
        if self._trace is not None:
            self._trace(sql)
        try:
            return await self._connection.exec_driver_sql(sql, params)
        except SQLAlchemyError as exc:
            raise _translated(exc, self.dialect) from exc


def _writes(sql: str) -> bool:
    return sql.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE", "REPLACE"}


_WRITTEN_TABLE = re.compile(
    r"\s*(?:(?:INSERT|REPLACE)(?:\s+OR\s+\w+)?\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)"
    r"\s+(\w+)", re.IGNORECASE)
_NOT_CACHED = frozenset({"posts", "metric_snapshots", "handles"})
"""Tables no read cache is built from (boards cache scores only): what a refresh writes
while it fetches. Writing them leaves the store's version alone, so a refresh does not
make every replica rebuild its boards for each account it stores; its scores do."""


def _shown_by_caches(sql: str) -> bool:
    """Whether a write may change what a read cache holds; unsure means yes."""
    found = _WRITTEN_TABLE.match(sql)
    return found is None or found.group(1).lower() not in _NOT_CACHED


@lru_cache(maxsize=1024)
def native_sql(sql: str, dialect: str) -> str:
    """`?` placeholders become `$1, $2, ...` for asyncpg; SQLite takes them as written.

    Repository SQL has no `?` inside string literals, so a plain scan is exact."""
    if dialect != "postgresql":
        return sql
    parts = sql.split("?")
    out = [parts[0]]
    for number, part in enumerate(parts[1:], start=1):
        out.append(f"${number}{part}")
    return "".join(out)


def _translated(exc: SQLAlchemyError, dialect: str) -> BaseException:
    """A lost PostgreSQL server is DatabaseUnavailable; everything else is left as it was."""
    if dialect == "postgresql" and (
        isinstance(exc, OperationalError | InterfaceError)
        or (isinstance(exc, DBAPIError) and exc.connection_invalidated)
        or "connection" in type(getattr(exc, "orig", None) or exc).__name__.lower()
    ):
        return DatabaseUnavailable("the database is temporarily unavailable")
    if isinstance(exc, DBAPIError) and isinstance(exc.orig, sqlite3.Error):
        return exc.orig
    if isinstance(exc, DBAPIError) and exc.orig is not None and isinstance(
            exc.orig.__cause__, sqlite3.Error):
        return exc.orig.__cause__
    return exc


class Database:
    """A connection pool shared by every repository.

    Writers take `write_lock` so this process sends one write transaction at a
    time; BEGIN IMMEDIATE (SQLite) or a transaction-scoped advisory lock
    (PostgreSQL) makes them take turns with other processes too. Reads go to
    connections of their own (one SQLite connection on the loop's thread, or a
    few asyncpg ones) and see the last commit.
    """

    def __init__(self, engine: AsyncEngine, target: DatabaseTarget) -> None:
        self.engine = engine
        self.target = target
        self.dialect = target.dialect
        self.write_lock = asyncio.Lock()
        self._closed = False
        self.tracer: Callable[[str], None] | None = None
        """Told every statement this store runs (tests check that a path touches nothing)."""
        self._reader: sqlite3.Connection | None = None
        """SQLite: reads run on the event loop's own thread, on a connection of their own.
        A command's reads are index lookups of tens of microseconds; a hop to a worker
        thread and back cost several times that in this process's CPU, which is what 200
        commands at once queue behind (bench/RESULTS.md)."""
        self._thread_reader: aiosqlite.Connection | None = None
        """SQLite: reads of a whole team (boards, rescoring, exports: tens of milliseconds
        at 10,000 members) run here, on a thread of its own, so the loop answers other
        commands meanwhile; so do reads that find the file busy (rare in WAL mode:
        recovery after a crash, a checkpoint resetting the log), which wait for the lock
        here rather than on the loop."""
        self._commits = 0
        """This process's commits so far: a read asked for after one is never answered by
        a read sent before it."""
        self._in_flight: dict[tuple[str, tuple[Any, ...], int], asyncio.Future[list[Row]]] = {}
        self._pg_reads: PgReadPool | None = None
        """PostgreSQL: reads on asyncpg connections of their own, for the same reason."""

    @property
    def where(self) -> str:
        """The database for messages: the file, or the URL without its password."""
        return self.target.display

    @classmethod
    async def open(cls, url: str | Path, *, migrate: bool = True) -> Database:
        """Open, refuse what this version must not touch, then upgrade under a lock.

        Nothing is written before the schema version is read: a database from a
        newer Kloutbot, or a file that is not a database, is left byte for byte
        as it was.
        """
        from chatbot.storage.schema import check_and_upgrade

        target = target_of(url)
        if target.dialect == "sqlite" and target.path != ":memory:":
            try:
                Path(target.path).parent.mkdir(parents=True, exist_ok=True)
                await asyncio.to_thread(_can_open, target.path)
            except (OSError, sqlite3.Error) as exc:
                raise DatabaseUnusable(
                    f"can't open the database {target.display}: {_reason(exc)}") from exc
        database = cls(_engine(target), target)
        try:
            await check_and_upgrade(database, migrate=migrate)
            if target.dialect == "sqlite" and target.path != ":memory:":
                database._reader = _sqlite_reader(target.path)
                database._thread_reader = await _sqlite_thread_reader(target.path)
            if target.dialect == "postgresql":
                database._pg_reads = PgReadPool.for_engine(
                    database.engine, target.sqlalchemy_url, target.connect_args, _PG_READERS)
        except BaseException as exc:
            await database.close()
            if isinstance(exc, DatabaseUnusable):
                raise
            if isinstance(exc, sqlite3.Error | SQLAlchemyError | OSError | DatabaseUnavailable):
                raise DatabaseUnusable(
                    f"can't use the database {target.display}: "
                    f"{target.redact(_reason(exc))}") from exc
            raise
        return database

    async def close(self) -> None:
        self._closed = True
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._thread_reader is not None:
            await self._thread_reader.close()
            self._thread_reader = None
        if self._pg_reads is not None:
            await self._pg_reads.close()
            self._pg_reads = None
        await self.engine.dispose()

    @asynccontextmanager
    async def connect(self, *, autocommit: bool = False) -> AsyncIterator[AsyncConnection]:
        """A raw pooled connection, for schema work; a lost server is DatabaseUnavailable."""
        if self._closed:
            raise DatabaseUnavailable("the database was closed")
        try:
            async with self.engine.connect() as connection:
                if autocommit:
                    # Reads need no BEGIN and ROLLBACK around them: two round trips saved.
                    await connection.execution_options(isolation_level="AUTOCOMMIT")
                yield connection
        except (OSError, SQLAlchemyError) as exc:
            if isinstance(exc, SQLAlchemyError):
                raise _translated(exc, self.dialect) from exc
            if self.dialect == "postgresql":
                raise DatabaseUnavailable("the database is temporarily unavailable") from exc
            raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A write transaction that is exclusive across processes: what is read inside
        stays true until commit, so a limit checked here holds. Read caches everywhere
        see the store's version move when it changed rows."""
        async with self.write_lock, self._exclusive() as raw:
            conn = Connection(raw, self.dialect, self.tracer)
            try:
                yield conn
                if conn.changed:
                    await conn.execute("UPDATE store_version SET version = version + 1")
                await raw.commit()
                self._commits += 1
            except BaseException:
                await _quietly(raw.rollback)
                raise

    @asynccontextmanager
    async def bookkeeping(self) -> AsyncIterator[Connection]:
        """A write transaction for coordination rows (leases, rate budgets) that no read
        cache shows. On PostgreSQL it takes only the row locks it needs, so replicas
        claiming work do not queue behind each other; SQLite has one writer anyway."""
        if self.dialect == "postgresql":
            async with self.connect() as raw:
                conn = Connection(raw, self.dialect, self.tracer)
                try:
                    yield conn
                    await raw.commit()
                    self._commits += 1
                except BaseException:
                    await _quietly(raw.rollback)
                    raise
            return
        async with self.write_lock, self._exclusive() as raw:
            conn = Connection(raw, self.dialect, self.tracer)
            try:
                yield conn
                await raw.commit()
                self._commits += 1
            except BaseException:
                await _quietly(raw.rollback)
                raise

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection whose exclusive transaction has begun. A PostgreSQL
        connection the server dropped fails at that first statement, before anything
        was written, and is replaced once: reads have their own connections, so a write
        may be the first to meet the pool's dead ones after a restart."""
        for attempt in (1, 2):
            async with self.connect() as raw:
                try:
                    await self._begin(raw, exclusive=True)
                except SQLAlchemyError as exc:
                    if attempt == 1 and isinstance(_translated(exc, self.dialect),
                                                   DatabaseUnavailable):
                        continue
                    raise
                yield raw
                return

    async def _begin(self, raw: AsyncConnection, *, exclusive: bool) -> None:
        if self.dialect == "postgresql":
            if exclusive:
                await raw.exec_driver_sql(
                    f"SELECT pg_advisory_xact_lock({_WRITE_LOCK_KEY}, hashtext(current_schema()))")
            return
        await begin_immediate(raw)

    async def schema(self) -> SchemaState:
        """The revision (and, for old SQLite files, legacy number) this database holds."""
        from chatbot.storage.schema import state_of

        return await state_of(self)

    async def version(self) -> int:
        """Goes up with every commit that changed rows, from any process: read caches
        keep the version they were built at and rebuild when it moves."""
        row = await self.fetch_one("SELECT version FROM store_version")
        return int(row[0]) if row else 0

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Connection]:
        """A connection for reads that helpers shared with write transactions take."""
        # SQLite connections are in autocommit already (transactions begin explicitly).
        async with self.connect(autocommit=self.dialect == "postgresql") as raw:
            yield Connection(raw, self.dialect, self.tracer)

    async def fetch_all(self, sql: str, params: Sequence[Any] = (), *, bulk: bool = False
                        ) -> list[Row]:
        """A read; `bulk` when its size grows with the team (SQLite runs those off the
        loop's thread). The same read already on its way, and asked for since this
        process last committed, is shared instead of sent again: a burst of commands asks
        for the same team row, board size and ranks many times over. When the first asker
        gives up (a deadline), the others read for themselves."""
        if self._closed:
            raise DatabaseUnavailable("the database was closed")
        if self.tracer is not None:
            self.tracer(sql)
        values = tuple(params)
        key = (sql, values, self._commits)
        try:
            shared = self._in_flight.get(key)
        except TypeError:  # an unhashable parameter: nothing to share it by
            return await self._read(sql, values, bulk)
        if shared is not None:
            try:
                return list(await asyncio.shield(shared))
            except asyncio.CancelledError:
                me = asyncio.current_task()
                if me is None or me.cancelling() or not shared.cancelled():
                    raise
                return await self._read(sql, values, bulk)  # the first asker gave up
        answer: asyncio.Future[list[Row]] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = answer
        try:
            rows = await self._read(sql, values, bulk)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                answer.cancel()
            else:
                answer.set_exception(exc)
                answer.exception()  # retrieved: nobody else may have asked
            raise
        else:
            answer.set_result(rows)
            return list(rows)
        finally:
            del self._in_flight[key]

    async def _read(self, sql: str, params: tuple[Any, ...], bulk: bool = False
                    ) -> list[Row]:
        """A read; one that meets a connection the server dropped is tried once more, on
        a new one (the pool discards the others dropped with it)."""
        if self._reader is not None and self._thread_reader is not None:
            if not bulk:
                try:
                    cursor = self._reader.execute(sql, params)
                    return _rows(cursor.fetchall(), cursor.description)
                except sqlite3.OperationalError as exc:
                    if not _busy(exc):
                        raise
            async with self._thread_reader.execute(sql, params) as waited:
                return _rows(list(await waited.fetchall()), waited.description)
        if self._pg_reads is not None:
            return await self._pg_fetch_all(native_sql(sql, self.dialect), params)
        try:
            async with self.connect(autocommit=self.dialect == "postgresql") as raw:
                return await Connection(raw, self.dialect).execute_fetchall(sql, params)
        except DatabaseUnavailable:
            async with self.connect(autocommit=self.dialect == "postgresql") as raw:
                return await Connection(raw, self.dialect).execute_fetchall(sql, params)

    async def _pg_fetch_all(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        """A read that meets a connection the server dropped is tried once more, on a new
        one; the server still missing is DatabaseUnavailable."""
        assert self._pg_reads is not None
        try:
            try:
                records = await self._pg_reads.fetch(sql, params)
            except ReadConnectionLost:
                records = await self._pg_reads.fetch(sql, params)
        except ReadConnectionLost as exc:
            raise DatabaseUnavailable("the database is temporarily unavailable") from exc
        if not records:
            return []
        names = {name: index for index, name in enumerate(records[0].keys())}
        return [Row(record, names) for record in records]

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def analyze(self) -> None:
        """Refresh the planner's statistics after a bulk load (benchmarks, imports). On
        PostgreSQL this vacuums too, as autovacuum would soon: until then no page is
        marked all-visible, so no count can be answered from an index alone."""
        if self.dialect == "postgresql":
            async with self.connect(autocommit=True) as raw:
                # This schema's tables only: the database may hold other Kloutbots'.
                found = await raw.exec_driver_sql(
                    "SELECT quote_ident(tablename) FROM pg_tables"
                    " WHERE schemaname = current_schema()")
                tables = ", ".join(row[0] for row in found.fetchall())
                if tables:
                    await raw.exec_driver_sql(f"VACUUM ANALYZE {tables}")
            return
        async with self.connect() as raw:
            await raw.exec_driver_sql("ANALYZE")
            await raw.commit()

    def group_concat(self, expression: str) -> str:
        """Comma-joined values of a group (`DISTINCT x` allowed), in either dialect."""
        if self.dialect == "postgresql":
            return f"string_agg({expression}, ',')"
        return f"GROUP_CONCAT({expression})"


async def begin_immediate(raw: AsyncConnection) -> None:
    """BEGIN IMMEDIATE, retrying briefly while another process holds SQLite's lock.

    The busy timeout covers most waits, but SQLite refuses at once when this
    connection's snapshot is older than another process's commit; a refused
    BEGIN did nothing, so trying again is safe.
    """
    for attempt in range(_BEGIN_ATTEMPTS):
        try:
            await raw.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == _BEGIN_ATTEMPTS - 1:
                raise
            await asyncio.sleep(0.01 * 2**attempt)


async def _quietly(action: Callable[[], Awaitable[None]]) -> None:
    """Rolling back over a dead connection must not hide why it died."""
    try:
        await action()
    except (SQLAlchemyError, OSError):
        return


def _engine(target: DatabaseTarget) -> AsyncEngine:
    if target.dialect == "postgresql":
        # No pre-ping: it would cost a round trip per read. A connection the server
        # dropped fails once; SQLAlchemy then discards the pool's older connections, reads
        # retry once, and the next command finds fresh ones.
        return create_async_engine(target.sqlalchemy_url, pool_size=5,
                                   max_overflow=10, connect_args=target.connect_args)
    # Every write transaction ends in an explicit COMMIT or ROLLBACK and reads run in
    # autocommit, so a connection handed back has nothing to reset: no thread hop for it.
    engine = create_async_engine(target.sqlalchemy_url, connect_args={"timeout": 5},
                                 pool_reset_on_return=None)

    @event.listens_for(engine.sync_engine, "connect")
    def _prepare(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun explicitly (BEGIN IMMEDIATE for writes); reads autocommit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        dbapi_connection.create_function("klout_topic_key", 1, topic_key, deterministic=True)

    return engine


def _rows(found: list[Any], description: Sequence[Sequence[Any]]) -> list[Row]:
    if not found:
        return []
    names = {column[0]: index for index, column in enumerate(description)}
    return [Row(row, names) for row in found]


def _sqlite_reader(path: str) -> sqlite3.Connection:
    """Never waits for a lock: a busy file is the thread reader's to wait for."""
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("PRAGMA busy_timeout=0")
    reader.execute("PRAGMA query_only=ON")
    reader.create_function("klout_topic_key", 1, topic_key, deterministic=True)
    return reader


async def _sqlite_thread_reader(path: str) -> aiosqlite.Connection:
    reader = await aiosqlite.connect(path, isolation_level=None)
    await reader.execute("PRAGMA busy_timeout=5000")
    await reader.execute("PRAGMA query_only=ON")
    await reader.create_function("klout_topic_key", 1, topic_key, deterministic=True)
    return reader


def _busy(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorname", "") in {"SQLITE_BUSY", "SQLITE_LOCKED"} or any(
        word in str(exc) for word in ("locked", "busy"))


def _can_open(where: str) -> None:
    sqlite3.connect(where).close()


def _reason(exc: BaseException) -> str:
    """One line, whatever the error carried."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    """Splits ids for `IN (...)` lists."""
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def marks(ids: Sequence[str]) -> str:
    """The `?, ?, ?` placeholders for an `IN (...)` list."""
    return ",".join("?" * len(ids))
