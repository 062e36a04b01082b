"""The networks Kloutbot knows, and the one place their clients are built.

Commands need to validate a network name and a handle before anything is
stored or fetched, without settings or I/O: `get_network_name` and
`parse_handle` do that. `build_clients` wires every client to the shared
httpx client, a rate limiter per network and the injected clock and sleep;
X and YouTube are built even without their keys, so they are listed, and
answer NetworkNotConfigured until an admin sets the key.

The client modules are imported inside the functions: they depend on
`influence.http`, which depends on `networks.base`, and importing this
package must not drag them in half-initialised.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from chatbot.influence.networks.base import NetworkClient, UnknownNetwork

if TYPE_CHECKING:
    import httpx

    from chatbot.influence.http import HttpFetcher
    from chatbot.influence.ratelimit import Clock, RateLimit, Sleep
    from chatbot.settings import Settings

NETWORK_NAMES: tuple[str, ...] = ("mastodon", "bluesky", "github", "x", "youtube")

LABELS: dict[str, str] = {
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "github": "GitHub",
    "x": "X",
    "youtube": "YouTube",
}

_ALIASES: dict[str, str] = {
    "masto": "mastodon",
    "fediverse": "mastodon",
    "bsky": "bluesky",
    "gh": "github",
    "twitter": "x",
    "yt": "youtube",
}


def get_network_name(raw: str) -> str:
    """The canonical network name for what a member typed ("Twitter" -> "x")."""
    key = raw.strip().lower() if isinstance(raw, str) else ""
    key = _ALIASES.get(key, key)
    if key not in NETWORK_NAMES:
        shown = raw.strip()[:40] if isinstance(raw, str) else ""
        raise UnknownNetwork(
            f"Unknown network {shown!r}. Use one of: {', '.join(NETWORK_NAMES)}."
        )
    return key


def _parser(name: str, *, allow_private: bool) -> Callable[[str], str]:
    from chatbot.influence.networks import bluesky, github, mastodon, x, youtube

    if name == mastodon.NAME:
        return lambda raw: mastodon.parse_handle(raw, allow_private=allow_private)
    return {
        bluesky.NAME: bluesky.parse_handle,
        github.NAME: github.parse_handle,
        x.NAME: x.parse_handle,
        youtube.NAME: youtube.parse_handle,
    }[name]


def parse_handle(network: str, raw: str, *, allow_private: bool = False) -> str:
    """The canonical handle on `network`, or InvalidHandle with a member-friendly message.

    `allow_private` (KLOUT_ALLOW_PRIVATE_NETWORKS) lets a Mastodon handle name
    a lab server by IP address or with a port.
    """
    return _parser(get_network_name(network), allow_private=allow_private)(raw)


def handle_for_humans(network: str, handle: str) -> str:
    """The handle as people write it in a post (`@user@host`, `@name.bsky.social`)."""
    from chatbot.influence.networks import bluesky

    if get_network_name(network) == bluesky.NAME:
        return bluesky.handle_for_humans(handle)
    return f"@{handle}"


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
) -> dict[str, NetworkClient]:
    """One client per network, keyed by name, in NETWORK_NAMES order.

    `http` serves the fixed API hosts. Mastodon hosts come from members, so
    Mastodon uses `mastodon_http`, which must be SSRF-guarded: the one from
    `build_mastodon_http`, closed by the caller with `http`.
    """
    from chatbot.influence.http import HttpFetcher
    from chatbot.influence.networks import bluesky, github, mastodon, x, youtube
    from chatbot.influence.networks import limits as published
    from chatbot.influence.ratelimit import RateLimiter

    source = rng if rng is not None else random.Random()

    network_of = {label: name for name, label in LABELS.items()}

    def limiter(network: str, limit: RateLimit) -> RateLimiter:
        observe = on_rate_limit_wait
        return RateLimiter(limit, clock=clock, sleep=sleep, on_wait=None if observe is None
                           else lambda seconds: observe(network, seconds))

    def fetcher(
        client: httpx.AsyncClient, label: str, limit: RateLimit, setting: str | None = None
    ) -> HttpFetcher:
        return HttpFetcher(
            client,
            label=label,
            limiter=limiter(network_of[label], limit),
            clock=clock,
            sleep=sleep,
            rng=random.Random(source.random()),
            timeout=settings.klout_http_timeout_seconds,
            max_bytes=settings.klout_max_response_bytes,
            credential_setting=setting,
        )

    allow_private = settings.klout_allow_private_networks
    github_token = _secret(settings.github_token)
    clients: list[NetworkClient] = [
        mastodon.MastodonClient(
            fetcher(mastodon_http, mastodon.LABEL, published.MASTODON),
            paging_limiter=limiter(mastodon.NAME, published.MASTODON_PAGING),
            allow_private=allow_private,
        ),
        bluesky.BlueskyClient(
            fetcher(http, bluesky.LABEL, published.BLUESKY),
            base_url=settings.bluesky_appview_url,
        ),
        github.GitHubClient(
            fetcher(
                http,
                github.LABEL,
                published.GITHUB_WITH_TOKEN if github_token else published.GITHUB_KEYLESS,
                "GITHUB_TOKEN" if github_token else None,
            ),
            base_url=settings.github_api_url,
            token=github_token,
        ),
        x.XClient(
            fetcher(http, x.LABEL, published.X, x.SETTING),
            base_url=settings.x_api_url,
            token=_secret(settings.x_bearer_token),
        ),
        youtube.YouTubeClient(
            fetcher(http, youtube.LABEL, published.YOUTUBE, youtube.SETTING),
            base_url=settings.youtube_api_url,
            api_key=_secret(settings.youtube_api_key),
        ),
    ]
    return {client.name: client for client in clients}


def _secret(value: object) -> str | None:
    getter = getattr(value, "get_secret_value", None)
    secret = getter() if callable(getter) else None
    return secret if isinstance(secret, str) and secret.strip() else None


__all__ = [
    "LABELS",
    "NETWORK_NAMES",
    "build_clients",
    "get_network_name",
    "handle_for_humans",
    "parse_handle",
]
