from __future__ import annotations

from pathlib import Path

from chatbot.storage import Database
from chatbot.storage.database import LATEST_VERSION
from chatbot.storage.privacy import MEMBER_TABLES


async def _schema(db: Database) -> list[tuple[str, str]]:
    rows = await db.fetch_all(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"
    )
    return [(row["name"], " ".join(row["sql"].split())) for row in rows]


async def test_fresh_database_is_at_latest_version_in_wal_mode(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "fresh.db")
    try:
        assert await db.schema_version() == LATEST_VERSION
        row = await db.fetch_one("PRAGMA journal_mode")
        assert row is not None and row[0] == "wal"
    finally:
        await db.close()


async def test_old_database_upgrades_to_the_same_schema_and_keeps_its_data(
    tmp_path: Path,
) -> None:
    old = await Database.open(tmp_path / "old.db", migrate=False)
    await old.migrate(target=1)
    assert await old.schema_version() == 1
    await old.connection.execute(
        "INSERT INTO teams (team_id, platform, name, created_at) VALUES"
        " ('console:t', 'console', 't', '2026-01-01T00:00:00+00:00')"
    )
    await old.close()

    upgraded = await Database.open(tmp_path / "old.db")
    fresh = await Database.open(tmp_path / "fresh.db")
    try:
        assert await upgraded.schema_version() == LATEST_VERSION
        assert await _schema(upgraded) == await _schema(fresh)
        row = await upgraded.fetch_one("SELECT card_style FROM teams WHERE team_id='console:t'")
        assert row is not None and row["card_style"] == "text"
    finally:
        await upgraded.close()
        await fresh.close()


async def test_reopening_does_not_run_migrations_twice(tmp_path: Path) -> None:
    for _ in range(2):
        db = await Database.open(tmp_path / "again.db")
        assert await db.schema_version() == LATEST_VERSION
        await db.close()


async def test_forget_covers_every_table_that_names_a_member(tmp_path: Path) -> None:
    """A new table holding member data must be added to forget and export."""
    db = await Database.open(tmp_path / "cover.db")
    try:
        tables = [row["name"] for row in await db.fetch_all(
            "SELECT name FROM sqlite_master WHERE type='table'")]
        member_columns = {"user_id", "giver_id", "receiver_id", "suggested_id"}
        holding = set()
        for table in tables:
            columns = {row["name"] for row in await db.fetch_all(f"PRAGMA table_info({table})")}
            if columns & member_columns:
                holding.add(table)
        assert holding == {table for table, _ in MEMBER_TABLES}
    finally:
        await db.close()
