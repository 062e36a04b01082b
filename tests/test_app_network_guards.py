"""The app as wired from Settings keeps Mastodon behind the SSRF guard, and honours
KLOUT_ALLOW_PRIVATE_NETWORKS, and a server's endless Retry-After reaches a member as
"unavailable for now".

Handles here parse, so each request really reaches the network layer: a
public-looking name that DNS points at loopback must be refused by the guard
(not the parser); with private networks allowed, a lab server on 127.0.0.1
must be reached.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from chatbot.app import build_app
from chatbot.influence.one_account import score_one
from chatbot.platforms.console import ConsoleSession
from chatbot.settings import Settings
from chatbot.values.reply import Tone
from tests.influence.networks.network_fakes import FakeApi
from tests.support.fakes import FrozenClock

REBOUND = "mastodon.example"
"""A name that looks public and that DNS (patched below) answers with 127.0.0.1."""


@pytest.fixture
def loopback_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every lookup of REBOUND answers 127.0.0.1, for guarded and unguarded clients alike."""
    asked: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == REBOUND:
            asked.append(host)
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


async def no_sleep(seconds: float) -> None:
    """build_app's sleep: these tests must never wait, so any wait fails them."""
    raise AssertionError(f"asked to sleep {seconds} s")


def settings_for(tmp_path: Path, *, allow_private: bool, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=str(tmp_path / "k.db"),
        klout_allow_private_networks=allow_private,
        klout_export_dir=tmp_path / "out",
        **extra,
    )


@pytest.fixture
async def fixed_hosts() -> AsyncIterator[httpx.AsyncClient]:
    """The fixed API hosts (GitHub, Bluesky, ...) answer 404: only Mastodon is under test."""
    transport = httpx.MockTransport(lambda request: httpx.Response(404, json={}))
    async with httpx.AsyncClient(transport=transport) as client:
        yield client


@pytest.fixture
async def mastodon_lab() -> AsyncIterator[FakeApi]:
    api = FakeApi()
    await api.start()
    api.serve("/api/v1/accounts/lookup", {
        "id": "42", "username": "alice", "acct": "alice", "display_name": "Alice",
        "note": "", "uri": "https://lab.example/users/alice",
        "followers_count": 12, "following_count": 3, "statuses_count": 1,
    })
    api.serve("/api/v1/accounts/42/statuses", [])
    yield api
    await api.close()


async def test_the_apps_mastodon_client_refuses_a_name_that_resolves_to_loopback(
    tmp_path: Path, clock: FrozenClock, fixed_hosts: httpx.AsyncClient, loopback_dns: list[str],
) -> None:
    settings = settings_for(tmp_path, allow_private=False)
    async with build_app(settings, clock=clock, http=fixed_hosts, sleep=no_sleep) as app:
        alice = ConsoleSession(app.dispatcher, "alice", "acme")

        reply = await alice.handle(f"register mastodon @alice@{REBOUND}")

        assert reply.tone is Tone.ERROR
        assert f"{REBOUND} points to a private or reserved address (127.0.0.1)" in reply.text
        assert loopback_dns == [REBOUND], "the guard itself resolved the name"
        assert await app.storage.handles.for_team("console:acme") == []


async def test_kloutbot_score_refuses_it_too(
    tmp_path: Path, loopback_dns: list[str]
) -> None:
    settings = settings_for(tmp_path, allow_private=False)

    with pytest.raises(ValueError, match="points to a private or reserved address"):
        await score_one(settings, "mastodon", f"@alice@{REBOUND}")


async def test_with_private_networks_allowed_the_app_reaches_a_lab_server(
    tmp_path: Path, clock: FrozenClock, fixed_hosts: httpx.AsyncClient, mastodon_lab: FakeApi,
) -> None:
    settings = settings_for(tmp_path, allow_private=True)
    async with build_app(settings, clock=clock, http=fixed_hosts, sleep=no_sleep) as app:
        alice = ConsoleSession(app.dispatcher, "alice", "acme")

        reply = await alice.handle(f"register mastodon @alice@{mastodon_lab.host}")

        assert reply.tone is Tone.SUCCESS, reply.text
        assert mastodon_lab.requests_to("/api/v1/accounts/lookup")[0].param("acct") == "alice"
        handles = await app.storage.handles.for_team("console:acme")
        assert [h.handle for h in handles] == [f"alice@{mastodon_lab.host}"]


async def test_without_it_the_same_lab_handle_is_never_fetched(
    tmp_path: Path, clock: FrozenClock, fixed_hosts: httpx.AsyncClient, mastodon_lab: FakeApi,
) -> None:
    settings = settings_for(tmp_path, allow_private=False)
    async with build_app(settings, clock=clock, http=fixed_hosts, sleep=no_sleep) as app:
        alice = ConsoleSession(app.dispatcher, "alice", "acme")

        reply = await alice.handle(f"register mastodon @alice@{mastodon_lab.host}")

        assert reply.tone is Tone.ERROR
        assert mastodon_lab.seen == []


async def test_a_retry_after_of_a_billion_seconds_reads_as_unavailable_for_about_an_hour(
    tmp_path: Path, clock: FrozenClock
) -> None:
    sent: list[str] = []

    def github(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(429, headers={"Retry-After": "1000000000"}, json={})

    settings = settings_for(tmp_path, allow_private=False)
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(github)) as http,
        build_app(settings, clock=clock, http=http, sleep=no_sleep) as app,
    ):
        alice = ConsoleSession(app.dispatcher, "alice", "acme")

        first = await alice.handle("register github octocat")
        second = await alice.handle("register github octocat")
        clock.advance(hours=1, seconds=5)
        third = await alice.handle("register github octocat")

    for reply in (first, second):
        assert reply.tone is Tone.ERROR
        assert "GitHub (api.github.com) is unavailable for now; try again in about an hour" \
            in reply.text
        assert "999" not in reply.text
    assert sent == ["/users/octocat", "/users/octocat"], "asked again after the hour, not before"
    assert "about an hour" in third.text
