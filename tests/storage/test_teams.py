"""A command makes sure its team exists on every call; that must not cost a write."""

from __future__ import annotations

from datetime import timedelta

from chatbot.storage import Storage
from tests.support.fakes import FrozenClock

TEAM = "slack:T1"


async def test_a_known_team_under_its_name_is_read_not_written(
    storage: Storage, clock: FrozenClock
) -> None:
    first = await storage.teams.ensure(TEAM, "slack", "Acme", clock.now())
    statements: list[str] = []
    storage.db.tracer = statements.append
    try:
        again = await storage.teams.ensure(TEAM, "slack", "Acme", clock.now() + timedelta(1))
        unnamed = await storage.teams.ensure(TEAM, "slack", "", clock.now())
    finally:
        storage.db.tracer = None
    assert again == first and unnamed == first
    assert statements and all(sql.lstrip().upper().startswith("SELECT") for sql in statements)


async def test_a_renamed_team_is_written(storage: Storage, clock: FrozenClock) -> None:
    await storage.teams.ensure(TEAM, "slack", "Acme", clock.now())
    renamed = await storage.teams.ensure(TEAM, "slack", "Acme Inc", clock.now())
    assert renamed.name == "Acme Inc"
    stored = await storage.teams.get(TEAM)
    assert stored is not None and stored.name == "Acme Inc" and stored.platform == "slack"
