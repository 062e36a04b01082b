"""The networks Kloutbot knows, and the one place their clients are built.

Commands need to validate a network name and a handle before anything is
stored or fetched, without settings or I/O: `get_network_name` and
`parse_handle` do that. `build_clients` wires every client to the shared
httpx client, a rate limiter per network and the injected clock and sleep;
X and YouTube are built even without their keys, so they are listed, and
answer NetworkNotConfigured until an admin sets the key. What each network is
lives in `registry.NETWORKS`.

The registry is imported inside the functions: the client modules it lists
import this package's submodules, and importing the package must not drag
them in half-initialised.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from chatbot.influence.networks.base import NetworkClient
from chatbot.values.message import Msg
from chatbot.values.network_errors import UnknownNetwork

if TYPE_CHECKING:
    import httpx

    from chatbot.influence.ratelimit import Clock, SharedBudget, Sleep
    from chatbot.settings import Settings


def network_names() -> tuple[str, ...]:
    """Every network's name, in the order lists show them."""
    from chatbot.influence.networks.registry import NETWORKS

    return tuple(network.name for network in NETWORKS)


def get_network_name(raw: str) -> str:
    """The canonical network name for what a member typed ("Twitter" -> "x")."""
    from chatbot.influence.networks.registry import NETWORKS

    key = raw.strip().lower() if isinstance(raw, str) else ""
    for network in NETWORKS:
        if key == network.name or key in network.aliases:
            return network.name
    shown = raw.strip()[:40] if isinstance(raw, str) else ""
    raise UnknownNetwork(Msg("Unknown network {name}. Use one of: {networks}.",
                             name=repr(shown), networks=", ".join(network_names())))


def parse_handle(network: str, raw: str, *, allow_private: bool = False) -> str:
    """The canonical handle on `network`, or InvalidHandle with a member-friendly message.

    `allow_private` (KLOUT_ALLOW_PRIVATE_NETWORKS) lets a Mastodon handle name
    a lab server by IP address or with a port.
    """
    from chatbot.influence.networks.registry import BY_NAME

    return BY_NAME[get_network_name(network)].parse(raw, allow_private)


def handle_for_humans(network: str, handle: str) -> str:
    """The handle as people write it in a post (`@user@host`, `@name.bsky.social`)."""
    from chatbot.influence.networks.registry import BY_NAME

    return BY_NAME[get_network_name(network)].for_humans(handle)


def build_mastodon_http(settings: Settings) -> httpx.AsyncClient:
    """The SSRF-guarded client for member-chosen Mastodon hosts; the caller closes it."""
    from chatbot.influence import netguard

    return netguard.build_guarded_client(
        allow_private=settings.klout_allow_private_networks,
        timeout=settings.klout_http_timeout_seconds,
        max_bytes=settings.klout_max_response_bytes,
    )


def build_clients(
    settings: Settings,
    http: httpx.AsyncClient,
    *,
    clock: Clock,
    sleep: Sleep,
    rng: random.Random | None = None,
    mastodon_http: httpx.AsyncClient,
    on_rate_limit_wait: Callable[[str, float], None] | None = None,
    budgets: SharedBudget | None = None,
) -> dict[str, NetworkClient]:
    """One client per network, keyed by name, in registry order.

    `http` serves the fixed API hosts. Mastodon hosts come from members, so
    Mastodon uses `mastodon_http`, which must be SSRF-guarded: the one from
    `build_mastodon_http`, closed by the caller with `http`. `budgets` shares every
    network's rate limit with the other processes on the database.
    """
    from chatbot.influence.networks.registry import NETWORKS, ClientKit

    kit = ClientKit(
        settings=settings, http=http, mastodon_http=mastodon_http, clock=clock, sleep=sleep,
        rng=rng if rng is not None else random.Random(), on_rate_limit_wait=on_rate_limit_wait,
        budgets=budgets,
    )
    return {network.name: network.build(kit) for network in NETWORKS}


__all__ = [
    "build_clients",
    "build_mastodon_http",
    "get_network_name",
    "handle_for_humans",
    "network_names",
    "parse_handle",
]
