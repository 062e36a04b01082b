"""Slack for many workspaces: bolt's OAuth flow, with installations in the bot's database.

With SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET (and no SLACK_BOT_TOKEN)
anyone can add Kloutbot to a workspace at /slack/install; Slack sends them back to
/slack/oauth_redirect, where bolt trades the code for that workspace's bot token
(`oauth.v2.access`, through the app's own Web API client, so SLACK_API_URL applies) and
saves it. Each request is then answered with the token bolt's authorize finds for its
workspace, and each workspace is a team of its own, named as Slack named it at install.

slack_sdk's SQLAlchemy stores keep the installations and the OAuth states. Their tables
(`slack_installations`, `slack_bots`, `slack_oauth_states`) are created at start by the
stores themselves and are not part of the numbered migrations.

Removing the app (`app_uninstalled`) or revoking its bot token (`tokens_revoked`)
deletes that workspace's tokens at once and starts the grace period
(KLOUT_UNINSTALL_GRACE_DAYS) after which the scheduler deletes its members' data; a
reinstall within it keeps everything.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from chatbot.clock import Clock
from chatbot.settings import Settings
from chatbot.storage import Storage
from chatbot.values.message import N_

log = logging.getLogger(__name__)

BOT_SCOPES = ("commands", "chat:write", "chat:write.public", "channels:history",
              "groups:history", "users:read", "files:write", "im:write")
"""The bot scopes of slack-manifest.yml (a test keeps the two lists equal)."""

STATE_EXPIRATION_SECONDS = 10 * 60
"""How long an install link stays usable between /slack/install and Slack's redirect."""

NOT_INSTALLED = N_("Kloutbot is no longer installed in this workspace. "
                   "A workspace admin can add it again from the bot's /slack/install page.")
"""Bolt answers it when a workspace has no installation; the HTTP front door puts it in
the member's language (slack_adapter.build_http_app)."""


class SlackInstallations:
    """The workspaces Kloutbot is installed in, and the states of installs under way.

    `engine` is the bot's own storage engine: the stores' tables sit next to the bot's in
    its database, on its connection pool (and on SQLite, its busy timeout), and the
    storage disposes of it. One pool per process instead of two.
    """

    def __init__(self, client_id: str, engine: AsyncEngine) -> None:
        self.engine = engine
        self.store = AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine,
                                                      logger=log)
        self.states = AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine, logger=log)
        self._tables_ready = False

    async def create_tables(self) -> None:
        """Idempotent: `CREATE TABLE` only for the tables that are missing."""
        if not self._tables_ready:
            await self.store.create_tables()
            await self.states.create_tables()
            self._tables_ready = True

    async def bot_token(self, workspace: str) -> str | None:
        # `kloutbot followfriday` posts without starting the platform, maybe on a fresh
        # database: an empty store answers "not installed", not "no such table".
        await self.create_tables()
        bot = await self.store.async_find_bot(enterprise_id=None, team_id=workspace)
        return bot.bot_token if bot is not None else None

    async def remove(self, workspace: str, enterprise_id: str | None = None) -> None:
        await self.store.async_delete_all(enterprise_id=enterprise_id, team_id=workspace)


class WorkspaceTeams:
    """What an install or an uninstall means for the team that workspace is."""

    def __init__(self, installations: SlackInstallations, storage: Storage,
                 clock: Clock) -> None:
        self.installations = installations
        self.storage = storage
        self.clock = clock

    async def installed(self, installation: Installation) -> None:
        if not installation.team_id:
            return
        team_id = f"slack:{installation.team_id}"
        await self.storage.teams.ensure(team_id, "slack", installation.team_name or "",
                                        self.clock.now())
        await self.storage.teams.mark_uninstalled(team_id, None)
        log.info("Kloutbot was installed in Slack workspace %s", installation.team_id)

    async def removed(self, workspace: str, enterprise_id: str | None) -> None:
        await self.installations.remove(workspace, enterprise_id)
        await self.storage.teams.mark_uninstalled(f"slack:{workspace}", self.clock.now())
        log.info("Kloutbot was removed from Slack workspace %s: its tokens are deleted",
                 workspace)


NotInstalledText = Callable[[str, str], Awaitable[str]]
"""(workspace id, member id) -> NOT_INSTALLED in that member's language."""


class _RespondInTheirLanguage:
    """The request's `respond`, but bolt's "no longer installed" answer (which bolt sends
    through it when authorize finds no installation) goes out in the member's language.
    Everything else passes through untouched."""

    def __init__(self, respond: Callable[..., Awaitable[Any]],
                 words: Callable[[], Awaitable[str]]) -> None:
        self._respond = respond
        self._words = words

    async def __call__(self, text: str | dict[str, Any] = "", *args: Any,
                       **kwargs: Any) -> Any:
        if text == NOT_INSTALLED:
            text = await self._words()
        return await self._respond(text, *args, **kwargs)


def _before_authorize(words: NotInstalledText) -> Callable[..., Awaitable[Any]]:
    """A bolt middleware (arguments injected by name) that wraps `respond` before bolt's
    authorization may use it."""

    async def wrap_respond(context: AsyncBoltContext, next: Callable[[], Awaitable[Any]]
                           ) -> Any:
        respond = context.respond
        if respond is not None:
            team, user = context.team_id or "", context.user_id or ""
            context["respond"] = _RespondInTheirLanguage(respond, partial(words, team, user))
        return await next()

    return wrap_respond


def build_oauth_app(settings: Settings, client: AsyncWebClient, teams: WorkspaceTeams,
                    logger: logging.Logger,
                    not_installed: NotInstalledText | None = None) -> AsyncApp:
    """The bolt app for many workspaces: OAuth routes, per-workspace authorize, and the
    uninstall listeners; `not_installed` words bolt's answer to a member of a workspace
    that removed the app."""
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    assert settings.slack_signing_secret is not None
    installations = teams.installations

    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        await teams.installed(args.installation)
        return await args.default.success(args)

    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        log.info("a Slack install was refused: %s", args.reason)
        return await args.default.failure(args)

    oauth = AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        install_page_rendering_enabled=False,
        installation_store=installations.store,
        installation_store_bot_only=True,
        state_store=installations.states,
        state_expiration_seconds=STATE_EXPIRATION_SECONDS,
        callback_options=AsyncCallbackOptions(success=success, failure=failure),
        logger=logger,
    )
    app = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        oauth_settings=oauth,
        installation_store_bot_only=True,
        user_facing_authorize_error_message=NOT_INSTALLED,
        before_authorize=_before_authorize(not_installed) if not_installed else None,
        process_before_response=True,
        logger=logger,
    )
    listen_for_removal(app, teams)
    return app


def listen_for_removal(app: AsyncApp, teams: WorkspaceTeams) -> None:
    revocation = AsyncTokenRevocationListeners(teams.installations.store)

    async def uninstalled(context: AsyncBoltContext) -> None:
        if context.team_id:
            await teams.removed(context.team_id, context.enterprise_id)

    async def revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if event.get("tokens", {}).get("bot") and context.team_id:
            await teams.removed(context.team_id, context.enterprise_id)
        else:  # only members' own tokens, which Kloutbot never asks for
            await revocation.handle_tokens_revoked_events(event, context)

    app.event("app_uninstalled")(uninstalled)
    app.event("tokens_revoked")(revoked)


def add_oauth_routes(http: web.Application, flow: AsyncOAuthFlow) -> None:
    """GET /slack/install (a redirect to Slack with a fresh state) and the redirect back."""

    def bolt_request(request: web.Request) -> AsyncBoltRequest:
        return AsyncBoltRequest(body="", query=request.query_string,
                                headers=dict(request.headers))

    async def install(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_installation(bolt_request(request)))

    async def redirected(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_callback(bolt_request(request)))

    http.router.add_get(flow.install_path, install)
    http.router.add_get(flow.redirect_uri_path, redirected)

