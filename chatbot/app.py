"""Wiring: builds storage, network clients, engine, planner and dispatcher from settings.

Everything is constructed here once and handed down; no module reaches for a
global. Tests build the same graph with their own clock and HTTP transport.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx

from chatbot.admission import Admission
from chatbot.clock import Clock, SystemClock
from chatbot.followfriday.service import FollowFridayService
from chatbot.foreground import Foreground
from chatbot.influence.engine import InfluenceEngine
from chatbot.influence.leaderboards import Leaderboards
from chatbot.influence.networks import build_clients, build_mastodon_http
from chatbot.influence.networks.base import NetworkClient
from chatbot.influence.networks.registry import network_availability
from chatbot.influence.refresh import Refresher
from chatbot.ops.metrics import Metrics
from chatbot.platforms.base import ChatPlatform
from chatbot.settings import Settings
from chatbot.storage import Storage, open_storage
from chatbot.web.links import WebLinks
from commands.context import Services
from commands.registry import Dispatcher

Sleep = Callable[[float], Awaitable[None]]


@dataclass
class App:
    settings: Settings
    clock: Clock
    storage: Storage
    http: httpx.AsyncClient
    clients: dict[str, NetworkClient]
    refresher: Refresher
    engine: InfluenceEngine
    followfriday: FollowFridayService
    dispatcher: Dispatcher
    metrics: Metrics
    web_links: WebLinks
    platforms: dict[str, ChatPlatform] = field(default_factory=dict)


@asynccontextmanager
async def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    http: httpx.AsyncClient | None = None,
    sleep: Sleep = asyncio.sleep,
) -> AsyncIterator[App]:
    clock = clock or SystemClock()
    storage = await open_storage(settings.database_path)
    own_http = http is None
    client = http or httpx.AsyncClient(
        timeout=settings.klout_http_timeout_seconds,
        follow_redirects=False,
        headers={"User-Agent": "Kloutbot/0.1 (self-hosted team influence bot)"},
    )
    mastodon_http = build_mastodon_http(settings)
    metrics = Metrics()
    try:
        clients = build_clients(settings, client, clock=clock, sleep=sleep,
                                mastodon_http=mastodon_http,
                                on_rate_limit_wait=metrics.rate_limit_waited,
                                budgets=storage.budgets)
        foreground = Foreground()
        refresher = Refresher(storage, clients, clock,
                              window_days=settings.klout_score_window_days, sleep=sleep,
                              foreground=foreground)
        engine = InfluenceEngine(clients, refresher, network_availability(settings),
                                 allow_private=settings.klout_allow_private_networks)
        followfriday = FollowFridayService(storage, clients, clock)
        secret = settings.klout_web_secret
        web_links = WebLinks(storage, settings.klout_public_url,
                             secret.get_secret_value() if secret else None)
        services = Services(storage=storage, engine=engine, followfriday=followfriday,
                            clock=clock, boards=Leaderboards(storage),
                            score_window_days=settings.klout_score_window_days,
                            web_links=web_links, foreground=foreground)
        yield App(
            settings=settings,
            clock=clock,
            storage=storage,
            http=client,
            clients=clients,
            refresher=refresher,
            engine=engine,
            followfriday=followfriday,
            dispatcher=Dispatcher(services, admission=Admission(
                settings.klout_max_commands_in_flight, settings.klout_answer_deadline_seconds),
                observe=metrics.command_answered),
            metrics=metrics,
            web_links=web_links,
        )
    finally:
        await mastodon_http.aclose()
        if own_http:
            await client.aclose()
        await storage.close()
