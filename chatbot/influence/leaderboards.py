"""Leaderboards: who ranks where, who moved most, one page at a time.

Storage answers the queries (a slice of the current board, each member's value on a
day); ranking, movers, paging and the caches that keep a page cheap are decided here.
The current board is paged in SQL over one row per member, so a page costs the same in
a team of 100 or 100,000; movers rank by gain, which needs every member's, so that
ranking is kept until the store's version moves: any commit that changed rows, from
this process or another one on the same database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar, cast

from chatbot.storage import Storage
from chatbot.storage.scores import ScoreRepository

PAST_BOARDS_KEPT = 64
"""Cached rankings kept per process: a team's boards for a few days and networks."""

ARROW_DAYS = 7
"""The arrows (`previous_rank`) compare with the same board this many days earlier."""

BoardKey = tuple[str, date, str | None, date | None]
"""(team, day, network, movers since): one board's identity."""


Cached = TypeVar("Cached")
Key = TypeVar("Key", bound=Hashable)
Built = TypeVar("Built")


@dataclass(frozen=True)
class Standing:
    """One member's place on a leaderboard; `value` is what the board ranks by."""

    user_id: str
    display_name: str
    score: int
    value: float
    rank: int
    previous_rank: int | None


@dataclass(frozen=True)
class BoardPage:
    """One page of a leaderboard, plus the caller's own row when it is elsewhere."""

    standings: tuple[Standing, ...]
    caller: Standing | None
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class _MoversBoard:
    version: int
    current: dict[str, float]
    gains: dict[str, float]
    ranks: dict[str, int]
    order: list[str]


def competition_ranks(values: Mapping[str, float]) -> dict[str, int]:
    """Competition ranking (1, 2, 2, 4); ties broken by id only for a stable order, which
    is the order of the returned dict."""
    ordered = sorted(values.items(), key=lambda item: (-item[1], item[0]))
    ranks: dict[str, int] = {}
    previous: float | None = None
    rank = 0
    for position, (user_id, value) in enumerate(ordered, start=1):
        if value != previous:
            rank = position
            previous = value
        ranks[user_id] = rank
    return ranks


async def gains(
    scores: ScoreRepository,
    team_id: str,
    day: date,
    since: date,
    network: str | None = None,
    *,
    current: Mapping[str, float] | None = None,
    latest: Mapping[str, tuple[str, float]] | None = None,
) -> dict[str, float]:
    """Each member's change from `since` to `day`; members who joined in between gain
    from their first point, so a newcomer does not top the movers with a whole score.
    `latest` is the board's `latest_values` when the caller read it already."""
    if latest is None:
        latest = await scores.latest_values(team_id, network)
    now_values = current if current is not None else await scores.values_on(
        team_id, day, network, latest=latest)
    base = await scores.values_on(team_id, since, network, latest=latest)
    joined = [user for user in now_values if user not in base]
    if joined:
        base.update(await scores.first_on_or_after(team_id, joined, since, network))
    return {user: value - base.get(user, value) for user, value in now_values.items()}


def _page_count(total: int, size: int) -> int:
    return max(1, -(-total // size))


class Leaderboards:
    """One per process: its caches are what make a board page cheap, and they are only
    worth keeping if every command shares them."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        # A past day's ranks feed only the arrows and are computed once per day: history
        # does not change, and members leaving the boards (forget) leave arrows a place
        # off per member until the day turns, not worth a version read on every page.
        self._past_ranks: dict[BoardKey, dict[str, int]] = {}
        self._movers: dict[BoardKey, _MoversBoard] = {}
        self._building: dict[Hashable, asyncio.Future[Any]] = {}
        self._sizes: dict[tuple[str, str | None], tuple[int, int]] = {}
        """(team, network) -> (store version, members on the board): every card and page
        shows the count, and counting a team's rows each time was most of a card's
        database work on PostgreSQL."""

    async def size(self, team_id: str, network: str | None = None) -> int:
        """Members on the current board (overall or one network)."""
        version = await self._storage.db.version()
        known = self._sizes.get((team_id, network))
        if known is not None and known[0] == version:
            return known[1]
        size = await self._storage.scores.board_size(team_id, network)
        self._sizes[(team_id, network)] = (version, size)
        _keep_newest(self._sizes)
        return size

    async def rank_of(self, team_id: str, user_id: str) -> tuple[int | None, int]:
        """(the member's rank on the current board, or None when they are not on it;
        members on the board)."""
        size = await self.size(team_id)
        place = await self._storage.scores.board_place(team_id, user_id)
        return (1 + place[1] if place is not None else None), size

    async def page(
        self,
        team_id: str,
        today: date,
        *,
        page: int,
        size: int,
        caller: str,
        since: date | None = None,
        network: str | None = None,
    ) -> BoardPage:
        """One page of the board (by current score, or by gain since `since`) and the
        caller's row when it is not on that page. A page past the end shows the last."""
        if since is not None:
            return await self._movers_page(team_id, today, since, page=page, size=size,
                                           caller=caller, network=network)
        return await self._current_page(team_id, today, page=page, size=size, caller=caller,
                                        network=network)

    async def _current_page(
        self,
        team_id: str,
        today: date,
        *,
        page: int,
        size: int,
        caller: str,
        network: str | None,
    ) -> BoardPage:
        scores = self._storage.scores
        total = await self.size(team_id, network)
        pages = _page_count(total, size)
        page = max(1, min(page, pages))
        shown = await scores.board_slice(team_id, network, limit=size, offset=(page - 1) * size)
        values = dict(shown)
        ranks: dict[str, int] = {}
        previous_value: float | None = None
        for position, (user_id, value) in enumerate(shown):
            if previous_value is None:
                # A tie may start on an earlier page: only the first row needs a count.
                ranks[user_id] = 1 + await scores.members_above(team_id, value, network)
            elif value == previous_value:
                ranks[user_id] = ranks[shown[position - 1][0]]
            else:
                ranks[user_id] = (page - 1) * size + position + 1
            previous_value = value
        if caller not in values:
            place = await scores.board_place(team_id, caller, network)
            if place is not None:
                values[caller], above = place
                ranks[caller] = 1 + above
        earlier = await self._ranks_on(team_id, today - timedelta(days=ARROW_DAYS), network)
        names = await self._storage.members.names_of(team_id, list(values))
        standings = {
            user_id: Standing(user_id=user_id, display_name=names.get(user_id, user_id),
                              score=round(value), value=value, rank=ranks[user_id],
                              previous_rank=earlier.get(user_id))
            for user_id, value in values.items()
        }
        page_ids = [user_id for user_id, _ in shown]
        own_row = standings.get(caller) if caller not in page_ids else None
        return BoardPage(tuple(standings[u] for u in page_ids), own_row, total, page, pages)

    async def _movers_page(
        self,
        team_id: str,
        today: date,
        since: date,
        *,
        page: int,
        size: int,
        caller: str,
        network: str | None,
    ) -> BoardPage:
        """Standing rows and names are built only for the page and the caller."""
        board = await self._movers_board(team_id, today, since, network)
        pages = _page_count(len(board.order), size)
        page = max(1, min(page, pages))
        page_ids = board.order[(page - 1) * size : page * size]
        wanted = (page_ids if caller in page_ids or caller not in board.gains
                  else [*page_ids, caller])
        earlier = await self._past_movers_ranks(team_id, today, since, network)
        names = await self._storage.members.names_of(team_id, wanted)
        rows = {
            user: Standing(user_id=user, display_name=names.get(user, user),
                           score=round(board.current[user]), value=board.gains[user],
                           rank=board.ranks[user], previous_rank=earlier.get(user))
            for user in wanted
        }
        own = rows[caller] if caller in rows and caller not in page_ids else None
        return BoardPage(tuple(rows[u] for u in page_ids), own, len(board.order), page, pages)

    async def _movers_board(self, team_id: str, today: date, since: date,
                            network: str | None) -> _MoversBoard:
        """Every member's gain, ranked: the costly part of a movers page, kept until
        anyone writes to the database (a refresh, a forget), in any process."""
        key = (team_id, today, network, since)
        version = await self._storage.db.version()
        cached = self._movers.get(key)
        if cached is not None and cached.version == version:
            return cached

        async def build() -> _MoversBoard:
            scores = self._storage.scores
            latest = await scores.latest_values(team_id, network)
            current = await scores.values_on(team_id, today, network, latest=latest)
            moved = await gains(scores, team_id, today, since, network, current=current,
                                latest=latest)
            ranks = competition_ranks(moved)
            order = list(ranks)  # already the board's order: a second sort of 10,000 saved
            board = _MoversBoard(version, current, moved, ranks, order)
            self._movers[key] = board
            _keep_newest(self._movers)
            return board

        return await self._once(("movers", key, version), build)

    async def _past_movers_ranks(self, team_id: str, today: date, since: date,
                                 network: str | None) -> dict[str, int]:
        """The same movers board as it stood `ARROW_DAYS` earlier, for the arrows."""
        shift = timedelta(days=ARROW_DAYS)
        key = (team_id, today - shift, network, since - shift)
        cached = self._past_ranks.get(key)
        if cached is not None:
            return cached

        async def build() -> dict[str, int]:
            ranks = competition_ranks(await gains(
                self._storage.scores, team_id, today - shift, since - shift, network))
            self._remember(key, ranks)
            return ranks

        return await self._once(("past", key), build)

    async def _ranks_on(self, team_id: str, day: date, network: str | None) -> dict[str, int]:
        """A past day's ranks by score, for the arrows."""
        key = (team_id, day, network, None)
        cached = self._past_ranks.get(key)
        if cached is not None:
            return cached

        async def build() -> dict[str, int]:
            ranks = competition_ranks(await self._storage.scores.values_on(team_id, day,
                                                                          network))
            self._remember(key, ranks)
            return ranks

        return await self._once(("past", key), build)

    async def _once(self, key: Hashable, build: Callable[[], Awaitable[Built]]) -> Built:
        """One build of a board at a time: requests that arrive while it runs wait for
        that one instead of building it again (20 `leaderboard week` commands at once,
        just after a refresh saved scores, rebuilt it 20 times). The build goes on when
        the request that started it gives up, for the others."""
        running = self._building.get(key)
        if running is None:
            running = asyncio.ensure_future(build())
            self._building[key] = running
            running.add_done_callback(lambda done: self._built(key, done))
        return cast(Built, await asyncio.shield(running))

    def _built(self, key: Hashable, done: asyncio.Future[Any]) -> None:
        self._building.pop(key, None)
        if not done.cancelled():
            done.exception()  # retrieved: every asker may have given up

    def _remember(self, key: BoardKey, ranks: dict[str, int]) -> None:
        self._past_ranks[key] = ranks
        _keep_newest(self._past_ranks)


def _keep_newest(cache: dict[Key, Cached]) -> None:
    """Drops the oldest entries past `PAST_BOARDS_KEPT` (dicts keep insertion order)."""
    while len(cache) > PAST_BOARDS_KEPT:
        cache.pop(next(iter(cache)))

