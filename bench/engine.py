"""Which engine the benchmarks run on: `DATABASE_URL=postgresql://...` puts each bench
database in its own PostgreSQL schema (dropped afterwards); otherwise a SQLite file."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from chatbot.storage.engines import target_of


def engine_name() -> str:
    """"sqlite" or "postgresql", for figure labels."""
    url = os.environ.get("DATABASE_URL", "").strip()
    return target_of(url).dialect if url else "sqlite"


@asynccontextmanager
async def bench_database(folder: Path, name: str) -> AsyncIterator[str]:
    """A URL for an empty database called `name` on the chosen engine."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url or target_of(url).dialect == "sqlite":
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    schema = f"bench_{name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    dsn = "postgresql://" + url.split("://", 1)[1]
    admin = await asyncpg.connect(dsn.split("?", 1)[0])
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        yield f"{url}{'&' if '?' in url else '?'}search_path={schema}"
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await admin.close()
