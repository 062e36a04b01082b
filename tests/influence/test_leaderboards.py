"""Leaderboard pages: ranks with ties, the caller's own row, movers, and caches that
never show a board older than the database."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from chatbot.influence.leaderboards import Leaderboards, gains
from chatbot.storage import Storage, open_storage
from chatbot.storage.scores import DayScore

TEAM = "console:acme"
TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
WEEK_AGO = TODAY - timedelta(days=7)


async def _members(storage: Storage, users: list[str]) -> None:
    await storage.teams.ensure(TEAM, "console", "acme", NOW)
    for user in users:
        await storage.members.ensure(TEAM, user, user.upper(), NOW)


async def _point(storage: Storage, user: str, day: date, value: float,
                 networks: dict[str, float] | None = None) -> None:
    await storage.scores.save_days([DayScore(TEAM, user, day, round(value), value, "1.0", "{}",
                                             networks or {}, NOW)])


async def test_pages_rank_ties_across_pages_and_pin_the_caller(storage: Storage) -> None:
    values = [90, 80, 70, 70, 70, 60]
    users = [f"m{i}" for i in range(len(values))]
    await _members(storage, users)
    for user, value in zip(users, values, strict=True):
        await _point(storage, user, WEEK_AGO, 100.0 - value)
        await _point(storage, user, TODAY, float(value))
    boards = Leaderboards(storage)
    page = await boards.page(TEAM, TODAY, page=2, size=3, caller="m0")
    assert [(s.user_id, s.rank) for s in page.standings] == [("m3", 3), ("m4", 3), ("m5", 6)]
    assert [s.display_name for s in page.standings] == ["M3", "M4", "M5"]
    assert page.caller is not None and (page.caller.rank, page.caller.previous_rank) == (1, 6)
    assert (page.total, page.page, page.pages) == (6, 2, 2)
    last = await boards.page(TEAM, TODAY, page=9, size=3, caller="m5")
    assert last.page == 2 and last.caller is None


async def test_a_network_board_ranks_only_that_networks_scores(storage: Storage) -> None:
    await _members(storage, ["a", "b", "c"])
    await _point(storage, "a", TODAY, 90.0, {"github": 10.0})
    await _point(storage, "b", TODAY, 20.0, {"github": 50.0, "bluesky": 5.0})
    await _point(storage, "c", TODAY, 50.0, {"bluesky": 40.0})
    page = await Leaderboards(storage).page(TEAM, TODAY, page=1, size=10, caller="c",
                                            network="github")
    assert [(s.user_id, s.rank, s.value) for s in page.standings] == [
        ("b", 1, 50.0), ("a", 2, 10.0)]
    assert page.caller is None and page.total == 2


async def test_movers_rank_by_gain_with_last_weeks_movers_for_arrows(storage: Storage) -> None:
    await _members(storage, ["a", "b", "c", "d"])
    history = {  # two weeks ago, a week ago, today
        "a": (10.0, 40.0, 45.0),
        "b": (10.0, 12.0, 30.0),
        "c": (10.0, 20.0, 21.0),
        "d": (10.0, 35.0, 40.0),
    }
    for user, values in history.items():
        for back, value in zip((14, 7, 0), values, strict=True):
            await _point(storage, user, TODAY - timedelta(days=back), value)
    boards = Leaderboards(storage)
    page = await boards.page(TEAM, TODAY, page=1, size=2, caller="c", since=WEEK_AGO)
    assert [(s.user_id, s.value, s.score, s.rank, s.previous_rank) for s in page.standings] == [
        ("b", 18.0, 30, 1, 4), ("a", 5.0, 45, 2, 1)]
    assert page.caller is not None and (page.caller.rank, page.caller.value) == (4, 1.0)
    assert (page.total, page.pages) == (4, 2)
    second = await boards.page(TEAM, TODAY, page=2, size=2, caller="c", since=WEEK_AGO)
    assert [(s.user_id, s.rank) for s in second.standings] == [("d", 2), ("c", 4)]


async def test_gains_count_from_the_first_point_for_newcomers(storage: Storage) -> None:
    await _members(storage, ["old", "new"])
    await _point(storage, "old", TODAY - timedelta(days=10), 30.0)
    await _point(storage, "old", TODAY, 35.0)
    await _point(storage, "new", TODAY - timedelta(days=3), 20.0)
    await _point(storage, "new", TODAY, 28.0)
    assert await gains(storage.scores, TEAM, TODAY, WEEK_AGO) == {"old": 5.0, "new": 8.0}


async def test_movers_page_sees_writes_from_this_and_other_processes(tmp_path: Path) -> None:
    first = await open_storage(tmp_path / "shared.db")
    second = await open_storage(tmp_path / "shared.db")
    try:
        await _members(first, ["a", "b"])
        for user, start, end in (("a", 10.0, 20.0), ("b", 10.0, 15.0)):
            await _point(first, user, WEEK_AGO, start)
            await _point(first, user, TODAY, end)
        boards = Leaderboards(first)

        async def order() -> list[str]:
            page = await boards.page(TEAM, TODAY, page=1, size=10, caller="a", since=WEEK_AGO)
            return [s.user_id for s in page.standings]

        assert await order() == ["a", "b"]
        await _point(second, "b", TODAY, 40.0)  # another process refreshes
        assert await order() == ["b", "a"]
        await first.privacy.forget(TEAM, "b")  # this process forgets b
        assert await order() == ["a"]
    finally:
        await first.close()
        await second.close()


async def test_requests_arriving_while_a_board_is_built_wait_for_that_build(
    storage: Storage,
) -> None:
    users = [f"m{i}" for i in range(6)]
    await _members(storage, users)
    for n, user in enumerate(users):
        await _point(storage, user, WEEK_AGO, 50.0)
        await _point(storage, user, TODAY, 50.0 + n)
    boards = Leaderboards(storage)
    passes: list[date] = []
    values_on = storage.scores.values_on

    async def counted(team_id: str, day: date, network: str | None = None,
                      **options: Any) -> dict[str, float]:
        passes.append(day)
        await asyncio.sleep(0)  # a read on its way, as on any server
        return await values_on(team_id, day, network, **options)

    boards_read: list[str] = []
    latest_values = storage.scores.latest_values

    async def latest_counted(team_id: str, network: str | None = None
                             ) -> dict[str, tuple[str, float]]:
        boards_read.append(team_id)
        return await latest_values(team_id, network)

    storage.scores.values_on = counted  # type: ignore[method-assign]
    storage.scores.latest_values = latest_counted  # type: ignore[method-assign]
    pages = await asyncio.gather(*(
        boards.page(TEAM, TODAY, page=1, size=3, caller=user, since=WEEK_AGO)
        for user in users))
    assert all([s.user_id for s in page.standings] == ["m5", "m4", "m3"] for page in pages)
    # The movers board (today and a week ago) and last week's for the arrows: once each.
    assert sorted(passes) == sorted([TODAY, WEEK_AGO, WEEK_AGO, WEEK_AGO - timedelta(7)])
    # Each of those two boards reads the current board's rows once, for all its days.
    assert boards_read == [TEAM, TEAM]


async def test_the_board_size_is_counted_once_per_change_and_follows_every_change(
    storage: Storage,
) -> None:
    await _members(storage, ["a", "b", "c"])
    await _point(storage, "a", TODAY, 50.0)
    await _point(storage, "b", TODAY, 60.0)
    boards = Leaderboards(storage)
    counted: list[str] = []
    board_size = storage.scores.board_size

    async def counting(team_id: str, network: str | None = None) -> int:
        counted.append(team_id)
        return await board_size(team_id, network)

    storage.scores.board_size = counting  # type: ignore[method-assign]
    assert await boards.rank_of(TEAM, "a") == (2, 2)
    assert await boards.rank_of(TEAM, "b") == (1, 2)
    assert len(counted) == 1, "nothing changed between the two cards"
    await _point(storage, "c", TODAY, 70.0)
    assert await boards.rank_of(TEAM, "a") == (3, 3)
    await storage.scores.withdraw(TEAM, ["c"])
    assert await boards.rank_of(TEAM, "c") == (None, 2)
    assert len(counted) == 3
