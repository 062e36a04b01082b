"""`history`, `explain` and the score card cover KLOUT_SCORE_WINDOW_DAYS, not a fixed 90."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from chatbot.app import build_app
from chatbot.platforms.console import ConsoleSession
from chatbot.settings import Settings
from chatbot.storage import Storage
from commands.context import Services
from commands.registry import Dispatcher
from tests.support.fakes import FrozenClock, seed_scores

TEAM = "console:acme"


@pytest.fixture
def short_window(services: Services) -> ConsoleSession:
    dispatcher = Dispatcher(replace(services, score_window_days=30))
    return ConsoleSession(dispatcher, user="alice", team="acme")


async def test_history_and_the_score_card_show_the_configured_window(
    short_window: ConsoleSession, storage: Storage, clock: FrozenClock
) -> None:
    await seed_scores(storage, TEAM, "alice", "Alice", [40 + i * 0.2 for i in range(60)],
                      last_day=clock.now().date(), networks={"github": 47.8})
    history = await short_window.handle("history")
    assert history.image is not None and "last 30 days" in history.image.alt
    assert history.title == "alice: score over 31 days"
    card = await short_window.handle("")
    assert "Last 30 days" in {field.label for field in card.fields}


async def test_explain_reads_the_posts_of_the_configured_window(
    short_window: ConsoleSession, storage: Storage, clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await seed_scores(storage, TEAM, "alice", "Alice", [40.0] * 10,
                      last_day=clock.now().date(), networks={"github": 40.0})
    since: list[datetime] = []
    posts = storage.activity.posts

    async def watched(team_id: str, user_id: str, after: datetime) -> object:
        since.append(after)
        return await posts(team_id, user_id, after)

    monkeypatch.setattr(storage.activity, "posts", watched)
    await short_window.handle("explain")
    assert since and all((clock.now() - when).days == 30 for when in since)


async def test_the_app_hands_the_setting_to_the_commands(tmp_path: Path) -> None:
    settings = Settings(database_url=str(tmp_path / "k.db"), klout_score_window_days=45,
                        klout_export_dir=tmp_path / "out")
    async with build_app(settings) as app:
        assert app.dispatcher.services.score_window_days == 45
