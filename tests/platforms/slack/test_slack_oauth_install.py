"""Slack for many workspaces, end to end: the real bolt app in HTTP mode, installed into two
workspaces through the OAuth flow against the local fake's `oauth.v2.access`, then each
workspace's commands answered with its own bot token, and an uninstall removing one."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
import time_machine
from pydantic import SecretStr

from chatbot.cli import main
from chatbot.platforms.slack_adapter import SlackPlatform
from chatbot.platforms.slack_oauth import BOT_SCOPES, NOT_INSTALLED
from chatbot.redacted_logging import REDACT, install_redaction, secret_values
from chatbot.settings import Settings
from chatbot.storage import Storage
from chatbot.team_removal import purge_uninstalled
from chatbot.values.delivery import DeliveryError
from chatbot.values.reply import Reply, Visibility
from commands.registry import Dispatcher
from tests.platforms.slack.fake_slack_api import (
    CHANNEL_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    SIGNING_SECRET,
    FakeSlack,
    FakeWorkspace,
    bearer_token,
    sign,
    slash_body,
)
from tests.support.fakes import FrozenClock, seed_scores

STATE_COOKIE = "slack-app-oauth-state"


def oauth_settings(api_url: str, database: Path) -> Settings:
    """What an operator hosting Kloutbot for many workspaces writes in .env."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_client_id=CLIENT_ID,
        slack_client_secret=SecretStr(CLIENT_SECRET),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=api_url,
        database_url=f"sqlite:///{database}",
        port=0,
    )


@dataclass
class Host:
    """A browser for the install pages and Slack's side of the events URL."""

    fake: FakeSlack
    platform: SlackPlatform
    http: aiohttp.ClientSession
    storage: Storage

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.platform.port}"

    async def start_install(self) -> tuple[str, str]:
        """GET /slack/install: Slack's authorize URL, and the state the browser keeps."""
        async with self.http.get(f"{self.base}/slack/install", allow_redirects=False) as r:
            assert r.status == 302
            location = r.headers["Location"]
            cookie = r.cookies[STATE_COOKIE].value
        state = parse_qs(urlsplit(location).query)["state"][0]
        assert cookie == state  # the browser that started the install must finish it
        return location, state

    async def finish_install(self, code: str, state: str, *, cookie: str | None = None
                             ) -> tuple[int, str]:
        """Slack sends the browser back to /slack/oauth_redirect with the code and state."""
        cookie = state if cookie is None else cookie
        async with self.http.get(f"{self.base}/slack/oauth_redirect",
                                 params={"code": code, "state": state},
                                 headers={"Cookie": f"{STATE_COOKIE}={cookie}"},
                                 allow_redirects=False) as r:
            return r.status, await r.text()

    async def install(self, workspace: FakeWorkspace) -> None:
        _, state = await self.start_install()
        status, page = await self.finish_install(workspace.code, state)
        assert status == 200, page

    async def post_signed(self, body: str, content_type: str) -> int:
        async with self.http.post(f"{self.base}/slack/events", data=body.encode(),
                                  headers={"Content-Type": content_type, **sign(body)}) as r:
            return r.status

    async def command(self, workspace: FakeWorkspace, text: str, user_id: str
                      ) -> dict[str, Any]:
        """`/klout text` from a member of `workspace`; the body posted to its response URL."""
        token = f"{workspace.team_id}-{len(self.fake.calls)}"
        body = slash_body(text, user_id=user_id, team_id=workspace.team_id,
                          team_domain=workspace.name.lower(),
                          response_url=self.fake.response_url(token))
        assert await self.post_signed(body, "application/x-www-form-urlencoded") == 200
        await self.platform.listeners.drain()
        answers = [c for c in self.fake.of("respond") if c.path.endswith(token)]
        assert answers, "no answer posted to the response URL"
        return dict(json.loads(answers[0].raw))

    async def event(self, workspace: FakeWorkspace, event: dict[str, Any]) -> int:
        body = json.dumps({"token": "legacy-unused", "team_id": workspace.team_id,
                           "api_app_id": "A0KLOUT", "type": "event_callback",
                           "event_id": "Ev0001", "event_time": 1700000000, "event": event})
        status = await self.post_signed(body, "application/json")
        await self.platform.listeners.drain()
        return status


@pytest.fixture
async def host(fake_slack: FakeSlack, dispatcher: Dispatcher, storage: Storage,
               tmp_path: Path) -> AsyncIterator[Host]:
    # The `storage` fixture's database: the stores live next to the bot's own tables.
    settings = oauth_settings(fake_slack.api_url, tmp_path / "klout.db")
    platform = SlackPlatform(settings, dispatcher, host="127.0.0.1")
    await platform.start()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        yield Host(fake_slack, platform, http, storage)
    await platform.stop()


@pytest.fixture
def acme(fake_slack: FakeSlack) -> FakeWorkspace:
    return fake_slack.add_workspace("T0ACME", "Acme Corp")


@pytest.fixture
def globex(fake_slack: FakeSlack) -> FakeWorkspace:
    return fake_slack.add_workspace("T0GLOBEX", "Globex")


def tokens_used(fake: FakeSlack, method: str) -> list[str | None]:
    return [bearer_token(call) for call in fake.of(method)]


async def test_install_sends_the_admin_to_slack_with_a_state_and_the_manifest_scopes(
    host: Host,
) -> None:
    location, state = await host.start_install()
    assert location.startswith("https://slack.com/oauth/v2/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"][0].split(",") == list(BOT_SCOPES)
    assert len(state) >= 32
    assert not host.fake.of("oauth.v2.access")  # nothing is exchanged before Slack answers


async def test_two_workspaces_each_get_their_answers_with_their_own_bot_token(
    host: Host, acme: FakeWorkspace, globex: FakeWorkspace, clock: FrozenClock,
) -> None:
    await host.install(acme)
    await host.install(globex)
    exchanged = host.fake.of("oauth.v2.access")
    assert [call.body["code"] for call in exchanged] == [acme.code, globex.code]

    host.fake.add_user("U0ANNA", "Anna")
    host.fake.add_user("U0GREG", "Greg")
    before = len(host.fake.of("users.info"))
    from_acme = await host.command(acme, "help", "U0ANNA")
    assert tokens_used(host.fake, "users.info")[before:] == [acme.bot_token]
    before = len(host.fake.of("users.info"))
    from_globex = await host.command(globex, "help", "U0GREG")
    assert tokens_used(host.fake, "users.info")[before:] == [globex.bot_token]
    assert "what I can do" in from_acme["text"] and "what I can do" in from_globex["text"]

    teams = {team.team_id: team for team in await host.storage.teams.list_all()}
    assert teams["slack:T0ACME"].name == "Acme Corp"  # the name Slack gave at install
    assert teams["slack:T0GLOBEX"].name == "Globex"
    # Each workspace's board holds its own members only.
    today = clock.now().date()
    await seed_scores(host.storage, "slack:T0ACME", "U0ANNA", "Anna", [40.0], last_day=today)
    await seed_scores(host.storage, "slack:T0GLOBEX", "U0GREG", "Greg", [50.0], last_day=today)
    acme_board = json.dumps(await host.command(acme, "leaderboard", "U0ANNA"))
    globex_board = json.dumps(await host.command(globex, "leaderboard", "U0GREG"))
    assert "Anna" in acme_board and "Greg" not in acme_board
    assert "Greg" in globex_board and "Anna" not in globex_board

    # The weekly post goes out with the workspace's own token too.
    await host.platform.post("slack:T0GLOBEX", CHANNEL_ID,
                             Reply(text="#FollowFriday", visibility=Visibility.CHANNEL))
    assert tokens_used(host.fake, "chat.postMessage") == [globex.bot_token]


async def test_a_german_member_of_an_uninstalled_workspace_is_told_in_german(
    host: Host, acme: FakeWorkspace, clock: FrozenClock,
) -> None:
    await host.install(acme)
    await seed_scores(host.storage, "slack:T0ACME", "U0ANNA", "Anna", [40.0, 41.0],
                      last_day=clock.now().date())
    await host.storage.teams.update("slack:T0ACME", language="de")
    assert await host.event(acme, {"type": "app_uninstalled", "event_ts": "1700000000.1"}) \
        == 200
    host.fake.revoked.add(acme.bot_token)
    answer = await host.command(acme, "help", "U0ANNA")
    assert answer["text"] == ("Kloutbot ist in diesem Workspace nicht mehr installiert. Ein "
                              "Admin des Workspaces kann ihn über die Seite /slack/install "
                              "des Bots wieder hinzufügen.")


async def test_an_uninstalled_workspace_loses_its_token_at_once_and_its_data_after_grace(
    host: Host, acme: FakeWorkspace, globex: FakeWorkspace, clock: FrozenClock,
) -> None:
    await host.install(acme)
    await host.install(globex)
    await seed_scores(host.storage, "slack:T0ACME", "U0ANNA", "Anna", [40.0, 41.0],
                      last_day=clock.now().date())

    assert await host.event(acme, {"type": "app_uninstalled", "event_ts": "1700000000.1"}) \
        == 200
    assert host.platform.installations is not None
    assert await host.platform.installations.bot_token("T0ACME") is None
    assert await host.platform.installations.bot_token("T0GLOBEX") == globex.bot_token
    host.fake.revoked.add(acme.bot_token)  # Slack has revoked it too

    calls_before = len(host.fake.calls)
    answer = await host.command(acme, "help", "U0ANNA")
    assert answer["text"] == NOT_INSTALLED
    stale = [c for c in host.fake.calls[calls_before:] if bearer_token(c) == acme.bot_token]
    assert stale == []
    with pytest.raises(DeliveryError, match="not installed"):
        await host.platform.post("slack:T0ACME", CHANNEL_ID,
                                 Reply(text="x", visibility=Visibility.CHANNEL))
    # The other workspace goes on as before.
    assert "what I can do" in (await host.command(globex, "help", "U0GREG"))["text"]

    # Its members' data stays through the grace period, then goes.
    grace = host.platform.settings.klout_uninstall_grace_days
    assert grace == 30
    almost = clock.now() + timedelta(days=grace) - timedelta(minutes=1)
    assert await purge_uninstalled(host.storage, almost, grace) == []
    assert await host.storage.members.get("slack:T0ACME", "U0ANNA") is not None
    assert await purge_uninstalled(host.storage, clock.now() + timedelta(days=grace),
                                   grace) == ["slack:T0ACME"]
    assert await host.storage.teams.get("slack:T0ACME") is None
    assert await host.storage.members.get("slack:T0ACME", "U0ANNA") is None
    assert await host.storage.teams.get("slack:T0GLOBEX") is not None


async def test_a_reinstall_within_the_grace_period_keeps_the_team(
    host: Host, acme: FakeWorkspace, fake_slack: FakeSlack, clock: FrozenClock,
) -> None:
    await host.install(acme)
    await seed_scores(host.storage, "slack:T0ACME", "U0ANNA", "Anna", [40.0],
                      last_day=clock.now().date())
    await host.event(acme, {"type": "app_uninstalled", "event_ts": "1700000000.1"})
    again = fake_slack.add_workspace("T0ACME", "Acme Corp")
    await host.install(again)
    assert host.platform.installations is not None
    assert await host.platform.installations.bot_token("T0ACME") == again.bot_token
    later = clock.now() + timedelta(days=365)
    assert await purge_uninstalled(host.storage, later, 30) == []
    assert await host.storage.members.get("slack:T0ACME", "U0ANNA") is not None


async def test_revoking_the_bot_token_removes_the_workspace_like_an_uninstall(
    host: Host, acme: FakeWorkspace, clock: FrozenClock,
) -> None:
    await host.install(acme)
    status = await host.event(acme, {"type": "tokens_revoked", "event_ts": "1700000000.1",
                                     "tokens": {"oauth": [], "bot": ["U0BOT"]}})
    assert status == 200
    assert host.platform.installations is not None
    assert await host.platform.installations.bot_token("T0ACME") is None
    assert await purge_uninstalled(host.storage, clock.now(), 0) == ["slack:T0ACME"]


async def test_team_delete_removes_a_workspaces_data_at_once(
    host: Host, acme: FakeWorkspace, globex: FakeWorkspace, clock: FrozenClock,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    database_url: str,
) -> None:
    await host.install(acme)
    await host.install(globex)
    await seed_scores(host.storage, "slack:T0ACME", "U0ANNA", "Anna", [40.0],
                      last_day=clock.now().date())
    await seed_scores(host.storage, "slack:T0GLOBEX", "U0GREG", "Greg", [50.0],
                      last_day=clock.now().date())
    await host.event(acme, {"type": "app_uninstalled", "event_ts": "1700000000.1"})
    monkeypatch.setenv("DATABASE_URL", database_url)
    # By the name Slack gave the workspace at install.
    code = await asyncio.to_thread(main, ["--env-file", str(tmp_path / "none.env"),
                                          "team", "delete", "acme corp", "--yes"])
    assert code == 0, capsys.readouterr().err
    assert "Deleted Acme Corp (slack:T0ACME)" in capsys.readouterr().out
    assert await host.storage.teams.get("slack:T0ACME") is None
    assert await host.storage.members.get("slack:T0ACME", "U0ANNA") is None
    assert await host.storage.members.get("slack:T0GLOBEX", "U0GREG") is not None


async def test_a_made_up_state_is_refused_and_no_code_is_exchanged(
    host: Host, acme: FakeWorkspace,
) -> None:
    status, _ = await host.finish_install(acme.code, "made-up-state")
    assert status == 401
    assert not host.fake.of("oauth.v2.access")
    assert await host.storage.teams.list_all() == []


async def test_a_state_from_another_browser_is_refused(host: Host, acme: FakeWorkspace) -> None:
    _, state = await host.start_install()
    status, _ = await host.finish_install(acme.code, state, cookie="someone-elses-state")
    assert status == 400
    assert not host.fake.of("oauth.v2.access")


async def test_an_expired_state_is_refused(host: Host, acme: FakeWorkspace) -> None:
    _, state = await host.start_install()
    with time_machine.travel(time.time() + 11 * 60):
        status, _ = await host.finish_install(acme.code, state)
    assert status == 401
    assert not host.fake.of("oauth.v2.access")


async def test_a_state_is_used_once(host: Host, acme: FakeWorkspace,
                                    globex: FakeWorkspace) -> None:
    _, state = await host.start_install()
    assert (await host.finish_install(acme.code, state))[0] == 200
    assert (await host.finish_install(globex.code, state))[0] == 401
    assert [c.body["code"] for c in host.fake.of("oauth.v2.access")] == [acme.code]


async def test_a_code_slack_refuses_installs_nothing(host: Host) -> None:
    _, state = await host.start_install()
    status, _ = await host.finish_install("not-a-code", state)
    assert status == 401
    assert await host.storage.teams.list_all() == []


async def test_slack_can_verify_the_events_url_before_any_install(host: Host) -> None:
    body = json.dumps({"token": "legacy-unused", "challenge": "chal-123",
                       "type": "url_verification"})
    async with host.http.post(f"{host.base}/slack/events", data=body.encode(),
                              headers={"Content-Type": "application/json",
                                       **sign(body)}) as response:
        assert response.status == 200
        assert "chal-123" in await response.text()


async def test_a_signed_event_without_an_event_object_is_refused(host: Host) -> None:
    body = json.dumps({"type": "event_callback", "team_id": "T0ACME", "event": "nope"})
    assert await host.post_signed(body, "application/json") == 400


async def test_tokens_and_the_client_secret_never_reach_the_logs(
    host: Host, acme: FakeWorkspace, caplog: pytest.LogCaptureFixture,
) -> None:
    install_redaction()
    REDACT.add(secret_values(host.platform.settings))
    host.fake.add_user("U0ANNA", "Anna")
    with caplog.at_level(logging.DEBUG):
        await host.install(acme)
        await host.command(acme, "help", "U0ANNA")
        await host.event(acme, {"type": "app_uninstalled", "event_ts": "1700000000.1"})
    logged = caplog.text
    # slack_sdk logs the oauth.v2.access answer at DEBUG: the token in it is masked.
    assert "oauth.v2.access" in logged and "REDACTED" in logged
    assert acme.bot_token not in logged
    assert CLIENT_SECRET not in logged
    assert CLIENT_SECRET in secret_values(host.platform.settings)
