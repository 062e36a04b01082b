"""A local stand-in for Slack: the Web API, file uploads, response URLs and Socket Mode,
and `oauth.v2.access` for apps installed in many workspaces.

It keeps every call with its body so tests assert on what the bot actually sent. Bound to
127.0.0.1 on a free port; nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-test-bot-token"
APP_TOKEN = "xapp-test-app-token"
TEAM_ID = "T0KLOUT"
BOT_USER_ID = "U0BOT"
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
CHANNEL_ID = "C0GENERAL"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "test-client-secret-fedcba9876543210"


def sign(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None
         ) -> dict[str, str]:
    """Headers Slack would send: HMAC-SHA256 over `v0:{timestamp}:{body}`."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


def slash_body(text: str, *, user_id: str, response_url: str, channel_id: str = CHANNEL_ID,
               command: str = "/klout", team_id: str = TEAM_ID, team_domain: str = "acme"
               ) -> str:
    return urlencode({
        "token": "legacy-unused", "team_id": team_id, "team_domain": team_domain,
        "channel_id": channel_id, "channel_name": "general", "user_id": user_id,
        "user_name": user_id.lower(), "command": command, "text": text,
        "api_app_id": "A0KLOUT", "response_url": response_url,
        "trigger_id": "1.2.3",
    })


@dataclass(frozen=True)
class Call:
    """One request the bot made: `method` is the Web API method, "upload" or "respond"."""

    method: str
    verb: str
    path: str
    body: dict[str, Any]
    raw: bytes
    headers: dict[str, str]


@dataclass
class FakeUser:
    user_id: str
    display_name: str
    is_admin: bool = False
    is_owner: bool = False
    locale: str = "en-US"
    """Slack sends it only to a users.info that asks with include_locale."""
    deleted: bool = False
    """Deactivated: the member left the workspace."""

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.user_id, "team_id": TEAM_ID, "name": self.display_name.lower()[:20],
            "real_name": self.display_name, "is_admin": self.is_admin,
            "is_owner": self.is_owner, "is_bot": False, "deleted": self.deleted,
            "profile": {"display_name": self.display_name, "real_name": self.display_name},
        }


@dataclass
class FakeWorkspace:
    """A workspace an admin is installing the app into: Slack hands the app `code` on the
    redirect, and `oauth.v2.access` trades it once for `bot_token`."""

    team_id: str
    name: str
    code: str
    bot_token: str
    bot_user_id: str = BOT_USER_ID


def bearer_token(call: Call) -> str | None:
    header = call.headers.get("Authorization", "")
    return header.removeprefix("Bearer ") if header.startswith("Bearer ") else None


@dataclass
class FakeSlack:
    users: dict[str, FakeUser] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    """Web API method → the `error` it answers with (e.g. "not_in_channel")."""
    post_failures: dict[str, str] = field(default_factory=dict)
    """chat.postMessage's channel (or member, for a DM) → the `error` it answers with."""
    calls: list[Call] = field(default_factory=list)
    channels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """channel id -> the messages posted there, oldest first, as conversations.history
    returns them."""
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    workspaces: dict[str, FakeWorkspace] = field(default_factory=dict)
    """code -> the workspace it installs into."""
    revoked: set[str] = field(default_factory=set)
    """Bot tokens Slack no longer accepts (the app was uninstalled)."""
    base_url: str = ""
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _socket_ready: asyncio.Event = field(default_factory=asyncio.Event)

    def add_user(self, user_id: str, name: str, *, admin: bool = False,
                 locale: str = "en-US") -> FakeUser:
        user = FakeUser(user_id, name, is_admin=admin, locale=locale)
        self.users[user_id] = user
        return user

    def add_workspace(self, team_id: str, name: str) -> FakeWorkspace:
        workspace = FakeWorkspace(team_id, name, code=f"code-{team_id}-{uuid.uuid4().hex[:8]}",
                                  bot_token=f"xoxb-{team_id}-{uuid.uuid4().hex}")
        self.workspaces[workspace.code] = workspace
        return workspace

    def workspace_of(self, token: str | None) -> FakeWorkspace | None:
        return next((w for w in self.workspaces.values() if w.bot_token == token), None)

    # --- serving -------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._web_api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/respond/{token}", self._respond)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        for socket in self._sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, token: str = "") -> str:
        return f"{self.base_url}/respond/{token or uuid.uuid4().hex}"

    async def _record(self, method: str, request: web.Request) -> Call:
        raw = await request.read()
        body: dict[str, Any] = dict(request.query)
        kind = request.content_type
        if raw and kind == "application/json":
            body.update(json.loads(raw))
        elif raw and kind == "application/x-www-form-urlencoded":
            body.update(dict(parse_qsl(raw.decode(), keep_blank_values=True)))
        call = Call(method, request.method, request.path, body, raw, dict(request.headers))
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return call

    async def _web_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call = await self._record(method, request)
        if method in self.failures:
            error = self.failures[method]
            needed = "channels:history" if method == "conversations.history" else "files:write"
            extra = {"needed": needed} if error == "missing_scope" else {}
            return web.json_response({"ok": False, "error": error, **extra})
        token = bearer_token(call)
        if token is not None and token in self.revoked:
            return web.json_response({"ok": False, "error": "token_revoked"})
        answer = self._answer(method, call)
        return web.json_response(answer)

    def _oauth_access(self, call: Call) -> dict[str, Any]:
        """Slack's answer to a code: only for this app's id and secret (HTTP Basic, as
        slack_sdk sends them), and only once per code."""
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if call.headers.get("Authorization") != f"Basic {expected}":
            return {"ok": False, "error": "invalid_client_id"}
        workspace = self.workspaces.pop(str(call.body.get("code")), None)
        if workspace is None:
            return {"ok": False, "error": "invalid_code"}
        self.workspaces[f"used-{workspace.code}"] = workspace
        return {"ok": True, "app_id": "A0KLOUT", "access_token": workspace.bot_token,
                "token_type": "bot", "scope": "commands,chat:write,users:read",
                "bot_user_id": workspace.bot_user_id,
                "team": {"id": workspace.team_id, "name": workspace.name},
                "enterprise": None, "is_enterprise_install": False,
                "authed_user": {"id": "U0INSTALLER"}}

    def _answer(self, method: str, call: Call) -> dict[str, Any]:
        if method == "oauth.v2.access":
            return self._oauth_access(call)
        installed = self.workspace_of(bearer_token(call))
        if method == "auth.test" and installed is not None:
            return {"ok": True, "team_id": installed.team_id, "user_id": installed.bot_user_id,
                    "team": installed.name, "user": "kloutbot", "bot_id": "B0BOT",
                    "url": "https://example.slack.com/"}
        if method == "auth.test":
            return {"ok": True, "team_id": TEAM_ID, "user_id": BOT_USER_ID, "team": "Acme",
                    "user": "kloutbot", "bot_id": "B0BOT", "url": "https://acme.slack.com/"}
        if method == "users.info":
            user = self.users.get(str(call.body.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            asked = str(call.body.get("include_locale", "")).lower() in ("1", "true")
            return {"ok": True,
                    "user": user.payload() | ({"locale": user.locale} if asked else {})}
        if method == "chat.postMessage":
            return self._post_message(call)
        if method == "conversations.history":
            return self._history(call)
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(call.body.get("users", "X"))}}
        if method == "files.getUploadURLExternal":
            file_id = "F" + uuid.uuid4().hex[:10].upper()
            return {"ok": True, "file_id": file_id,
                    "upload_url": f"{self.base_url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = json.loads(str(call.body.get("files", "[]")))
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")}
                                          for f in files]}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"{self.base_url.replace('http', 'ws')}/socket"}
        return {"ok": False, "error": "unknown_method"}

    def _post_message(self, call: Call) -> dict[str, Any]:
        channel = str(call.body.get("channel"))
        if channel in self.post_failures:
            return {"ok": False, "error": self.post_failures[channel]}
        posted = self.channels.setdefault(channel, [])
        message: dict[str, Any] = {"type": "message", "user": BOT_USER_ID, "bot_id": "B0BOT",
                                   "text": call.body.get("text", ""),
                                   "ts": f"{time.time():.6f}"}
        metadata = call.body.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if metadata:
            message["metadata"] = metadata
        posted.append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _history(self, call: Call) -> dict[str, Any]:
        """Newest first; metadata only with include_all_metadata, as Slack does."""
        with_metadata = str(call.body.get("include_all_metadata", "")).lower() in ("1", "true")
        oldest = float(call.body.get("oldest") or 0)
        messages = [
            message if with_metadata else {k: v for k, v in message.items() if k != "metadata"}
            for message in reversed(self.channels.get(str(call.body.get("channel")), []))
            if float(message["ts"]) > oldest
        ]
        return {"ok": True, "messages": messages, "has_more": False,
                "response_metadata": {"next_cursor": ""}}

    async def _upload(self, request: web.Request) -> web.Response:
        await self._record("upload", request)
        return web.Response(text=f"OK - {len(await request.read())}")

    async def _respond(self, request: web.Request) -> web.Response:
        await self._record("respond", request)
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1,
                                "debug_info": {"host": "fake"}, "connection_info": {}})
        self._socket_ready.set()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                async with self._changed:
                    self.socket_acks.append(data)
                    self._changed.notify_all()
        return socket

    # --- driving and asserting ---------------------------------------------------------
    async def push_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        """Send a Socket Mode envelope; returns its envelope_id."""
        await asyncio.wait_for(self._socket_ready.wait(), 5)
        envelope_id = uuid.uuid4().hex
        await self._sockets[-1].send_json({"envelope_id": envelope_id, "type": kind,
                                           "payload": payload,
                                           "accepts_response_payload": kind != "events_api"})
        return envelope_id

    async def wait_until(self, ready: Callable[[], bool]) -> None:
        """Until `ready()` holds; five seconds is a failure, not a wait."""
        async with asyncio.timeout(5), self._changed:
            await self._changed.wait_for(ready)

    def of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_for(self, method: str, count: int = 1) -> list[Call]:
        await self.wait_until(lambda: len(self.of(method)) >= count)
        return self.of(method)

    def everything_posted(self) -> str:
        """Every message body the bot sent (not file contents), decoded: what a no-ping
        assertion must scan."""
        return "\n".join(call.raw.decode("utf-8", errors="replace")
                         + json.dumps(call.body, ensure_ascii=False)
                         for call in self.calls if call.method != "upload")
