"""The networks Kloutbot knows, and the one place their clients are built.

Commands need to validate a network name and a handle before anything is
stored or fetched, without settings or I/O: `get_network_name` and
`parse_handle` do that. `build_clients` wires every client to the shared
httpx client, a rate limiter per network and the injected clock and sleep;
X and YouTube are built even without their keys, so they are listed, and
answer NetworkNotConfigured until an admin sets the key.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import httpx

from chatbot.influence.http import HttpFetcher
from chatbot.influence.netguard import Resolver, build_guarded_client, system_resolver
from chatbot.influence.networks import bluesky, github, mastodon, x, youtube
from chatbot.influence.networks.base import NetworkClient, UnknownNetwork
from chatbot.influence.ratelimit import Clock, RateLimit, RateLimiter, Sleep
from chatbot.settings import Settings

NETWORK_NAMES: tuple[str, ...] = ("mastodon", "bluesky", "github", "x", "youtube")

LABELS: dict[str, str] = {
    mastodon.NAME: mastodon.LABEL,
    bluesky.NAME: bluesky.LABEL,
    github.NAME: github.LABEL,
    x.NAME: x.LABEL,
    youtube.NAME: youtube.LABEL,
}

_ALIASES: dict[str, str] = {
    "masto": "mastodon",
    "fediverse": "mastodon",
    "bsky": "bluesky",
    "gh": "github",
    "twitter": "x",
    "yt": "youtube",
}

_PARSERS: dict[str, Callable[[str], str]] = {
    bluesky.NAME: bluesky.parse_handle,
    github.NAME: github.parse_handle,
    x.NAME: x.parse_handle,
    youtube.NAME: youtube.parse_handle,
}

_FOR_HUMANS: dict[str, Callable[[str], str]] = {
    mastodon.NAME: mastodon.handle_for_humans,
    bluesky.NAME: bluesky.handle_for_humans,
    github.NAME: github.handle_for_humans,
    x.NAME: x.handle_for_humans,
    youtube.NAME: youtube.handle_for_humans,
}

# Published budgets (see FACTS.md). Mastodon: per instance, and parallel
# across instances rather than within one. X: the tightest per-endpoint app
# window, since one budget covers the whole host here.
MASTODON_LIMIT = RateLimit(requests=300, per_seconds=300, concurrency=2)
MASTODON_PAGING_LIMIT = RateLimit(requests=300, per_seconds=900, concurrency=2)
BLUESKY_LIMIT = RateLimit(requests=3000, per_seconds=300, concurrency=4)
GITHUB_KEYLESS_LIMIT = RateLimit(requests=60, per_seconds=3600, concurrency=4)
GITHUB_TOKEN_LIMIT = RateLimit(requests=5000, per_seconds=3600, concurrency=8)
X_LIMIT = RateLimit(requests=300, per_seconds=900, concurrency=2)
YOUTUBE_LIMIT = RateLimit(requests=10_000, per_seconds=86_400, concurrency=2)


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


def parse_handle(network: str, raw: str, *, allow_private: bool = False) -> str:
    """The canonical handle on `network`, or InvalidHandle with a member-friendly message.

    `allow_private` (KLOUT_ALLOW_PRIVATE_NETWORKS) lets a Mastodon handle name
    a lab server by IP address or with a port.
    """
    name = get_network_name(network)
    if name == mastodon.NAME:
        return mastodon.parse_handle(raw, allow_private=allow_private)
    return _PARSERS[name](raw)


def handle_for_humans(network: str, handle: str) -> str:
    """The handle as people write it in a post (`@user@host`, `@name.bsky.social`)."""
    return _FOR_HUMANS[get_network_name(network)](handle)


def build_clients(
    settings: Settings,
    http: httpx.AsyncClient,
    *,
    clock: Clock,
    sleep: Sleep,
    rng: random.Random | None = None,
    mastodon_http: httpx.AsyncClient | None = None,
    resolver: Resolver = system_resolver,
) -> dict[str, NetworkClient]:
    """One client per network, keyed by name, in NETWORK_NAMES order.

    `http` serves the fixed API hosts. Mastodon hosts come from members, so
    Mastodon uses `mastodon_http`, which must be an SSRF-guarded client: pass
    one from `netguard.build_guarded_client` (and close it with `http`), or
    leave it out and one is built here for the life of the process.
    """
    source = rng if rng is not None else random.Random()

    def fetcher(
        client: httpx.AsyncClient, label: str, limit: RateLimit, setting: str | None = None
    ) -> HttpFetcher:
        return HttpFetcher(
            client,
            label=label,
            limiter=RateLimiter(limit, clock=clock, sleep=sleep),
            clock=clock,
            sleep=sleep,
            rng=random.Random(source.random()),
            timeout=settings.klout_http_timeout_seconds,
            max_bytes=settings.klout_max_response_bytes,
            credential_setting=setting,
        )

    allow_private = settings.klout_allow_private_networks
    guarded = mastodon_http or build_guarded_client(
        allow_private=allow_private,
        timeout=settings.klout_http_timeout_seconds,
        max_bytes=settings.klout_max_response_bytes,
        resolver=resolver,
    )
    github_token = _secret(settings.github_token)
    x_token = _secret(settings.x_bearer_token)
    youtube_key = _secret(settings.youtube_api_key)
    clients: list[NetworkClient] = [
        mastodon.MastodonClient(
            fetcher(guarded, mastodon.LABEL, MASTODON_LIMIT),
            paging_limiter=RateLimiter(MASTODON_PAGING_LIMIT, clock=clock, sleep=sleep),
            allow_private=allow_private,
        ),
        bluesky.BlueskyClient(
            fetcher(http, bluesky.LABEL, BLUESKY_LIMIT), base_url=settings.bluesky_appview_url
        ),
        github.GitHubClient(
            fetcher(
                http,
                github.LABEL,
                GITHUB_TOKEN_LIMIT if github_token else GITHUB_KEYLESS_LIMIT,
                "GITHUB_TOKEN" if github_token else None,
            ),
            base_url=settings.github_api_url,
            token=github_token,
        ),
        x.XClient(
            fetcher(http, x.LABEL, X_LIMIT, x.SETTING),
            base_url=settings.x_api_url,
            token=x_token,
        ),
        youtube.YouTubeClient(
            fetcher(http, youtube.LABEL, YOUTUBE_LIMIT, youtube.SETTING),
            base_url=settings.youtube_api_url,
            api_key=youtube_key,
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
