"""Who already follows whom inside the team, as far as the networks will say.

Only the clients know where a follow list is public without a user token
(Bluesky getFollows, public Mastodon following lists, GitHub following); a
client answers None where it isn't. Anything that fails or runs past the
time budget is simply unknown: the planner then neither prefers nor avoids
the pair, and the post still goes out on time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chatbot.influence.networks.base import NetworkClient
from chatbot.values.accounts import Profile

log = logging.getLogger(__name__)

FollowGraph = dict[str, dict[str, frozenset[str]]]
"""network -> member -> member ids they follow there (only where known)."""


@dataclass(frozen=True)
class TeamAccount:
    user_id: str
    network: str
    handle: str
    account_id: str | None
    following: int = 0
    """Last known following count: lets a client tell "hidden" from "follows nobody"."""


def _index(accounts: Sequence[TeamAccount]) -> dict[str, dict[str, str]]:
    """network -> handle or account id (casefolded) -> member, to read follow lists back."""
    index: dict[str, dict[str, str]] = {}
    for account in accounts:
        names = index.setdefault(account.network, {})
        names[account.handle.casefold()] = account.user_id
        if account.account_id:
            names[account.account_id.casefold()] = account.user_id
    return index


async def read_follow_graph(
    clients: Mapping[str, NetworkClient],
    accounts: Sequence[TeamAccount],
    *,
    budget_seconds: float,
    concurrency: int = 4,
) -> FollowGraph:
    per_network: dict[str, int] = {}
    for account in accounts:
        per_network[account.network] = per_network.get(account.network, 0) + 1
    # A follow list only matters where at least two members share the network.
    wanted = [
        account for account in accounts
        if per_network[account.network] > 1 and account.network in clients
    ]
    index = _index(accounts)
    graph: FollowGraph = {}
    gate = asyncio.Semaphore(concurrency)

    async def read(account: TeamAccount) -> None:
        client = clients[account.network]
        profile = Profile(
            network=account.network,
            handle=account.handle,
            account_id=account.account_id or account.handle,
            following=account.following,
        )
        async with gate:
            try:
                followed = await client.fetch_following(profile)
            except Exception as exc:  # any failure only means "unknown"
                log.info("follow list of %s on %s unavailable: %s",
                         account.user_id, account.network, type(exc).__name__)
                return
        if followed is None:
            return
        names = index[account.network]
        members = {names[name.casefold()] for name in followed if name.casefold() in names}
        members.discard(account.user_id)
        graph.setdefault(account.network, {})[account.user_id] = frozenset(members)

    tasks = [asyncio.create_task(read(account)) for account in wanted]
    if not tasks:
        return graph
    _done, pending = await asyncio.wait(tasks, timeout=budget_seconds)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
        log.info("follow graph: %d of %d lists unknown after %.0f s",
                 len(pending), len(tasks), budget_seconds)
    return graph
