"""Which schema a database holds, and bringing it to this program's, under a lock.

Every process upgrades at start. Processes starting together take turns: on
PostgreSQL through a session advisory lock, on SQLite inside BEGIN IMMEDIATE;
whoever comes second re-reads the revision and finds the work done. A
database newer than this program (a user_version above the legacy numbers,
or an Alembic revision it does not know) is refused before anything is written.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from chatbot.storage.database import DatabaseUnusable, begin_immediate
from chatbot.storage.legacy import LATEST_VERSION, migrations, split_statements

if TYPE_CHECKING:
    from chatbot.storage.database import Database

_MIGRATION_LOCK_KEY = 0x6B6C6F7575
BASELINE = "0001_baseline"


def scripts() -> ScriptDirectory:
    return ScriptDirectory(str(resources.files("chatbot.storage") / "alembic"))


def head() -> str:
    found = scripts().get_current_head()
    assert found is not None
    return found


def known(revision: str) -> bool:
    try:
        return scripts().get_revision(revision) is not None
    except CommandError:
        return False


@dataclass(frozen=True)
class SchemaState:
    user_version: int
    """SQLite's legacy number (0 on PostgreSQL and on files Alembic built)."""
    revision: str | None
    """The Alembic revision stored in the database, if any."""

    @property
    def current(self) -> str | None:
        """What `kloutbot db status` calls the current revision."""
        if self.revision is not None:
            return self.revision
        return f"legacy {self.user_version}" if self.user_version else None

    @property
    def pending(self) -> bool:
        return self.revision != head()


async def read_state(raw: AsyncConnection, dialect: str) -> SchemaState:
    user_version = 0
    if dialect == "sqlite":
        user_version = int((await raw.exec_driver_sql("PRAGMA user_version")).scalar() or 0)
        present = await raw.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
    else:
        present = await raw.exec_driver_sql(
            "SELECT 1 WHERE to_regclass('alembic_version') IS NOT NULL")
    revision = None
    if present.first() is not None:
        revision = (await raw.exec_driver_sql(
            "SELECT version_num FROM alembic_version")).scalar()
    return SchemaState(user_version, revision)


def refusal(state: SchemaState, where: str) -> str | None:
    """Why this program must not touch the database, if it must not."""
    if state.user_version > LATEST_VERSION:
        return (f"the database {where} was written by a newer Kloutbot (schema "
                f"{state.user_version}; this version knows up to {LATEST_VERSION}); "
                "upgrade Kloutbot or use another database")
    if state.revision is not None and not known(state.revision):
        return (f"the database {where} was written by a newer Kloutbot (revision "
                f"{state.revision}; this version knows up to {head()}); "
                "upgrade Kloutbot or use another database")
    return None


async def state_of(db: Database) -> SchemaState:
    async with db.connect() as raw:
        try:
            return await read_state(raw, db.dialect)
        finally:
            await raw.rollback()


async def check_and_upgrade(db: Database, *, migrate: bool) -> SchemaState:
    """Refuse a newer database; otherwise upgrade it to the head revision."""
    state = await _checked(db)
    if not migrate or not state.pending:
        return state  # the usual start: nothing to write, no lock to wait for
    if db.dialect == "postgresql":
        return await _upgrade_postgres(db)
    return await _upgrade_sqlite(db)


async def _checked(db: Database) -> SchemaState:
    state = await state_of(db)
    reason = refusal(state, db.where)
    if reason:
        raise DatabaseUnusable(reason)
    return state


async def _upgrade_postgres(db: Database) -> SchemaState:
    async with db.connect() as raw:
        await raw.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK_KEY})")
        await raw.commit()
        try:
            state = await read_state(raw, db.dialect)
            reason = refusal(state, db.where)
            if reason:
                raise DatabaseUnusable(reason)
            if state.pending:
                await raw.run_sync(_alembic_upgrade, None)
            await raw.commit()
        finally:
            await raw.rollback()
            await raw.exec_driver_sql(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK_KEY})")
            await raw.commit()
    return await state_of(db)


async def _upgrade_sqlite(db: Database) -> SchemaState:
    async with db.connect() as raw:
        await _set_wal(raw)
        await begin_immediate(raw)
        try:
            state = await read_state(raw, db.dialect)
            reason = refusal(state, db.where)
            if reason:
                raise DatabaseUnusable(reason)
            stamp = None
            if state.revision is None and state.user_version:
                for version, name, sql in migrations():
                    if version > state.user_version:
                        await _apply_legacy(raw, name, sql)
                        await raw.exec_driver_sql(f"PRAGMA user_version={version}")
                stamp = BASELINE
            if state.pending:
                await raw.run_sync(_alembic_upgrade, stamp)
            await raw.commit()
        except BaseException:
            await raw.rollback()
            raise
    return await state_of(db)


async def _apply_legacy(raw: AsyncConnection, name: str, sql: str) -> None:
    for statement in split_statements(sql):
        try:
            await raw.exec_driver_sql(statement)
        except OperationalError as exc:
            raise DatabaseUnusable(f"migration {name} failed: {exc.orig}") from exc


async def _set_wal(raw: AsyncConnection) -> None:
    """WAL needs a moment alone with the file; processes starting together take turns."""
    attempts = 8
    for attempt in range(attempts):
        try:
            await raw.exec_driver_sql("PRAGMA journal_mode=WAL")
            return
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            await asyncio.sleep(0.01 * 2**attempt)


def _alembic_upgrade(connection: Any, stamp: str | None) -> None:
    """Runs inside the caller's transaction: Alembic sees one already begun and joins it."""
    script = scripts()

    def upgrade(revision: Any, _context: Any) -> Any:
        return script._upgrade_revs("head", revision)

    context = MigrationContext.configure(connection, opts={"script": script, "fn": upgrade})
    if stamp is not None:
        context.stamp(script, stamp)
    with Operations.context(context):
        context.run_migrations()
