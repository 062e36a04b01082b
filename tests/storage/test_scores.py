from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatbot.storage import Storage, open_storage
from tests.support.legacy_db import make_legacy

TEAM = "console:acme"
TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


async def _point(storage: Storage, user: str, day: date, value: float,
                 networks: dict[str, float] | None = None) -> None:
    await storage.scores.save_day(TEAM, user, day, round(value), value, "1.0", "{}",
                                  networks or {}, NOW)


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
    assert await storage.scores.rank_of(TEAM, "b") == (1, 3)
    assert await storage.scores.rank_of(TEAM, "a") == (2, 3)
    assert await storage.scores.rank_of(TEAM, "nobody") == (None, 3)


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


async def test_gains_count_from_the_first_point_for_newcomers(storage: Storage) -> None:
    await _setup(storage, ["old", "new"])
    await _point(storage, "old", TODAY - timedelta(days=10), 30.0)
    await _point(storage, "old", TODAY, 35.0)
    await _point(storage, "new", TODAY - timedelta(days=3), 20.0)
    await _point(storage, "new", TODAY, 28.0)
    gains = await storage.scores.gains(TEAM, TODAY, TODAY - timedelta(days=7))
    assert gains == {"old": 5.0, "new": 8.0}


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
        assert await storage.scores.rank_of(TEAM, "a") == (1, 1)
    finally:
        await storage.close()


async def test_board_pages_rank_ties_across_pages_and_pin_the_caller(storage: Storage) -> None:
    values = [90, 80, 70, 70, 70, 60]
    users = [f"m{i}" for i in range(len(values))]
    await _setup(storage, users)
    for user, value in zip(users, values, strict=True):
        await _point(storage, user, TODAY - timedelta(days=7), 100.0 - value)
        await _point(storage, user, TODAY, float(value))
    page = await storage.scores.board_page(TEAM, TODAY, storage.members.names_of, page=2,
                                           size=3, caller="m0")
    assert [(s.user_id, s.rank) for s in page.standings] == [("m3", 3), ("m4", 3), ("m5", 6)]
    assert page.caller is not None and (page.caller.rank, page.caller.previous_rank) == (1, 6)
    assert (page.total, page.page, page.pages) == (6, 2, 2)
    last = await storage.scores.board_page(TEAM, TODAY, storage.members.names_of, page=9,
                                           size=3, caller="m5")
    assert last.page == 2 and last.caller is None


async def test_movers_page_sees_writes_from_this_and_other_connections(tmp_path: Path) -> None:
    first = await open_storage(tmp_path / "shared.db")
    second = await open_storage(tmp_path / "shared.db")
    try:
        await _setup(first, ["a", "b"])
        for user, start, end in (("a", 10.0, 20.0), ("b", 10.0, 15.0)):
            await _point(first, user, TODAY - timedelta(days=7), start)
            await _point(first, user, TODAY, end)

        async def order() -> list[str]:
            page = await first.scores.board_page(
                TEAM, TODAY, first.members.names_of, page=1, size=10, caller="a",
                since=TODAY - timedelta(days=7))
            return [s.user_id for s in page.standings]

        assert await order() == ["a", "b"]
        await _point(second, "b", TODAY, 40.0)  # another process refreshes
        assert await order() == ["b", "a"]
        await first.privacy.forget(TEAM, "b")  # this process forgets b
        assert await order() == ["a"]
    finally:
        await first.close()
        await second.close()
