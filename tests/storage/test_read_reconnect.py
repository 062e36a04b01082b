"""Reads after the server dropped every read connection at once (a restart, terminated
backends) succeed: the dead connections are thrown away together, not met one by one."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from chatbot.storage import open_storage
from chatbot.storage.engines import target_of
from tests.support.engines import is_postgres

VERSION = "SELECT version FROM store_version WHERE version >= ?"


async def test_reads_after_every_connection_was_terminated_succeed(database_url: str) -> None:
    if not is_postgres(database_url):
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    storage = await open_storage(database_url)
    application = target_of(database_url).connect_args["server_settings"]["application_name"]
    admin = await asyncpg.connect("postgresql://" + database_url.split("://", 1)[1]
                                  .split("?", 1)[0])
    try:
        for _ in range(10):
            # Several reads at once, so several read connections are open and idle.
            await asyncio.gather(*(storage.db.fetch_all(VERSION, (n,)) for n in range(6)))
            await admin.fetchval("SELECT COUNT(pg_terminate_backend(pid))"
                                 " FROM pg_stat_activity WHERE application_name = $1",
                                 application)
            found = await asyncio.gather(*(storage.db.fetch_all(VERSION, (n,))
                                           for n in range(6)))
            assert [len(rows) for rows in found] == [1, 0, 0, 0, 0, 0]
    finally:
        await admin.close()
        await storage.close()
