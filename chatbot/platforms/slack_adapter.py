"""Kloutbot on Slack: a bolt AsyncApp served over Socket Mode or plain HTTP.

Socket Mode (SLACK_APP_TOKEN set) needs no public URL: the bot dials out to Slack. HTTP
mode (SLACK_SIGNING_SECRET, no app token) listens on PORT at /slack/events, where bolt
checks every request's signature and rejects timestamps older than five minutes. Both
modes run the same app, built by `build_slack_app`, so tests drive exactly what serves.
Without SLACK_BOT_TOKEN but with the app's client id and secret, HTTP mode serves any
number of workspaces installed through Slack's OAuth flow (slack_oauth.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from chatbot.admission import Admission
from chatbot.platforms.slack_delivery import (
    SLACK_FAILURES,
    describe_failure,
    find_post,
    post_reply,
)
from chatbot.platforms.slack_dm import send_direct, slack_dm_limit
from chatbot.platforms.slack_http import Refused, check_request, is_slash_command
from chatbot.platforms.slack_identity import SlackDirectory
from chatbot.platforms.slack_listeners import SlackListeners, busy_ack, not_installed_text
from chatbot.platforms.slack_oauth import (
    SlackInstallations,
    WorkspaceTeams,
    add_oauth_routes,
    build_oauth_app,
)
from chatbot.settings import Settings
from chatbot.storage.database import DatabaseUnavailable
from chatbot.values.delivery import DeliveryError, DmLimit, PostMarker
from chatbot.values.message import Msg
from chatbot.values.reply import Reply
from commands.registry import Dispatcher

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class SlackConfigError(RuntimeError):
    """Slack is configured in a way that cannot work; the message says what to fix."""


def _api_base_url(settings: Settings) -> str:
    url = settings.slack_api_url
    return url if url.endswith("/") else url + "/"


def make_web_client(settings: Settings) -> AsyncWebClient:
    """The Web API client, pointed at SLACK_API_URL (a proxy, or a fake in tests).

    Installed in many workspaces it carries no token: bolt gives each request a copy
    with its workspace's token, and `oauth.v2.access` needs none."""
    if settings.slack_oauth_enabled:
        return AsyncWebClient(base_url=_api_base_url(settings))
    if settings.slack_bot_token is None:
        raise SlackConfigError("SLACK_BOT_TOKEN is not set.")
    return AsyncWebClient(token=settings.slack_bot_token.get_secret_value(),
                          base_url=_api_base_url(settings))


def _signing_secret(settings: Settings) -> str | None:
    secret = settings.slack_signing_secret
    return secret.get_secret_value() if secret is not None else None


def build_listeners(
    settings: Settings,
    dispatcher: Dispatcher,
    web_client: AsyncWebClient,
    *,
    directory: SlackDirectory | None = None,
    workspaces: WorkspaceTeams | None = None,
) -> SlackListeners:
    """The app and the listeners that own its answers in flight."""
    socket_mode = settings.slack_app_token is not None
    if workspaces is not None:
        if socket_mode:
            raise SlackConfigError("Installing in many workspaces needs HTTP mode: remove "
                                   "SLACK_APP_TOKEN (or set SLACK_BOT_TOKEN for one "
                                   "workspace).")
        oauth_app = build_oauth_app(settings, web_client, workspaces,
                                    logging.getLogger("chatbot.platforms.slack.bolt"),
                                    partial(not_installed_text, dispatcher))
        return SlackListeners(oauth_app, dispatcher, web_client,
                              directory or SlackDirectory(web_client), per_workspace=True)
    secret = _signing_secret(settings)
    if not socket_mode and secret is None:
        raise SlackConfigError("HTTP mode needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN "
                               "for Socket Mode).")
    app = AsyncApp(
        client=web_client,
        signing_secret=secret,
        # Socket Mode requests are not signed; bolt skips the check for them on its own.
        request_verification_enabled=secret is not None,
        process_before_response=True,
        logger=logging.getLogger("chatbot.platforms.slack.bolt"),
    )
    return SlackListeners(app, dispatcher, web_client, directory or SlackDirectory(web_client))


def build_slack_app(
    settings: Settings,
    dispatcher: Dispatcher,
    web_client: AsyncWebClient,
    *,
    directory: SlackDirectory | None = None,
) -> AsyncApp:
    return build_listeners(settings, dispatcher, web_client, directory=directory).app


def build_http_app(app: AsyncApp, signing_secret: str,
                   clock: Callable[[], float] = time.time,
                   admission: Admission | None = None,
                   busy: Callable[[str], dict[str, Any]] = lambda _body: busy_ack()
                   ) -> web.Application:
    """aiohttp serving bolt at /slack/events (slash commands and button clicks alike).

    Every request passes `check_request` first: unsigned or malformed requests get a
    401 or 400 and one quiet log line, never a traceback. When `admission` is full, a
    signed slash command is refused with the busy ack right here: going through bolt
    would cost about as much again as the refusal (bench/RESULTS.md, "Load from outside").
    `busy` makes that ack from the request body (in the member's language, if known).
    """

    async def events(request: web.Request) -> web.Response:
        raw = await request.read()
        checked = check_request(raw, request.headers, signing_secret, clock())
        if isinstance(checked, Refused):
            log.info("refused a request to %s: %s (%d)", EVENTS_PATH, checked.reason,
                     checked.status)
            return web.Response(status=checked.status, text=checked.reason)
        if admission is not None and admission.full and is_slash_command(checked):
            return web.json_response(busy(checked))
        bolt_request = AsyncBoltRequest(body=checked, query=request.query_string,
                                        headers=dict(request.headers))
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    http = web.Application()
    http.router.add_post(EVENTS_PATH, events)
    if app.oauth_flow is not None:
        add_oauth_routes(http, app.oauth_flow)
    return http


@dataclass(frozen=True)
class SlackIdentity:
    """Who the bot token belongs to, from auth.test at start."""

    team_id: str
    bot_user_id: str


class SlackPlatform:
    """The ChatPlatform for Slack."""

    name = "slack"

    def __init__(
        self,
        settings: Settings,
        dispatcher: Dispatcher,
        *,
        web_client: AsyncWebClient | None = None,
        directory: SlackDirectory | None = None,
        host: str = "0.0.0.0",
        http_routes: Callable[[web.Application], None] | None = None,
    ) -> None:
        """`http_routes` adds routes to HTTP mode's server on PORT (health and metrics)."""
        self.settings = settings
        self._http_routes = http_routes
        self.client = web_client or make_web_client(settings)
        self.installations: SlackInstallations | None = None
        workspaces = None
        if settings.slack_oauth_enabled:
            assert settings.slack_client_id is not None
            services = dispatcher.services
            self.installations = SlackInstallations(settings.slack_client_id,
                                                    services.storage.db.engine)
            workspaces = WorkspaceTeams(self.installations, services.storage, services.clock)
        self.listeners = build_listeners(settings, dispatcher, self.client,
                                         directory=directory, workspaces=workspaces)
        self.app = self.listeners.app
        self.identity: SlackIdentity | None = None
        self._host = host
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def socket_mode(self) -> bool:
        return self.settings.slack_app_token is not None

    @property
    def connected(self) -> bool:
        """HTTP mode: listening. Socket Mode: the websocket to Slack is open."""
        if self.socket_mode:
            client = self._socket.client if self._socket is not None else None
            session = getattr(client, "current_session", None)
            return client is not None and not client.closed and not client.stale and \
                session is not None and not session.closed
        return self._runner is not None

    @property
    def port(self) -> int | None:
        """The port HTTP mode listens on (useful when PORT=0 picked a free one)."""
        return self._port

    async def start(self) -> None:
        """Check the tokens, then connect (Socket Mode) or listen (HTTP); returns once ready."""
        try:
            await self.listeners.dispatcher.learn_team_languages()
        except DatabaseUnavailable:
            log.warning("team languages unknown until the database answers; acks speak English")
        if self.installations is not None:
            await self.installations.create_tables()
            await self._start_http()
            return
        try:
            auth = await self.client.auth_test()
        except SLACK_FAILURES as exc:
            raise SlackConfigError(f"Slack rejected SLACK_BOT_TOKEN: {describe_failure(exc)}"
                                   ) from exc
        self.identity = SlackIdentity(str(auth.get("team_id", "")), str(auth.get("user_id", "")))
        if self.socket_mode:
            await self._start_socket_mode()
        else:
            await self._start_http()

    async def _start_socket_mode(self) -> None:
        assert self.settings.slack_app_token is not None
        app_token = self.settings.slack_app_token.get_secret_value()
        handler = AsyncSocketModeHandler(self.app, app_token, web_client=self.client)
        # Ask for the websocket URL ourselves: the SDK would retry a refused app token
        # forever, and a clear error at start-up is kinder.
        try:
            opened = await self.client.apps_connections_open(app_token=app_token)
        except SLACK_FAILURES as exc:
            await handler.close_async()
            raise SlackConfigError(
                "Slack refused SLACK_APP_TOKEN for Socket Mode (it needs the "
                f"connections:write scope): {describe_failure(exc)}"
            ) from exc
        handler.client.wss_uri = str(opened["url"])
        await handler.connect_async()
        self._socket = handler
        log.info("Slack connected over Socket Mode")

    async def _start_http(self) -> None:
        secret = _signing_secret(self.settings)
        assert secret is not None  # build_listeners refuses HTTP mode without one
        http = build_http_app(self.app, secret, admission=self.listeners.dispatcher.admission,
                              busy=self.listeners.busy_ack_for)
        if self._http_routes is not None:
            self._http_routes(http)
        runner = web.AppRunner(http, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self.settings.port)
        await site.start()
        self._runner = runner
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self._port = sockets[0].getsockname()[1] if sockets else self.settings.port
        log.info("Slack HTTP mode listening on port %s at %s", self._port, EVENTS_PATH)
        if self.installations is not None:
            log.info("Slack workspaces install Kloutbot at /slack/install")

    async def stop(self) -> None:
        """Stop taking requests, then let answers in flight finish."""
        if self._socket is not None:
            socket, self._socket = self._socket, None
            await socket.close_async()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        await self.listeners.drain()

    def _check_team(self, team_id: str) -> None:
        if not team_id.startswith("slack:"):
            raise DeliveryError(Msg("{team} is not a Slack workspace.", team=team_id))
        workspace = team_id.removeprefix("slack:")
        if self.identity is not None and self.identity.team_id and \
                workspace != self.identity.team_id:
            raise DeliveryError(Msg("This bot's token belongs to workspace {token_workspace}, "
                                    "not {workspace}.",
                                    token_workspace=self.identity.team_id, workspace=workspace))

    async def _client_for(self, team_id: str) -> AsyncWebClient:
        self._check_team(team_id)
        if self.installations is None:
            return self.client
        workspace = team_id.removeprefix("slack:")
        token = await self.installations.bot_token(workspace)
        if token is None:
            raise DeliveryError(Msg("Kloutbot is not installed in Slack workspace {workspace} "
                                    "(any more); it can be added again at /slack/install.",
                                    workspace=workspace))
        return AsyncWebClient(token=token, base_url=self.client.base_url)

    async def post(self, team_id: str, channel_id: str, reply: Reply,
                   marker: PostMarker | None = None) -> None:
        """chat.postMessage for the weekly #FollowFriday; raises DeliveryError with a reason."""
        await post_reply(await self._client_for(team_id), channel_id, reply, marker)

    async def find_post(self, team_id: str, channel_id: str, marker: PostMarker) -> bool:
        return await find_post(await self._client_for(team_id), channel_id, marker)

    def dm_limit(self, team_id: str) -> DmLimit:
        return slack_dm_limit(team_id.removeprefix("slack:"))

    async def send_dm(self, team_id: str, user_id: str, reply: Reply) -> None:
        await send_direct(await self._client_for(team_id), user_id, reply)
