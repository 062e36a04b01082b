"""The connection, its pragmas and the numbered migrations.

All SQL lives under `chatbot/storage/`; nothing else in the project builds a
query.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

from chatbot.storage.topics import topic_key

_BEGIN_ATTEMPTS = 8
_CHUNK = 500
"""Ids per `IN (...)` list, well under SQLite's variable limit."""
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) in order; numbering gaps are a packaging bug."""
    found: list[tuple[int, str, str]] = []
    folder = resources.files("chatbot.storage") / "migrations"
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise RuntimeError(f"migration {name} is out of sequence (expected {expected:04d})")
    return found


LATEST_VERSION = len(migrations())


class DatabaseUnusable(RuntimeError):
    """The database can't be opened, is not one of ours, or is newer than this program.

    The message is one line for the operator; the process should stop at once
    rather than run on half a store.
    """


class Database:
    """One aiosqlite connection shared by every repository.

    Writers take `write_lock` so a transaction opened by one coroutine is not
    interleaved with statements from another on the same connection; SQLite
    allows one writer anyway, and WAL lets readers in other processes go on.
    """

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection
        self.write_lock = asyncio.Lock()
        self.commits = 0
        """Write transactions that changed rows through this connection (see `version`)."""

    @classmethod
    async def open(cls, path: str | Path, *, migrate: bool = True) -> Database:
        """Open, refuse what this version must not touch, then migrate under a lock.

        Nothing is written before the schema version is read: a database from a
        newer Kloutbot, or a file that is not a database, is left byte for byte
        as it was.
        """
        where = str(path)
        try:
            if where != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                # aiosqlite leaves its worker thread to finish after a failed connect,
                # which then trips over the closed event loop: fail here instead.
                await asyncio.to_thread(_can_open, where)
            connection = await aiosqlite.connect(where, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseUnusable(f"can't open the database {where}: {_reason(exc)}") from exc
        database = cls(connection)
        try:
            await database._prepare(where, migrate=migrate)
        except BaseException as exc:
            # The connection's worker thread would keep the process alive forever.
            await connection.close()
            if isinstance(exc, sqlite3.Error):
                raise DatabaseUnusable(
                    f"can't use the database {where}: {_reason(exc)}") from exc
            raise
        return database

    async def _prepare(self, where: str, *, migrate: bool) -> None:
        connection = self.connection
        connection.row_factory = aiosqlite.Row
        # Reads and connection settings only, until the version is known to be ours.
        await connection.execute("PRAGMA busy_timeout=5000")
        version = await self.schema_version()
        if version > LATEST_VERSION:
            raise DatabaseUnusable(
                f"the database {where} was written by a newer Kloutbot (schema {version}; this "
                f"version knows up to {LATEST_VERSION}); upgrade Kloutbot or use another file")
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.create_function("klout_topic_key", 1, topic_key, deterministic=True)
        await self._set_wal()
        await connection.execute("PRAGMA synchronous=NORMAL")
        if migrate:
            await self.migrate()

    async def _set_wal(self) -> None:
        """WAL needs a moment alone with the file; processes starting together take turns."""
        for attempt in range(_BEGIN_ATTEMPTS):
            try:
                await self.connection.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == _BEGIN_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.01 * 2**attempt)

    async def close(self) -> None:
        await self.connection.close()

    async def schema_version(self) -> int:
        async with self.connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self, target: int | None = None) -> int:
        """Apply every migration above the stored `user_version`, each atomically.

        The version is read inside the write lock of the migration's own
        transaction, so processes starting together on a new file apply each
        migration once: the others wait, re-read and find it done.
        """
        goal = LATEST_VERSION if target is None else target
        current = await self.schema_version()
        if current >= goal:
            return current  # the usual start: nothing to write, no lock to wait for
        async with self.write_lock:
            for version, name, sql in migrations():
                if version > goal:
                    break
                await self._begin()
                try:
                    current = await self.schema_version()
                    if current < version:
                        await self._apply(name, sql)
                        await self.connection.execute(f"PRAGMA user_version={version}")
                        current = version
                    await self.connection.execute("COMMIT")
                except BaseException:
                    await self.connection.execute("ROLLBACK")
                    raise
        return current

    async def _apply(self, name: str, sql: str) -> None:
        for statement in _split_statements(sql):
            try:
                await self.connection.execute(statement)
            except sqlite3.Error as exc:
                raise DatabaseUnusable(f"migration {name} failed: {_reason(exc)}") from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE so a claim made inside is exclusive across processes."""
        async with self.write_lock:
            await self._begin()
            changes_before = self.connection.total_changes
            try:
                yield self.connection
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            await self.connection.execute("COMMIT")
            if self.connection.total_changes != changes_before:
                self.commits += 1

    async def version(self) -> tuple[int, int]:
        """Changes whenever anyone commits: this process (counted here) or another one
        (SQLite's data_version). Read caches keep the version they were built at."""
        row = await self.fetch_one("PRAGMA data_version")
        return self.commits, int(row[0]) if row else 0

    async def _begin(self) -> None:
        """Start a write transaction, retrying briefly while another process holds the lock.

        The busy timeout covers most waits, but SQLite refuses at once when
        this connection's snapshot is older than another process's commit; a
        refused BEGIN did nothing, so trying again is safe.
        """
        for attempt in range(_BEGIN_ATTEMPTS):
            try:
                await self.connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == _BEGIN_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.01 * 2**attempt)

    async def fetch_all(self, sql: str, params: tuple[object, ...] = ()) -> list[aiosqlite.Row]:
        # Executed and fetched in one step, so no read stays open across an await
        # while another coroutine begins a write on the same connection.
        return list(await self.connection.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: tuple[object, ...] = ()) -> aiosqlite.Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None


def _can_open(where: str) -> None:
    sqlite3.connect(where).close()


def _reason(exc: BaseException) -> str:
    """One line, whatever the error carried."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    """Splits ids for `IN (...)` lists."""
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def marks(ids: Sequence[str]) -> str:
    """The `?, ?, ?` placeholders for an `IN (...)` list."""
    return ",".join("?" * len(ids))


def _split_statements(sql: str) -> list[str]:
    """Migrations hold plain DDL; `sqlite3.complete_statement` finds the boundaries."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return [s for s in statements if s]
