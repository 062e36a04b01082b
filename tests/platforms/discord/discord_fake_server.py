"""A local fake of the parts of Discord the bot talks to: REST under /api/v10 and the
gateway websocket, on 127.0.0.1 and a free port.

Like Discord, it shards: each IDENTIFY's `shard` [id, count] is kept, and a session
hears only its shard's guilds (`(guild_id >> 22) % count`), as unavailable guilds in
READY followed by their GUILD_CREATE; `/gateway/bot` recommends `recommended_shards`.

It keeps every request's payload (JSON or multipart with files) so tests assert on
what the real discord.py client actually sent, and it lets a test drive the
gateway: dispatch INTERACTION_CREATE, ask for a reconnect (op 7), refuse a resume
(op 9). Responses use Content-Type exactly `application/json`, which discord.py
needs to parse them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import discord
from aiohttp import BodyPartReader, WSMsgType, web

APP_ID = "1030118727418646629"
BOT_NAME = "Kloutbot"
T = TypeVar("T")


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: dict[str, tuple[str, bytes]]
    """form field -> (file name, bytes)"""
    at: float


@dataclass
class GatewaySession:
    received: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    closed: bool = False
    shard: tuple[int, int] = (0, 1)
    """[id, count] from this session's IDENTIFY (or the one it resumed)."""

    @property
    def ops(self) -> list[int]:
        return [message["op"] for message in self.received]

    @property
    def identify(self) -> dict[str, Any] | None:
        return next((m for m in self.received if m["op"] == 2), None)


@dataclass
class Dispatched:
    interaction_id: str
    token: str
    at: float


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json"})


def bot_user() -> dict[str, Any]:
    return {"id": APP_ID, "username": BOT_NAME, "discriminator": "0861", "avatar": None,
            "bot": True, "flags": 0, "verified": True, "mfa_enabled": True, "email": None,
            "global_name": None}


def hello_payload() -> dict[str, Any]:
    """Shape of a recorded HELLO (../shared/fixtures/discord/gateway_hello_op10_…)."""
    return {"t": None, "s": None, "op": 10,
            "d": {"heartbeat_interval": 41250,
                  "_trace": ['["gateway-prd-us-east1-c-36bg",{"micros":0.0}]']}}


def guild_payload(guild_id: str, name: str) -> dict[str, Any]:
    """A GUILD_CREATE's data: a guild with one text channel, as the `guilds` intent
    delivers it (no member list)."""
    return {"id": guild_id, "name": name, "icon": None, "owner_id": "80088516616269824",
            "features": [], "roles": [], "emojis": [], "stickers": [], "member_count": 2,
            "members": [], "presences": [], "voice_states": [], "threads": [],
            "stage_instances": [], "guild_scheduled_events": [], "unavailable": False,
            "large": False, "preferred_locale": "en-US", "verification_level": 0,
            "joined_at": "2024-01-01T00:00:00.000000+00:00", "premium_tier": 0,
            "channels": [{"id": str(int(guild_id) + 1), "type": 0, "name": "general",
                          "position": 0, "permission_overwrites": [], "nsfw": False,
                          "parent_id": None, "topic": None, "rate_limit_per_user": 0,
                          "last_message_id": None, "flags": 0}]}


def ready_payload(session_id: str, resume_url: str) -> dict[str, Any]:
    """Shape of a recorded READY (../shared/fixtures/discord/gateway_ready_…)."""
    return {"t": "READY", "s": 1, "op": 0, "d": {
        "v": 10, "user_settings": {}, "user": bot_user(), "session_type": "normal",
        "session_id": session_id, "resume_gateway_url": resume_url, "relationships": [],
        "private_channels": [], "presences": [], "guilds": [], "guild_join_requests": [],
        "geo_ordered_rtc_regions": ["rotterdam"],
        "application": {"id": APP_ID, "flags": 565248}, "_trace": ["[]"]}}


class FakeDiscord:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.sessions: list[GatewaySession] = []
        self.ready_override: Callable[[str, str], dict[str, Any]] | None = None
        self.refuse_resume = False
        self.reject_token = False
        self.channel_errors: dict[str, tuple[int, int, str]] = {}
        """channel id -> (HTTP status, Discord error code, message)"""
        self.users: dict[str, dict[str, Any]] = {}
        self.left: set[str] = set()
        """Users who are no longer members of any guild (GET member answers 404)."""
        self.blocked: set[str] = set()
        """Users who blocked the bot: a message to their DM channel is refused (50007)."""
        self.dm_channels: dict[str, str] = {}
        """DM channel id -> the user it reaches."""
        self.channels: dict[str, list[dict[str, Any]]] = {}
        """channel id -> messages posted there, oldest first."""
        self.history_errors: dict[str, tuple[int, int, str]] = {}
        """channel id -> (HTTP status, Discord error code, message) for reading history"""
        self.guilds: dict[str, dict[str, Any]] = {}
        """guild id -> GUILD_CREATE data, sent to the session of the guild's shard."""
        self.recommended_shards = 1
        self._ids = itertools.count(1_300_000_000_000_000_000)
        self._sequence = 1
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ----- lifecycle
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        for session in self.sessions:
            if session.ws is not None and not session.ws.closed:
                await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def new_id(self) -> str:
        return str(next(self._ids))

    # ----- waiting (no sleeps: wake on every change)
    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, probe: Callable[[], T | None], within: float = 5.0) -> T:
        async def loop() -> T:
            async with self._changed:
                while True:
                    found = probe()
                    if found is not None and found is not False:
                        return found
                    await self._changed.wait()

        return await asyncio.wait_for(loop(), within)

    async def wait_for_call(self, method: str, pattern: str, *, after: int = 0,
                            within: float = 5.0) -> Call:
        regex = re.compile(pattern)

        def probe() -> Call | None:
            return next((c for c in self.calls[after:]
                         if c.method == method and regex.search(c.path)), None)

        return await self.wait_until(probe, within)

    def sent_messages(self) -> list[dict[str, Any]]:
        """Every message body the bot posted or edited, by any route."""
        bodies: list[dict[str, Any]] = []
        for call in self.calls:
            if call.path.endswith("/callback") and call.json["type"] in (4, 7):
                bodies.append(call.json["data"])
            elif (call.method == "POST" and re.fullmatch(r"/webhooks/\d+/[^/]+", call.path)) \
                    or (call.method == "PATCH" and call.path.endswith("/messages/@original")) \
                    or (call.method == "POST" and re.fullmatch(r"/channels/\d+/messages",
                                                                call.path)):
                bodies.append(call.json)
        return bodies

    def calls_to(self, method: str, pattern: str) -> list[Call]:
        regex = re.compile(pattern)
        return [c for c in self.calls if c.method == method and regex.search(c.path)]

    # ----- gateway control
    @property
    def current(self) -> GatewaySession:
        return self.sessions[-1]

    def session_of(self, shard_id: int) -> GatewaySession:
        """The newest gateway session that identified as `shard_id`."""
        return next(s for s in reversed(self.sessions)
                    if s.identify is not None and s.shard[0] == shard_id)

    async def send(self, payload: dict[str, Any],
                   session: GatewaySession | None = None) -> None:
        ws = (session or self.current).ws
        assert ws is not None and not ws.closed, "no open gateway connection"
        await ws.send_str(json.dumps(payload))

    async def dispatch(self, event: str, data: dict[str, Any],
                       session: GatewaySession | None = None) -> float:
        self._sequence += 1
        await self.send({"t": event, "s": self._sequence, "op": 0, "d": data}, session)
        return asyncio.get_running_loop().time()

    async def dispatch_interaction(self, payload: dict[str, Any],
                                   session: GatewaySession | None = None) -> Dispatched:
        at = await self.dispatch("INTERACTION_CREATE", payload, session)
        return Dispatched(payload["id"], payload["token"], at)

    async def request_reconnect(self) -> None:
        await self.send({"t": None, "s": None, "op": 7, "d": None})

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = GatewaySession(ws=ws)
        self.sessions.append(session)
        await ws.send_str(json.dumps(hello_payload()))
        await self._notify()
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(message.data)
            session.received.append(payload)
            await self._answer_gateway(ws, payload)
            await self._notify()
        session.closed = True
        await self._notify()
        return ws

    async def _answer_gateway(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        op = payload["op"]
        if op == 1:
            await ws.send_str(json.dumps({"t": None, "s": None, "op": 11, "d": None}))
        elif op == 2:
            self._sequence = 1
            session = next(s for s in self.sessions if s.ws is ws)
            shard_id, count = payload["d"].get("shard") or [0, 1]
            session.shard = (shard_id, count)
            build = self.ready_override or ready_payload
            ready = build(f"session-{self.new_id()}", self.gateway_url)
            mine = [data for guild, data in self.guilds.items()
                    if (int(guild) >> 22) % count == shard_id]
            ready["d"]["shard"] = [shard_id, count]
            ready["d"]["guilds"] = [{"id": data["id"], "unavailable": True} for data in mine]
            await ws.send_str(json.dumps(ready))
            for data in mine:
                self._sequence += 1
                await ws.send_str(json.dumps({"t": "GUILD_CREATE", "s": self._sequence,
                                              "op": 0, "d": data}))
        elif op == 6:
            if self.refuse_resume:
                await ws.send_str(json.dumps({"t": None, "s": None, "op": 9, "d": False}))
            else:
                self._sequence += 1
                await ws.send_str(json.dumps({"t": "RESUMED", "s": self._sequence, "op": 0,
                                              "d": {}}))

    # ----- REST
    async def _rest(self, request: web.Request) -> web.StreamResponse:
        body, files = await self._read_body(request)
        path = "/" + request.match_info["tail"]
        call = Call(request.method, path, dict(request.query), body, files,
                    asyncio.get_running_loop().time())
        self.calls.append(call)
        try:
            return self._route(call)
        finally:
            await self._notify()

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, dict[str, tuple[str, bytes]]]:
        files: dict[str, tuple[str, bytes]] = {}
        if not request.can_read_body:
            return None, files
        if request.content_type.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                data = await part.read()
                if part.name == "payload_json":
                    body = json.loads(data)
                else:
                    files[part.name or ""] = (part.filename or "", bytes(data))
            return body, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), files

    def _route(self, call: Call) -> web.StreamResponse:
        method, path, body = call.method, call.path, call.json
        if method == "GET" and path == "/users/@me":
            if self.reject_token:
                return _json({"message": "401: Unauthorized", "code": 0}, status=401)
            return _json(bot_user())
        if method == "GET" and path == "/oauth2/applications/@me":
            return _json({"id": APP_ID, "name": BOT_NAME, "description": "", "icon": None,
                          "bot_public": True, "bot_require_code_grant": False,
                          "owner": {**bot_user(), "id": "80088516616269824", "bot": False,
                                    "username": "owner"},
                          "verify_key": "0" * 64, "flags": 565248})
        if method == "GET" and path == "/gateway/bot":
            return _json({"url": self.gateway_url, "shards": self.recommended_shards,
                          "session_start_limit": {
                "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})
        if method == "PUT" and re.fullmatch(r"/applications/\d+(/guilds/\d+)?/commands", path):
            guild = re.search(r"/guilds/(\d+)/", path)
            return _json([{**command, "id": self.new_id(), "application_id": APP_ID,
                           "version": self.new_id(),
                           **({"guild_id": guild.group(1)} if guild else {})}
                          for command in body])
        if method == "POST" and re.fullmatch(r"/interactions/\d+/[^/]+/callback", path):
            return self._callback(call)
        if method == "POST" and re.fullmatch(r"/webhooks/\d+/[^/]+", path):
            return _json(self.message(body or {}, webhook=True))
        if re.fullmatch(r"/webhooks/\d+/[^/]+/messages/@original", path):
            if method == "DELETE":
                return web.Response(status=204)
            return _json(self.message(body or {}, webhook=True))
        if method == "GET" and (found := re.fullmatch(r"/guilds/\d+/members/(\d+)", path)):
            if found.group(1) in self.left or found.group(1) not in self.users:
                return _json({"message": "Unknown Member", "code": 10007}, status=404)
            return _json({"user": self.users[found.group(1)], "roles": [], "deaf": False,
                          "mute": False, "joined_at": "2023-02-02T01:34:40.083000+00:00",
                          "flags": 0})
        if method == "POST" and path == "/users/@me/channels":
            recipient = str((body or {}).get("recipient_id"))
            dm_id = next((k for k, v in self.dm_channels.items() if v == recipient), None)
            dm_id = dm_id or self.new_id()
            self.dm_channels[dm_id] = recipient
            return _json({"id": dm_id, "type": 1, "last_message_id": None, "flags": 0,
                          "recipients": [self.users.get(recipient, {"id": recipient,
                                                                    "username": "x",
                                                                    "discriminator": "0",
                                                                    "avatar": None})]})
        channel = re.fullmatch(r"/channels/(\d+)/messages", path)
        if method == "POST" and channel and self.dm_channels.get(channel.group(1)) \
                in self.blocked:
            return _json({"message": "Cannot send messages to this user", "code": 50007},
                         status=403)
        if method == "POST" and channel:
            failure = self.channel_errors.get(channel.group(1))
            if failure:
                status, code, text = failure
                return _json({"message": text, "code": code}, status=status)
            message = self.message(body or {}, channel_id=channel.group(1))
            message["id"] = str(discord.utils.time_snowflake(datetime.now(UTC))
                                + len(self.channels.get(channel.group(1), [])))
            self.channels.setdefault(channel.group(1), []).append(message)
            return _json(message)
        if method == "GET" and channel:
            return self._history(channel.group(1), call.query)
        user = re.fullmatch(r"/users/(\d+)", path)
        if method == "GET" and user and user.group(1) in self.users:
            return _json(self.users[user.group(1)])
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    def _history(self, channel_id: str, query: dict[str, str]) -> web.Response:
        """GET /channels/{id}/messages, newest first as Discord answers: the `limit`
        messages right after `after`, or right before `before` (default: the newest)."""
        failure = self.history_errors.get(channel_id)
        if failure:
            status, code, text = failure
            return _json({"message": text, "code": code}, status=status)
        limit = int(query.get("limit", "50"))
        messages = self.channels.get(channel_id, [])
        if "after" in query:
            newer = [m for m in messages if int(m["id"]) > int(query["after"])]
            return _json(list(reversed(newer[:limit])))
        before = int(query.get("before", str(2**64)))
        older = [m for m in messages if int(m["id"]) < before]
        return _json(list(reversed(older))[:limit])

    def _callback(self, call: Call) -> web.Response:
        interaction_id = call.path.split("/")[2]
        kind = call.json["type"]
        data = call.json.get("data") or {}
        flags = int(data.get("flags") or 0)
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5, 7):
            resource["message"] = self.message(data, webhook=True)
        return _json({"interaction": {"id": interaction_id, "type": 2,
                                      "response_message_id": self.new_id(),
                                      "response_message_loading": kind == 5,
                                      "response_message_ephemeral": bool(flags & 64)},
                      "resource": resource})

    def message(self, body: dict[str, Any], *, channel_id: str = "1076966571907481661",
                webhook: bool = False) -> dict[str, Any]:
        author = bot_user()
        return {
            "id": self.new_id(), "channel_id": channel_id, "type": 0,
            "content": body.get("content") or "", "author": author,
            "attachments": [], "embeds": body.get("embeds") or [], "mentions": [],
            "mention_roles": [], "pinned": False, "mention_everyone": False, "tts": False,
            "timestamp": "2026-11-25T12:00:00.000000+00:00", "edited_timestamp": None,
            "flags": int(body.get("flags") or 0), "components": body.get("components") or [],
            **({"webhook_id": APP_ID, "application_id": APP_ID} if webhook else {}),
        }
