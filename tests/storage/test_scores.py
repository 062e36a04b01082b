from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatbot.influence.leaderboards import Leaderboards
from chatbot.storage import Storage, open_storage
from chatbot.storage.scores import DayScore
from tests.support.legacy_db import make_legacy

TEAM = "console:acme"
TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


async def _point(storage: Storage, user: str, day: date, value: float,
                 networks: dict[str, float] | None = None) -> None:
    await storage.scores.save_days([DayScore(TEAM, user, day, round(value), value, "1.0", "{}",
                                             networks or {}, NOW)])


async def _setup(storage: Storage, users: list[str]) -> None:
    await storage.teams.ensure(TEAM, "console", "acme", NOW)
    for user in users:
        await storage.members.ensure(TEAM, user, user, NOW)


histories = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d"]),
    st.dictionaries(st.integers(0, 20), st.floats(1, 100), min_size=1, max_size=8),
    min_size=1,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories, st.integers(0, 22))
def test_value_on_a_day_is_the_newest_point_on_or_before_it(
    history: dict[str, dict[int, float]], back: int
) -> None:
    import asyncio

    async def check() -> None:
        storage = await open_storage(":memory:")
        try:
            await _setup(storage, list(history))
            for user, points in history.items():
                for offset, value in points.items():
                    await _point(storage, user, TODAY - timedelta(days=offset), value)
            day = TODAY - timedelta(days=back)
            expected = {}
            for user, points in history.items():
                older = [offset for offset in points if offset >= back]
                if older:
                    expected[user] = points[min(older)]
            assert await storage.scores.values_on(TEAM, day) == expected
        finally:
            await storage.close()

    asyncio.run(check())


async def test_rank_of_matches_the_board(storage: Storage) -> None:
    await _setup(storage, ["a", "b", "c"])
    for user, value in (("a", 40.0), ("b", 70.0), ("c", 40.0)):
        await _point(storage, user, TODAY, value)
    assert await Leaderboards(storage).rank_of(TEAM, "b") == (1, 3)
    assert await Leaderboards(storage).rank_of(TEAM, "a") == (2, 3)
    assert await Leaderboards(storage).rank_of(TEAM, "nobody") == (None, 3)


async def test_a_dropped_network_leaves_its_board(storage: Storage) -> None:
    await _setup(storage, ["a"])
    await _point(storage, "a", TODAY - timedelta(days=1), 50.0, {"github": 50.0, "x": 20.0})
    assert await storage.scores.values_on(TEAM, TODAY, "x") == {"a": 20.0}
    await _point(storage, "a", TODAY, 50.0, {"github": 50.0})
    assert await storage.scores.values_on(TEAM, TODAY, "x") == {}
    # Past boards of a network list only members still on it (they feed the arrows).
    assert await storage.scores.values_on(TEAM, TODAY - timedelta(days=1), "x") == {}
    history = await storage.scores.network_history(TEAM, "a", TODAY - timedelta(days=5))
    assert history["x"] == [(TODAY - timedelta(days=1), 20.0)]


async def test_upgrade_fills_the_latest_tables_from_history(tmp_path: Path) -> None:
    conn = make_legacy(tmp_path / "old.db", 3)
    conn.execute("INSERT INTO teams (team_id, platform, created_at) VALUES (?, ?, ?)",
                       (TEAM, "console", NOW.isoformat()))
    conn.execute("INSERT INTO members (team_id, user_id, joined_at) VALUES (?, ?, ?)",
                       (TEAM, "a", NOW.isoformat()))
    conn.execute(
        "INSERT INTO handles (team_id, user_id, network, handle, account_id, verify_code,"
        " verified_at, created_at) VALUES (?, 'a', 'github', 'a', '1', 'c', ?, ?)",
        (TEAM, NOW.isoformat(), NOW.isoformat()))
    for offset, value in ((2, 30.0), (0, 44.0)):
        day = (TODAY - timedelta(days=offset)).isoformat()
        conn.execute(
            "INSERT INTO scores VALUES (?, ?, ?, ?, ?, '1.0', ?, ?)",
            (TEAM, "a", day, round(value), value, json.dumps({}), NOW.isoformat()))
        conn.execute("INSERT INTO network_scores VALUES (?, ?, ?, 'github', ?)",
                           (TEAM, "a", day, value))
    conn.commit()
    conn.close()
    storage = await open_storage(tmp_path / "old.db")
    try:
        assert await storage.scores.values_on(TEAM, TODAY) == {"a": 44.0}
        assert await storage.scores.values_on(TEAM, TODAY, "github") == {"a": 44.0}
        assert await Leaderboards(storage).rank_of(TEAM, "a") == (1, 1)
    finally:
        await storage.close()
