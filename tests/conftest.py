from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chatbot.platforms.console import ConsoleSession
from chatbot.settings import Settings
from chatbot.storage import Storage, open_storage
from commands.context import Services
from commands.registry import Dispatcher
from tests.support.fakes import FakeEngine, FakeFollowFriday, FrozenClock

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"


def shared_fixture(relative: str) -> Path:
    """A recorded payload from ../shared/fixtures, or skip when it isn't there."""
    path = SHARED_FIXTURES / relative
    if not path.exists():
        pytest.skip(f"recorded fixture {relative} not available (../shared/fixtures missing)")
    return path


@pytest.fixture(autouse=True)
def hermetic_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings in tests come only from the test: not from the developer's shell or `.env`.

    Subprocesses started by tests inherit the cleaned environment too.
    """
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setitem(Settings.model_config, "env_file", None)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_storage(tmp_path / "klout.db")
    yield opened
    await opened.close()


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def services(storage: Storage, engine: FakeEngine, clock: FrozenClock) -> Services:
    return Services(storage=storage, engine=engine, followfriday=FakeFollowFriday(storage),
                    clock=clock)


@pytest.fixture
def dispatcher(services: Services) -> Dispatcher:
    return Dispatcher(services)


@pytest.fixture
def console(dispatcher: Dispatcher) -> ConsoleSession:
    """The console member `alice` in team `acme`, an admin."""
    return ConsoleSession(dispatcher, user="alice", team="acme")
