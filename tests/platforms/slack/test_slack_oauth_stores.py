"""The installation and state stores on both engines the bot runs on: SQLite always, and
PostgreSQL when KLOUT_TEST_POSTGRES_URL names a server (each run in a database of its own)."""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import time_machine
from pydantic import SecretStr
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from chatbot.platforms.slack_adapter import SlackConfigError, SlackPlatform
from chatbot.platforms.slack_oauth import BOT_SCOPES, SlackInstallations
from chatbot.settings import Settings
from chatbot.storage import Storage, open_storage
from commands.registry import Dispatcher
from tests.platforms.slack.fake_slack_api import (
    BOT_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    SIGNING_SECRET,
)

POSTGRES_URL = os.environ.get("KLOUT_TEST_POSTGRES_URL", "").strip()
MANIFEST = Path(__file__).resolve().parents[3] / "slack-manifest.yml"


def _asyncpg(url: str) -> str:
    return "postgresql+asyncpg://" + url.split("://", 1)[1]


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'klout.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("KLOUT_TEST_POSTGRES_URL is not set: the PostgreSQL half is skipped")
    name = f"klout_slack_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(_asyncpg(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = POSTGRES_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[Storage]:
    opened = await open_storage(database_url)
    yield opened
    await opened.close()


@pytest.fixture
async def installations(storage: Storage) -> AsyncIterator[SlackInstallations]:
    opened = SlackInstallations(CLIENT_ID, storage.db.engine)
    await opened.create_tables()
    yield opened


def _installation(team_id: str, token: str) -> Installation:
    return Installation(app_id="A0KLOUT", team_id=team_id, team_name=f"Team {team_id}",
                        bot_token=token, bot_id="B0BOT", bot_user_id="U0BOT",
                        bot_scopes=",".join(BOT_SCOPES), user_id="U0INSTALLER")


async def test_a_fresh_database_has_no_installations_before_the_platform_starts(
    storage: Storage,
) -> None:
    fresh = SlackInstallations(CLIENT_ID, storage.db.engine)
    assert await fresh.bot_token("T0ONE") is None


async def test_installations_live_in_the_bot_s_own_database_next_to_its_tables(
    installations: SlackInstallations, storage: Storage,
) -> None:
    await installations.store.async_save(_installation("T0ONE", "xoxb-one-0000000000"))
    # The bot's storage reads the row the store wrote: one database, one pool.
    row = await storage.db.fetch_one(
        "SELECT bot_token FROM slack_bots WHERE team_id = ?", ("T0ONE",))
    assert row is not None and row[0] == "xoxb-one-0000000000"


async def test_an_installation_is_kept_found_and_removed_per_workspace(
    installations: SlackInstallations,
) -> None:
    await installations.create_tables()  # a second start finds the tables there
    await installations.store.async_save(_installation("T0ONE", "xoxb-one-0000000000"))
    await installations.store.async_save(_installation("T0TWO", "xoxb-two-0000000000"))
    assert await installations.bot_token("T0ONE") == "xoxb-one-0000000000"
    assert await installations.bot_token("T0TWO") == "xoxb-two-0000000000"
    await installations.remove("T0ONE")
    assert await installations.bot_token("T0ONE") is None
    assert await installations.store.async_find_installation(enterprise_id=None,
                                                             team_id="T0ONE") is None
    assert await installations.bot_token("T0TWO") == "xoxb-two-0000000000"


async def test_a_state_is_consumed_once_and_not_after_it_expires(
    installations: SlackInstallations,
) -> None:
    state = await installations.states.async_issue()
    assert await installations.states.async_consume(state)
    assert not await installations.states.async_consume(state)
    late = await installations.states.async_issue()
    with time_machine.travel(time.time() + 11 * 60):
        assert not await installations.states.async_consume(late)
    assert not await installations.states.async_consume("never-issued")


def test_the_install_asks_for_exactly_the_manifests_bot_scopes() -> None:
    manifest = MANIFEST.read_text()
    bot = manifest.split("    bot:\n", 1)[1].split("\nsettings:", 1)[0]
    assert tuple(re.findall(r"^\s+- ([a-z:.]+)", bot, re.MULTILINE)) == BOT_SCOPES


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_app_credentials_without_a_bot_token_mean_many_workspaces() -> None:
    many = _settings(slack_client_id=CLIENT_ID, slack_client_secret=SecretStr(CLIENT_SECRET),
                     slack_signing_secret=SecretStr(SIGNING_SECRET))
    assert many.slack_oauth_enabled and many.slack_enabled
    one = _settings(slack_client_id=CLIENT_ID, slack_client_secret=SecretStr(CLIENT_SECRET),
                    slack_signing_secret=SecretStr(SIGNING_SECRET),
                    slack_bot_token=SecretStr(BOT_TOKEN))
    assert not one.slack_oauth_enabled and one.slack_enabled  # one workspace, as before
    unsigned = _settings(slack_client_id=CLIENT_ID, slack_client_secret=SecretStr(CLIENT_SECRET))
    assert not unsigned.slack_enabled


def test_many_workspaces_over_socket_mode_is_a_configuration_error(
    dispatcher: Dispatcher, tmp_path: Path,
) -> None:
    settings = _settings(slack_client_id=CLIENT_ID, slack_client_secret=SecretStr(CLIENT_SECRET),
                         slack_signing_secret=SecretStr(SIGNING_SECRET),
                         slack_app_token=SecretStr("xapp-test-app-token"),
                         database_url=f"sqlite:///{tmp_path / 'klout.db'}")
    with pytest.raises(SlackConfigError, match="HTTP mode"):
        SlackPlatform(settings, dispatcher)
