"""No secret reaches a log line: not in our messages, not in httpx's request lines,
not in tracebacks, not through the CLI's own logging set-up."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.influence.http import HttpFetcher
from chatbot.influence.networks.youtube import YouTubeClient
from chatbot.influence.ratelimit import RateLimit, RateLimiter
from chatbot.redacted_logging import (
    MASK,
    Redactor,
    install_redaction,
    is_secret_name,
    secret_values,
)
from chatbot.settings import Settings
from tests.influence.networks.network_fakes import FakeApi, FakeClock

REPO_ROOT = Path(__file__).resolve().parents[1]
YOUTUBE_KEY = "AIzaSyD-TESTKEY-0123456789abcdefghijklm"
CHANNEL = {"items": [{
    "id": "UC123", "snippet": {"title": "X"}, "statistics": {"subscriberCount": "10"},
    "contentDetails": {"relatedPlaylists": {"uploads": "UU123"}},
}]}


@pytest.fixture
def redacted_records() -> Iterator[None]:
    """The redaction the CLI installs, removed again after the test."""
    before = logging.getLogRecordFactory()
    install_redaction()
    yield
    logging.setLogRecordFactory(before)


@pytest.fixture
async def youtube_api() -> AsyncIterator[FakeApi]:
    api = FakeApi()
    await api.start()
    api.serve("/youtube/v3/channels", CHANNEL)
    api.serve("/youtube/v3/playlistItems", {"items": [
        {"contentDetails": {"videoId": "v1", "videoPublishedAt": "2026-02-27T10:00:00Z"}}
    ]})
    api.serve("/youtube/v3/videos", {"items": [
        {"id": "v1", "snippet": {"title": "hi", "publishedAt": "2026-02-27T10:00:00Z"},
         "statistics": {"likeCount": "4"}}
    ]})
    yield api
    await api.close()


@pytest.mark.usefixtures("redacted_records")
async def test_a_youtube_fetch_at_debug_logs_urls_without_the_key(
    youtube_api: FakeApi, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient(trust_env=False) as http:
        fetcher = HttpFetcher(http, label="YouTube", clock=clock, sleep=clock.sleep,
                              limiter=RateLimiter(RateLimit(100, 60), clock=clock,
                                                  sleep=clock.sleep))
        youtube = YouTubeClient(fetcher, base_url=youtube_api.base_url + "/youtube/v3",
                                api_key=YOUTUBE_KEY)
        profile = await youtube.fetch_profile("@xavier")
        await youtube.fetch_posts(profile, clock.now().replace(year=2025))

    assert [seen.param("key") for seen in youtube_api.seen] == [YOUTUBE_KEY] * 3
    request_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert len(request_lines) == 3, "httpx logged each request"
    assert all("key=" + MASK in line for line in request_lines)
    assert "forHandle=%40xavier" in caplog.text and "playlistId=UU123" in caplog.text
    assert YOUTUBE_KEY not in caplog.text
    assert not any(YOUTUBE_KEY in str(r.__dict__) for r in caplog.records)


@pytest.mark.usefixtures("redacted_records")
async def test_an_authorization_header_at_debug_stays_out_of_the_logs(
    youtube_api: FakeApi, caplog: pytest.LogCaptureFixture
) -> None:
    token = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"
    clock = FakeClock()
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient(trust_env=False) as http:
        fetcher = HttpFetcher(http, label="GitHub", clock=clock, sleep=clock.sleep,
                              limiter=RateLimiter(RateLimit(100, 60), clock=clock,
                                                  sleep=clock.sleep),
                              headers={"Authorization": f"Bearer {token}"})
        await fetcher.get_json(youtube_api.base_url + "/youtube/v3/channels")
    logging.getLogger("chatbot.test").debug("sent %s", {"Authorization": f"Bearer {token}"})

    assert youtube_api.seen[0].headers["Authorization"] == f"Bearer {token}"
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    assert token not in caplog.text
    assert "'Authorization': 'REDACTED'" in caplog.text


@pytest.mark.usefixtures("redacted_records")
def test_tracebacks_and_arguments_are_redacted_too(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("chatbot.test")
    try:
        raise ValueError("GET https://api.example/me?access_token=s3cr3t-t0ken-value&x=1")
    except ValueError:
        log.exception("request %s failed", "https://api.example/?api_key=0th3r-s3cr3t")

    assert "s3cr3t-t0ken-value" not in caplog.text and "0th3r-s3cr3t" not in caplog.text
    assert "access_token=REDACTED&x=1" in caplog.text
    assert "ValueError" in caplog.text


async def test_the_cli_at_verbose_never_prints_the_youtube_key(
    youtube_api: FakeApi, tmp_path: Path
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "YOUTUBE_API_KEY": YOUTUBE_KEY,
        "YOUTUBE_API_URL": youtube_api.base_url + "/youtube/v3",
        "GITHUB_TOKEN": "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
        "PYTHONPATH": str(REPO_ROOT),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chatbot", "--env-file", str(tmp_path / "none.env"), "-v",
        "score", "youtube", "@xavier", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)

    assert process.returncode == 0, err.decode()
    assert youtube_api.seen and youtube_api.seen[0].param("key") == YOUTUBE_KEY
    logged = err.decode()
    assert "HTTP Request: GET" in logged and "forHandle=%40xavier" in logged
    assert "key=REDACTED" in logged
    assert YOUTUBE_KEY not in logged + out.decode()


@pytest.mark.parametrize(
    ("name", "secret"),
    [("key", True), ("api_key", True), ("apiKey", True), ("access_token", True),
     ("accessToken", True), ("client-secret", True), ("X-Api-Key", True), ("password", True),
     ("sig", True), ("hub.verify_token", True), ("APIKEY", True),
     ("pageToken", False), ("next_token", False), ("pagination_token", False),
     ("acct", False), ("part", False), ("keyword", False), ("monkey", False),
     ("max_id", False)],
)
def test_which_parameter_names_hold_secrets(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Authorization: Bearer abc.def-ghi_jkl", "Authorization: "),
        ("{'Authorization': 'token 123456789', 'Accept': 'json'}", "'Accept': 'json'"),
        ('{"api_key": "zzz-top-secret", "acct": "me"}', '"acct": "me"'),
        ("sent bearer abcdefghijklmnop to the server", "to the server"),
        ("token xoxb-1234567890-abcdefghij in use", "in use"),
        ("github ghp_0123456789abcdefghijklmnopqrstuvwxyz failed", "failed"),
        ("discord MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.abcdefghijklmnopqrstuvwxyz0123 ok", "ok"),
    ],
)
def test_headers_bearer_credentials_and_known_key_shapes_are_masked(text: str, kept: str) -> None:
    redacted = Redactor()(text)
    assert MASK in redacted and kept in redacted
    for secret in ("abc.def-ghi_jkl", "123456789", "zzz-top-secret", "abcdefghijklmnop",
                   "xoxb-1234567890", "ghp_0123", "MTA5ODc2NTQz"):
        assert secret not in redacted


def test_configured_secrets_are_masked_wherever_they_appear() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        x_bearer_token="AAAA%2Fodd+Bearer=Shape",
        slack_signing_secret="0123456789abcdef0123456789abcdef",
    )
    redact = Redactor(secret_values(settings))
    line = "raw AAAA%2Fodd+Bearer=Shape and encoded AAAA%252Fodd%2BBearer%3DShape, sig " \
           "0123456789abcdef0123456789abcdef"
    assert redact(line) == f"raw {MASK} and encoded {MASK}, sig {MASK}"


URL_SAFE = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~",
                   min_size=8, max_size=60)


@given(URL_SAFE, st.sampled_from(["key", "token", "access_token", "api_key", "client_secret"]))
def test_a_secret_parameter_is_masked_anywhere_in_a_url_and_the_rest_kept(
    secret: str, name: str
) -> None:
    url = f'HTTP Request: GET https://api.example.test/v3/things?part=snippet&{name}={secret}' \
          f'&pageToken=CAUQAA "HTTP/1.1 200 OK"'
    redacted = Redactor()(url)
    assert f"{name}={MASK}" in redacted and secret not in redacted.replace(MASK, "")
    assert redacted == url.replace(f"{name}={secret}", f"{name}={MASK}")
