from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chatbot.influence.leaderboards import Leaderboards
from chatbot.platforms.console import ConsoleSession
from chatbot.settings import Settings
from chatbot.storage import Storage, open_storage
from commands.context import Services
from commands.registry import Dispatcher
from tests.support.engines import ENGINES, POSTGRES_URL, database_url_for
from tests.support.fakes import FakeEngine, FakeFollowFriday, FrozenClock

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"


def shared_fixture(relative: str) -> Path:
    """A recorded payload from ../shared/fixtures.

    A developer without the recordings gets a skip; under CI (`CI` set to anything but
    empty, "0" or "false", as every CI service and .ci/run do) a missing recording fails
    the test, so the suite can't pass by silently testing less.
    """
    path = SHARED_FIXTURES / relative
    if not path.exists():
        reason = f"recorded fixture {relative} not available ({SHARED_FIXTURES} missing?)"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false"):
            pytest.fail(f"{reason}; under CI every recorded payload must be present",
                        pytrace=False)
        pytest.skip(reason)
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


@pytest.fixture(params=ENGINES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each engine under test (see tests/support/engines.py)."""
    async with database_url_for(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[Storage]:
    opened = await open_storage(database_url)
    yield opened
    await opened.close()


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def services(storage: Storage, engine: FakeEngine, clock: FrozenClock) -> Services:
    return Services(storage=storage, engine=engine, followfriday=FakeFollowFriday(storage),
                    clock=clock, boards=Leaderboards(storage))


@pytest.fixture
def dispatcher(services: Services) -> Dispatcher:
    return Dispatcher(services)


@pytest.fixture
def console(dispatcher: Dispatcher) -> ConsoleSession:
    """The console member `alice` in team `acme`, an admin."""
    return ConsoleSession(dispatcher, user="alice", team="acme")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly when only half of the storage matrix ran."""
    if not POSTGRES_URL:
        terminalreporter.write_line(
            "PostgreSQL half skipped: KLOUT_TEST_POSTGRES_URL is not set, so storage tests "
            "ran on SQLite only (.ci/run sets it)", yellow=True)
