"""The whole bot as a member meets it: real wiring, real engine, fake networks.

The networks are served by httpx's mock transport with small hand-written
payloads, so this always runs; the clients' handling of recorded payloads is
tested in tests/influence/networks.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from chatbot.app import App, build_app
from chatbot.platforms.console import ConsoleSession
from chatbot.settings import Settings
from chatbot.values.reply import Tone, Visibility
from tests.support.fakes import FrozenClock

BIO = {"code": ""}


def _bluesky_post(i: int, now: str, replies: int) -> dict[str, object]:
    return {"post": {
        "uri": f"at://did:plc:alice/app.bsky.feed.post/{i}", "cid": f"c{i}",
        "author": {"did": "did:plc:alice", "handle": "alice.example.com"},
        "record": {"text": f"post {i}?" if i % 2 else f"post {i}", "createdAt": now},
        "replyCount": replies, "repostCount": 2, "likeCount": 10, "quoteCount": 1,
        "indexedAt": now,
    }}


def _handler(clock: FrozenClock, calls: list[str]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        now = (clock.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
        if request.url.path.endswith("app.bsky.actor.getProfiles"):
            return httpx.Response(200, json={"profiles": [{
                "did": "did:plc:alice", "handle": "alice.example.com",
                "displayName": "Alice", "description": f"Writer. {BIO['code']}",
                "followersCount": 1200, "followsCount": 300, "postsCount": 800,
            }]})
        if request.url.path.endswith("app.bsky.feed.getAuthorFeed"):
            return httpx.Response(200, json={
                "feed": [_bluesky_post(i, now, replies=i % 5) for i in range(12)]})
        return httpx.Response(404, json={"error": "NotFound", "message": "no such thing"})

    return httpx.MockTransport(handle)


@pytest.fixture
async def app(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[tuple[App, list[str]]]:
    calls: list[str] = []
    settings = Settings(database_url=str(tmp_path / "k.db"),
                        bluesky_appview_url="https://appview.test",
                        klout_export_dir=tmp_path / "out")
    http = httpx.AsyncClient(transport=_handler(clock, calls))
    async with build_app(settings, clock=clock, http=http) as built:
        yield built, calls
    await http.aclose()


async def test_register_verify_score_explain_and_history(
    app: tuple[App, list[str]], clock: FrozenClock
) -> None:
    built, calls = app
    alice = ConsoleSession(built.dispatcher, "alice", "acme")

    registered = await alice.handle("register bluesky @alice.example.com")
    assert registered.tone is Tone.SUCCESS, registered.text
    assert "Provisional score" in registered.text
    code = registered.text.split("\n")[2]
    assert code.startswith("klout-")
    assert calls.count("/xrpc/app.bsky.feed.getAuthorFeed") == 1

    card = await alice.handle("")
    assert card.title.startswith("alice — provisional score ")
    assert card.visibility is Visibility.PRIVATE
    score = int(card.title.rsplit(" ", 1)[1])
    assert 15 <= score <= 60
    assert any(field.label == "Bluesky (unverified)" for field in card.fields)
    board = await alice.handle("leaderboard")
    assert "Nobody has a score yet" in board.text

    BIO["code"] = code
    verified = await alice.handle("verify bluesky")
    assert verified.tone is Tone.SUCCESS, verified.text
    counted = await alice.handle("")
    assert counted.title == f"alice — Klout {score}"
    assert counted.visibility is Visibility.CHANNEL

    explained = await alice.handle("explain")
    drivers = next(f.value for f in explained.fields if f.label == "What drives it")
    assert "Bluesky" in drivers

    clock.advance(days=1)
    await built.refresher.refresh_due(timedelta(0))
    history = await alice.handle("history")
    assert history.image is not None and history.image.data.startswith(b"\x89PNG")

    exported = await alice.handle("export")
    assert exported.attachment is not None
    data = json.loads(exported.attachment[1])["data"]
    assert len(data["scores"]) == 2 and data["handles"][0]["verified_at"]

