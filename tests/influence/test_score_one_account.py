"""`kloutbot score NETWORK HANDLE [--json]`: one account now, nothing stored."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from chatbot.cli import main
from chatbot.influence.one_account import score_one
from chatbot.influence.score import SCORE_VERSION
from chatbot.settings import Settings
from tests.support.fakes import FrozenClock


def _github(clock: FrozenClock) -> httpx.MockTransport:
    day = (clock.now() - timedelta(days=2)).isoformat().replace("+00:00", "Z")

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/users/octo":
            return httpx.Response(200, json={
                "login": "octo", "id": 1, "type": "User", "name": "Octo", "followers": 420,
                "following": 12, "public_repos": 8, "bio": "I build things"})
        if path == "/users/octo/repos":
            return httpx.Response(200, json=[
                {"name": "a", "fork": False, "stargazers_count": 120, "forks_count": 9},
                {"name": "b", "fork": True, "stargazers_count": 3, "forks_count": 0}])
        if path == "/users/octo/events/public":
            return httpx.Response(200, json=[
                {"id": str(i), "type": "IssuesEvent", "created_at": day,
                 "actor": {"login": "octo"}, "repo": {"name": "octo/a"},
                 "payload": {"action": "opened", "issue": {"comments": 3,
                                                           "reactions": {"total_count": 2}}}}
                for i in range(5)])
        return httpx.Response(404, json={"message": "Not Found"})

    return httpx.MockTransport(handle)


async def test_json_report_has_the_documented_shape(clock: FrozenClock) -> None:
    settings = Settings(github_api_url="https://gh.test")
    async with httpx.AsyncClient(transport=_github(clock)) as http:
        report = await score_one(settings, "GitHub", "octo", http=http, clock=clock)
    assert report["network"] == "github" and report["handle"] == "octo"
    assert 1 <= report["score"] <= 100
    assert set(report["components"]) >= {"audience", "engagement", "amplification",
                                          "consistency"}
    metrics = report["metrics"]
    for key in ("followers", "following", "posts", "replies", "reposts", "likes"):
        assert key in metrics
    assert metrics["followers"] == 420 and metrics["posts"] == 8


async def test_unknown_account_is_a_clear_error(clock: FrozenClock) -> None:
    settings = Settings(github_api_url="https://gh.test")
    async with httpx.AsyncClient(transport=_github(clock)) as http:
        with pytest.raises(ValueError, match="ghost"):
            await score_one(settings, "github", "ghost", http=http, clock=clock)


def test_cli_refuses_an_unknown_network(capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["score", "myspace", "tom", "--json"]) == 2
    assert "Unknown network 'myspace'" in capsys.readouterr().err


async def test_json_report_counts_what_the_score_counts(clock: FrozenClock) -> None:
    """Score v2: the report names its version and the reactions the formula counted."""
    settings = Settings(github_api_url="https://gh.test")
    async with httpx.AsyncClient(transport=_github(clock)) as http:
        report = await score_one(settings, "github", "octo", http=http, clock=clock)
    assert report["version"] == SCORE_VERSION
    metrics = report["metrics"]
    assert metrics["posts_read"] >= metrics["posts_in_window"]
    assert metrics["replies"] + metrics["likes"] == pytest.approx(
        metrics["reactions_per_post"] * metrics["posts_in_window"]
        - metrics["reposts"] - metrics["quotes"])
