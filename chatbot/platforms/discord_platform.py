"""Discord as a ChatPlatform: a thin layer between discord.py and the platform-neutral
command core.

Members are Discord user ids within a guild (`discord:<guild id>` is the
team). Only the non-privileged `guilds` intent is used: slash commands and
buttons arrive as interactions and need no message content or member list.

Lifecycle: everything that must happen once per process (registering the
command tree and button handler, syncing commands) is in `setup_hook`, which
discord.py runs once at login. `on_ready` fires again after every fresh
IDENTIFY (a refused resume), so it only records readiness; `on_ready_once`
is guarded to run a single time.

The client is always auto-sharded: DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS pick the
shards this process runs (see discord_shards), and without them discord.py asks Discord
for the recommended count and runs every shard here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import INTERNAL_API_VERSION, Route

from chatbot.platforms.discord_commands import (
    SyncState,
    build_klout_group,
    sync_commands,
)
from chatbot.platforms.discord_dm import DISCORD_DM_LIMIT, send_direct
from chatbot.platforms.discord_render import (
    NO_MENTIONS,
    CommandButton,
    carries,
    nonce_for,
    render,
    with_marker,
)
from chatbot.platforms.discord_responder import DEFER_AFTER_SECONDS, InteractionResponder
from chatbot.platforms.discord_shards import (
    ShardPlan,
    ShardSettingError,
    format_shard_ids,
    shard_plan,
)
from chatbot.platforms.discord_translation import CatalogTranslator
from chatbot.settings import Settings
from chatbot.values.delivery import DeliveryError, DeliveryUnconfirmed, DmLimit, PostMarker
from chatbot.values.message import N_, Msg
from chatbot.values.reply import Reply, error
from commands.registry import Dispatcher

log = logging.getLogger(__name__)

HISTORY_LIMIT = 500
DRAIN_ANSWERS_SECONDS = 3.0
"""On stop, how long answers in flight may take before the connection closes under them."""
CLOSE_SECONDS = 1.5
"""How long the gateway task may take to end after the client is closed."""


def api_base(url: str) -> str:
    """DISCORD_API_URL may name the versioned base or just the `/api` root."""
    base = url.rstrip("/")
    return base if re.search(r"/v\d+$", base) else f"{base}/v{INTERNAL_API_VERSION}"


class _Endpoints:
    """discord.py reads its REST base and gateway from class attributes; point them at
    DISCORD_API_URL / DISCORD_GATEWAY_URL while the platform runs, restore them after."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._saved: tuple[str, yarl.URL] | None = None

    def apply(self) -> None:
        self._saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        if self._settings.discord_api_url:
            Route.BASE = api_base(self._settings.discord_api_url)
        if self._settings.discord_gateway_url:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self._settings.discord_gateway_url)

    def restore(self) -> None:
        if self._saved is not None:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._saved
            self._saved = None


OPTIONS_UNREADABLE = N_("I couldn't read that command's options; please try again.")


class KloutTree(app_commands.CommandTree[discord.Client]):
    async def on_error(self, interaction: discord.Interaction,
                       error_: app_commands.AppCommandError, /) -> None:
        """An option Discord could not resolve (a member who left) still gets an answer."""
        log.warning("app command error: %s", error_, exc_info=error_)
        client = interaction.client
        tr = client.responder.quick_translator(interaction) \
            if isinstance(client, KloutClient) else None
        text = OPTIONS_UNREADABLE if tr is None else tr._(OPTIONS_UNREADABLE)
        message = render(error(text), tr)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(ephemeral=True, **message.send_kwargs())
            else:
                await interaction.response.send_message(ephemeral=True,
                                                        **message.send_kwargs())
        except discord.HTTPException:
            log.exception("could not report an app command error")


class KloutClient(discord.AutoShardedClient):
    def __init__(self, platform: DiscordPlatform, *, identify_delay: float,
                 **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(intents=intents, allowed_mentions=NO_MENTIONS, max_messages=None,
                         **options)
        self.platform = platform
        self.tree = KloutTree(self)
        self.responder = InteractionResponder(self, platform.dispatcher,
                                              defer_after=platform.defer_after)
        self._identify_delay = identify_delay

    async def setup_hook(self) -> None:
        self.add_dynamic_items(CommandButton)
        await self.tree.set_translator(
            CatalogTranslator(self.platform.dispatcher.services.catalogs))
        self.tree.add_command(build_klout_group(self.platform.dispatcher,
                                                self.responder.run_command))
        if self.application_id is None:
            raise RuntimeError("Discord did not report the application id")
        await sync_commands(self.tree, self.platform.sync_state, self.application_id,
                            self.platform.settings.discord_guild_id)

    async def on_ready(self) -> None:
        await self.platform.ready()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Every IDENTIFY but the process's first waits (Discord rate-limits identifies:
        one per 5 s, for a fresh session after a refused resume and for each further
        shard alike); the wait is injected so tests need not sleep."""
        if not initial:
            await asyncio.sleep(self._identify_delay)

    async def klout_button_clicked(self, interaction: discord.Interaction,
                                   command: str) -> None:
        await self.responder.run_button(interaction, command)


class DiscordStartError(RuntimeError):
    """The bot could not connect; the message says why and what to check."""


class DiscordPlatform:
    """ChatPlatform for Discord."""

    name = "discord"

    def __init__(
        self,
        settings: Settings,
        dispatcher: Dispatcher,
        *,
        on_ready_once: Callable[[], Awaitable[None]] | None = None,
        sync_state_path: Path | None = None,
        defer_after: float = DEFER_AFTER_SECONDS,
        identify_delay: float = 5.0,
        guild_ready_timeout: float = 2.0,
        ready_timeout: float = 60.0,
        drain_answers: float = DRAIN_ANSWERS_SECONDS,
    ) -> None:
        self.settings = settings
        self._drain_answers = drain_answers
        self.dispatcher = dispatcher
        self.defer_after = defer_after
        data_dir = Path(settings.database_path).expanduser().resolve().parent
        self.sync_state = SyncState(sync_state_path or data_dir / "discord-commands.json")
        self.ready_count = 0
        self._on_ready_once = on_ready_once
        self._ran_ready_once = False
        self._identify_delay = identify_delay
        self._guild_ready_timeout = guild_ready_timeout
        self._ready_timeout = ready_timeout
        self._endpoints = _Endpoints(settings)
        self._first_ready = asyncio.Event()
        self._client: KloutClient | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def client(self) -> KloutClient:
        if self._client is None:
            raise RuntimeError("the Discord platform is not started")
        return self._client

    @property
    def connected(self) -> bool:
        """Every shard this process runs has its gateway connection open and is ready."""
        client = self._client
        if client is None or client.is_closed() or not client.is_ready():
            return False
        shards = client.shards
        expected = client.shard_ids or range(client.shard_count or 0)
        return bool(shards) and all(
            shard in shards and not shards[shard].is_closed() for shard in expected)

    def shard_plan(self) -> ShardPlan | None:
        """The configured shards, or None for Discord's recommendation; raises
        DiscordStartError when the settings cannot work."""
        try:
            return shard_plan(self.settings.discord_shard_count,
                              self.settings.discord_shard_ids)
        except ShardSettingError as exc:
            raise DiscordStartError(str(exc)) from None

    async def ready(self) -> None:
        """Called on every READY; `on_ready_once` only the first time."""
        self.ready_count += 1
        self._first_ready.set()
        if self._ran_ready_once or self._on_ready_once is None:
            return
        self._ran_ready_once = True
        try:
            await self._on_ready_once()
        except Exception:
            log.exception("on_ready_once failed")

    async def start(self) -> None:
        if self.settings.discord_token is None:
            raise DiscordStartError("DISCORD_TOKEN is not set")
        token = self.settings.discord_token.get_secret_value()
        plan = self.shard_plan()
        self._endpoints.apply()
        options: dict[str, Any] = {"guild_ready_timeout": self._guild_ready_timeout}
        if self.settings.discord_application_id:
            options["application_id"] = int(self.settings.discord_application_id)
        ready_timeout = self._ready_timeout
        if plan is not None:
            options.update(shard_count=plan.count, shard_ids=list(plan.ids))
            # READY comes once every shard has identified, each after the identify wait.
            ready_timeout += self._identify_delay * (len(plan.ids) - 1)
            log.info("Discord: running shards %s of %d", format_shard_ids(plan.ids),
                     plan.count)
        self._client = KloutClient(self, identify_delay=self._identify_delay, **options)
        self._task = asyncio.create_task(self._client.start(token), name="discord-gateway")
        waiter = asyncio.create_task(self._first_ready.wait())
        done, _ = await asyncio.wait({self._task, waiter}, timeout=ready_timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if waiter in done:
            self._task.add_done_callback(_log_gateway_end)
            return
        waiter.cancel()
        reason = "timed out waiting for Discord's READY"
        if self._task in done and self._task.exception() is not None:
            reason = _start_failure(self._task.exception())
        await self.stop()
        raise DiscordStartError(f"Discord did not start: {reason}")

    async def stop(self) -> None:
        """Stop taking commands, let answers in flight finish (bounded), then disconnect."""
        if self._client is not None:
            await self._client.responder.drain(self._drain_answers)
            await self._client.close()
        if self._task is not None:
            # A client closed while its shards still launch may not notice; stop it.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._task, CLOSE_SECONDS)
        self._endpoints.restore()

    def _guild(self, team_id: str) -> int:
        prefix, _, guild = team_id.partition(":")
        if prefix != self.name or not guild.isdigit():
            raise DeliveryError(Msg("{team} is not a Discord server", team=team_id))
        return int(guild)

    async def post(self, team_id: str, channel_id: str, reply: Reply,
                   marker: PostMarker | None = None) -> None:
        """A refusal raises DeliveryError; a timeout or dropped connection after the
        request left raises DeliveryUnconfirmed, since the message may have arrived."""
        channel = self._channel(self._guild(team_id), channel_id)
        kwargs = render(with_marker(reply, marker) if marker else reply).send_kwargs()
        if marker is not None:
            kwargs["nonce"] = nonce_for(marker)
        try:
            await channel.send(**kwargs)
        except discord.NotFound:
            raise DeliveryError(Msg("Channel {channel} no longer exists or the bot can't "
                                    "see it; pick another with /klout config channel.",
                                    channel=channel_id)) from None
        except discord.Forbidden:
            raise DeliveryError(Msg("The bot may not post in channel {channel}: it needs "
                                    "View Channel, Send Messages, Embed Links and Attach "
                                    "Files there.", channel=channel_id)) from None
        except discord.HTTPException as exc:
            if exc.text:
                raise DeliveryError(Msg("Discord refused the post ({status}): {reason}",
                                        status=exc.status, reason=exc.text)) from None
            raise DeliveryError(Msg("Discord refused the post ({status}): no reason given",
                                    status=exc.status)) from None
        except (aiohttp.ClientConnectorError, ConnectionRefusedError) as exc:
            raise DeliveryError(Msg("I couldn't reach Discord ({failure}).",
                                    failure=type(exc).__name__)) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise DeliveryUnconfirmed(Msg("The connection to Discord broke while posting "
                                          "({failure}).", failure=type(exc).__name__)) from None

    async def find_post(self, team_id: str, channel_id: str, marker: PostMarker) -> bool:
        """Whether the bot's own post tagged `marker` is among the channel's messages
        since the marker's week began: the newest HISTORY_LIMIT of them, since the post
        went out shortly before the crash that makes us look."""
        channel = self._channel(self._guild(team_id), channel_id)
        me = self.client.user
        try:
            async for message in channel.history(limit=HISTORY_LIMIT, after=marker.since,
                                                 oldest_first=False):
                if me is not None and message.author.id == me.id and carries(message, marker):
                    return True
        except discord.Forbidden:
            raise DeliveryError(Msg("The bot may not read channel {channel}'s history: it "
                                    "needs Read Message History there.",
                                    channel=channel_id)) from None
        except discord.NotFound:
            raise DeliveryError(Msg("Channel {channel} no longer exists or the bot can't "
                                    "see it.", channel=channel_id)) from None
        except discord.HTTPException as exc:
            raise DeliveryError(Msg("Discord refused to list the channel's messages "
                                    "({status}).", status=exc.status)) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise DeliveryError(Msg("I couldn't reach Discord ({failure}).",
                                    failure=type(exc).__name__)) from None
        return False

    def dm_limit(self, team_id: str) -> DmLimit:
        return DISCORD_DM_LIMIT

    async def send_dm(self, team_id: str, user_id: str, reply: Reply) -> None:
        await send_direct(self.client, self._guild(team_id), user_id, reply)

    def _channel(self, guild_id: int, channel: str) -> discord.abc.Messageable:
        """The stored channel is an id (picked as #channel) or, typed by hand, a name."""
        client = self.client
        cleaned = channel.strip().lstrip("#")
        if cleaned.isdigit():
            return client.get_partial_messageable(int(cleaned), guild_id=guild_id)
        guild = client.get_guild(guild_id)
        found = discord.utils.get(guild.text_channels, name=cleaned) if guild else None
        if found is None:
            raise DeliveryError(Msg("There is no channel named #{channel} that the bot can "
                                    "see; set it again with /klout config channel and pick "
                                    "it from the list.", channel=cleaned))
        return found


def _start_failure(exc: BaseException | None) -> str:
    if isinstance(exc, discord.LoginFailure):
        return "Discord refused DISCORD_TOKEN; copy it again from the Bot page of the portal."
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return "a privileged intent was requested (this is a bug: Kloutbot needs none)."
    if isinstance(exc, discord.HTTPException):
        return f"Discord answered {exc.status}: {exc.text or 'no details'}"
    return f"{type(exc).__name__}: {exc}"


def _log_gateway_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the Discord connection ended: %s", _start_failure(task.exception()))
