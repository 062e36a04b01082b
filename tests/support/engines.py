"""Each storage test runs on SQLite and, given KLOUT_TEST_POSTGRES_URL, on PostgreSQL.

A PostgreSQL test gets its own schema (the URL's search_path), made before and
dropped after the test, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from chatbot.storage.engines import target_of

POSTGRES_URL = os.environ.get("KLOUT_TEST_POSTGRES_URL", "").strip()
ENGINES = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


def _dsn(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


@asynccontextmanager
async def postgres_schema() -> AsyncIterator[str]:
    """A URL whose tables live in a new, empty schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(_dsn(POSTGRES_URL))
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        separator = "&" if "?" in POSTGRES_URL else "?"
        yield f"{POSTGRES_URL}{separator}search_path={schema}&application_name={schema}"
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await admin.close()


@asynccontextmanager
async def database_url_for(engine: str, tmp_path: Path) -> AsyncIterator[str]:
    if engine == "postgresql":
        async with postgres_schema() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'klout.db'}"


def is_postgres(url: str) -> bool:
    return target_of(url).dialect == "postgresql"
