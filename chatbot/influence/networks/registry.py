"""Every network Kloutbot knows, one entry each: its name and label, the setting that turns
it on, how a handle is parsed and shown, and how its client is built.

Adding a network is its client module plus one entry in NETWORKS; commands, the weekly
post, the insights and the availability text all read their labels and names here.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chatbot.influence.http import HttpFetcher
from chatbot.influence.networks import bluesky, github, mastodon, x, youtube
from chatbot.influence.networks.base import NetworkClient
from chatbot.influence.ratelimit import Clock, RateLimit, RateLimiter, SharedBudget, Sleep
from chatbot.values.message import Msg
from chatbot.values.network_errors import NetworkNotConfigured

if TYPE_CHECKING:
    import httpx

    from chatbot.settings import Settings


@dataclass(frozen=True)
class Network:
    name: str
    """Short lowercase id used in commands and storage."""
    label: str
    """Human name, as members and the network itself write it."""
    aliases: tuple[str, ...]
    """Other names members type for it ("twitter" for X)."""
    required_setting: str | None
    """The setting without which the network is off (its attribute is the name in lower
    case); None for a network that works without credentials."""
    parse: Callable[[str, bool], str]
    """(what a member typed, private networks allowed) -> canonical handle or InvalidHandle."""
    for_humans: Callable[[str], str]
    """Canonical handle -> the handle as people write it in a post."""
    build: Callable[[ClientKit], NetworkClient]
    code_place: Msg
    """Where a member puts the one-time verification code, as the bot tells them."""
    followfriday_posts: bool
    """People write #FollowFriday posts there, so the weekly post offers a line to paste
    (nobody posts text on GitHub or YouTube: they get suggestions to follow only)."""

    def unavailable_reason(self, settings: Settings) -> Msg | str | None:
        """None when the network is on, else what the admin must set to turn it on."""
        setting = self.required_setting
        if setting is None or getattr(settings, setting.lower()):
            return None
        return NetworkNotConfigured(self.label, setting).message


@dataclass(frozen=True)
class ClientKit:
    """What every client factory gets: settings, the shared HTTP clients, and fetchers and
    rate limiters wired to the injected clock, sleep and random source."""

    settings: Settings
    http: httpx.AsyncClient
    """For the fixed API hosts."""
    mastodon_http: httpx.AsyncClient
    """SSRF-guarded, for hosts members choose."""
    clock: Clock
    sleep: Sleep
    rng: random.Random
    on_rate_limit_wait: Callable[[str, float], None] | None
    budgets: SharedBudget | None = None
    """The budgets every process on the database shares; None keeps them per process."""

    def limiter(self, network: str, limit: RateLimit, scope: str = "") -> RateLimiter:
        """`scope` separates budgets the network keeps apart on one host (per token)."""
        observe = self.on_rate_limit_wait
        return RateLimiter(limit, clock=self.clock, sleep=self.sleep, on_wait=None
                           if observe is None else lambda seconds: observe(network, seconds),
                           shared=self.budgets,
                           budget_name=f"{network}:{scope}" if scope else network)

    def fetcher(self, network: str, client: httpx.AsyncClient, limit: RateLimit,
                setting: str | None = None, scope: str = "") -> HttpFetcher:
        return HttpFetcher(
            client,
            label=network_label(network),
            limiter=self.limiter(network, limit, scope),
            clock=self.clock,
            sleep=self.sleep,
            rng=random.Random(self.rng.random()),
            timeout=self.settings.klout_http_timeout_seconds,
            max_bytes=self.settings.klout_max_response_bytes,
            credential_setting=setting,
        )

    @staticmethod
    def credential_scope(secret: str | None) -> str:
        """Names a credential's own budget without putting the credential in the database."""
        if secret is None:
            return "keyless"
        return "key-" + hashlib.sha256(secret.encode()).hexdigest()[:12]

    @staticmethod
    def secret(value: object) -> str | None:
        """A secret setting's text, None when unset or blank."""
        getter = getattr(value, "get_secret_value", None)
        secret = getter() if callable(getter) else None
        return secret if isinstance(secret, str) and secret.strip() else None


def _public_only(parse: Callable[[str], str]) -> Callable[[str, bool], str]:
    return lambda raw, _allow_private: parse(raw)


NETWORKS: tuple[Network, ...] = (
    Network(
        name=mastodon.NAME, label=mastodon.LABEL, aliases=("masto", "fediverse"),
        required_setting=None,
        parse=lambda raw, allow_private: mastodon.parse_handle(raw, allow_private=allow_private),
        for_humans=mastodon.handle_for_humans, build=mastodon.build_client,
        code_place=Msg("your profile bio or one of its profile fields"), followfriday_posts=True,
    ),
    Network(
        name=bluesky.NAME, label=bluesky.LABEL, aliases=("bsky",), required_setting=None,
        parse=_public_only(bluesky.parse_handle), for_humans=bluesky.handle_for_humans,
        build=bluesky.build_client, code_place=Msg("your profile description"),
        followfriday_posts=True,
    ),
    Network(
        name=github.NAME, label=github.LABEL, aliases=("gh",), required_setting=None,
        parse=_public_only(github.parse_handle), for_humans=github.handle_for_humans,
        build=github.build_client, code_place=Msg("your profile bio (or the website field)"),
        followfriday_posts=False,
    ),
    Network(
        name=x.NAME, label=x.LABEL, aliases=("twitter",), required_setting=x.SETTING,
        parse=_public_only(x.parse_handle), for_humans=x.handle_for_humans,
        build=x.build_client, code_place=Msg("your profile bio"), followfriday_posts=True,
    ),
    Network(
        name=youtube.NAME, label=youtube.LABEL, aliases=("yt",), required_setting=youtube.SETTING,
        parse=_public_only(youtube.parse_handle), for_humans=youtube.handle_for_humans,
        build=youtube.build_client, code_place=Msg("your channel description"),
        followfriday_posts=False,
    ),
)

BY_NAME: dict[str, Network] = {network.name: network for network in NETWORKS}


def network_label(name: str) -> str:
    """The human name of a network; an unknown (e.g. since removed) one is capitalised."""
    known = BY_NAME.get(name)
    return known.label if known is not None else name.capitalize()


def code_place(name: str) -> Msg:
    """Where a member puts the verification code on that network."""
    known = BY_NAME.get(name)
    return known.code_place if known is not None else Msg("your public profile")


POSTING_NETWORKS: tuple[str, ...] = tuple(
    network.name for network in NETWORKS if network.followfriday_posts)
"""Networks where people write #FollowFriday posts, in registry order."""


def network_availability(settings: Settings) -> dict[str, Msg | str | None]:
    """network -> None when usable, else which setting enables it."""
    return {network.name: network.unavailable_reason(settings) for network in NETWORKS}
