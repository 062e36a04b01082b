from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from chatbot.storage import Database
from chatbot.storage.database import LATEST_VERSION, DatabaseUnusable
from chatbot.storage.engines import target_of
from chatbot.storage.privacy import MEMBER_TABLES
from chatbot.storage.schema import head
from tests.support.engines import is_postgres
from tests.support.legacy_db import make_legacy


def _shape(sync_connection: Any) -> dict[str, Any]:
    """Every table's columns, keys and indexes as SQLAlchemy's inspector reports them."""
    inspector = inspect(sync_connection)
    shape: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        shape[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                        for c in inspector.get_columns(table)],
            "primary": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign": sorted((tuple(f["constrained_columns"]), f["referred_table"],
                               tuple(f["referred_columns"]))
                              for f in inspector.get_foreign_keys(table)),
            "indexes": sorted((i["name"], tuple(str(c) for c in i["column_names"]),
                               bool(i["unique"])) for i in inspector.get_indexes(table)),
        }
    return shape


async def _schema_of(db: Database) -> dict[str, Any]:
    async with db.connect() as raw:
        return await raw.run_sync(_shape)


async def test_a_new_database_is_at_the_latest_revision(database_url: str) -> None:
    db = await Database.open(database_url)
    try:
        state = await db.schema()
        assert state.revision == head() and not state.pending
        if not is_postgres(database_url):
            row = await db.fetch_one("PRAGMA journal_mode")
            assert row is not None and row[0] == "wal"
    finally:
        await db.close()


@pytest.mark.parametrize("legacy", range(1, LATEST_VERSION + 1))
async def test_every_legacy_file_upgrades_to_the_same_schema_and_keeps_its_data(
    tmp_path: Path, legacy: int,
) -> None:
    raw = make_legacy(tmp_path / "old.db", legacy)
    raw.execute("INSERT INTO teams (team_id, platform, name, created_at) VALUES"
                " ('console:t', 'console', 't', '2026-01-01T00:00:00+00:00')")
    raw.commit()
    raw.close()

    upgraded = await Database.open(tmp_path / "old.db")
    fresh = await Database.open(tmp_path / "fresh.db")
    try:
        state = await upgraded.schema()
        assert (state.user_version, state.revision) == (LATEST_VERSION, head())
        assert await _schema_of(upgraded) == await _schema_of(fresh)
        row = await upgraded.fetch_one("SELECT card_style FROM teams WHERE team_id='console:t'")
        assert row is not None and row["card_style"] == "text"
    finally:
        await upgraded.close()
        await fresh.close()


async def test_postgres_and_sqlite_hold_the_same_tables_and_columns(
    database_url: str, tmp_path: Path,
) -> None:
    if not is_postgres(database_url):
        pytest.skip("compares PostgreSQL with SQLite")
    postgres = await Database.open(database_url)
    sqlite = await Database.open(tmp_path / "side.db")
    try:
        pg, lite = await _schema_of(postgres), await _schema_of(sqlite)
        assert sorted(pg) == sorted(lite)
        for table in pg:
            assert [c[0] for c in pg[table]["columns"]] == [c[0] for c in lite[table]["columns"]]
            assert pg[table]["primary"] == lite[table]["primary"]
            assert pg[table]["foreign"] == lite[table]["foreign"]
            assert {i[0] for i in pg[table]["indexes"]} == {i[0] for i in lite[table]["indexes"]}
    finally:
        await postgres.close()
        await sqlite.close()


async def test_reopening_does_not_run_migrations_twice(database_url: str) -> None:
    for _ in range(2):
        db = await Database.open(database_url)
        assert (await db.schema()).revision == head()
        await db.close()


async def test_a_database_from_a_newer_revision_is_refused_and_not_written(
    database_url: str,
) -> None:
    db = await Database.open(database_url)
    try:
        async with db.transaction() as conn:
            await conn.execute("UPDATE alembic_version SET version_num = 'from_the_future'")
        before = await db.version()
    finally:
        await db.close()
    with pytest.raises(DatabaseUnusable, match=r"newer Kloutbot.*from_the_future"):
        await Database.open(database_url)
    target = target_of(database_url)
    engine = create_async_engine(target.sqlalchemy_url, connect_args=target.connect_args)
    try:
        async with engine.connect() as raw:
            found = (await raw.exec_driver_sql(
                "SELECT version, version_num FROM store_version, alembic_version")).one()
        assert tuple(found) == (before, "from_the_future")
    finally:
        await engine.dispose()


async def test_processes_starting_together_upgrade_once(database_url: str) -> None:
    opened = await asyncio.gather(*(Database.open(database_url) for _ in range(4)))
    try:
        for db in opened:
            assert (await db.schema()).revision == head()
        row = await opened[0].fetch_one("SELECT COUNT(*) FROM store_version")
        assert row is not None and row[0] == 1
    finally:
        for db in opened:
            await db.close()


async def test_forget_covers_every_table_that_names_a_member(database_url: str) -> None:
    """A new table holding member data must be added to forget and export."""
    db = await Database.open(database_url)
    try:
        shape = await _schema_of(db)
        member_columns = {"user_id", "giver_id", "receiver_id", "suggested_id"}
        holding = {table for table, about in shape.items()
                   if {c[0] for c in about["columns"]} & member_columns}
        assert holding == {table for table, _ in MEMBER_TABLES}
    finally:
        await db.close()
