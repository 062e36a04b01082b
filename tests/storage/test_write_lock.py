"""PostgreSQL write transactions take turns within one Kloutbot database (its schema),
not with every other schema on the server."""

from __future__ import annotations

import asyncio

import pytest

from chatbot.storage import open_storage
from tests.support.engines import POSTGRES_URL, postgres_schema
from tests.support.fakes import FrozenClock


@pytest.mark.skipif(not POSTGRES_URL, reason="needs KLOUT_TEST_POSTGRES_URL")
async def test_a_write_in_one_schema_does_not_wait_for_another_schema_s(
    clock: FrozenClock,
) -> None:
    now = clock.now()
    async with postgres_schema() as first_url, postgres_schema() as second_url:
        first = await open_storage(first_url)
        second = await open_storage(second_url)
        same = await open_storage(first_url)
        try:
            async with first.db.transaction() as conn:
                await conn.execute("UPDATE store_version SET version = version")
                await asyncio.wait_for(
                    second.teams.ensure("console:acme", "console", "acme", now), timeout=5)
                queued = asyncio.create_task(
                    same.teams.ensure("console:acme", "console", "acme", now))
                done, _ = await asyncio.wait({queued}, timeout=0.5)
                assert not done, "a second writer on the same schema waits its turn"
            await queued
            assert await same.teams.get("console:acme") is not None
        finally:
            for storage in (first, second, same):
                await storage.close()
