"""Who is who on Slack: mention tokens, the text of a slash command, and a users.info cache.

Members are Slack user ids inside the workspace's team id. A mention arrives as
`<@U…>` or `<@U…|name>` because the manifest asks Slack to escape users in
slash-command text; anything else that starts with `@` is refused by the parser.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

_MENTION = re.compile(r"^<@([UW][A-Z0-9]{1,30})(?:\|[^<>]*)?>$")
_ESCAPED = re.compile(r"<([^<>]*)>")

DEFAULT_TTL_SECONDS = 600.0
"""Names and admin rights are re-read after ten minutes: a demoted admin loses admin
commands within that time, and busy teams cost one users.info per member per ten minutes."""


def resolve_mention(token: str) -> str | None:
    """`<@U123>` or `<@U123|name>` → `U123`; anything else is not a member."""
    match = _MENTION.match(token)
    return match.group(1) if match else None


def _unescaped_token(inner: str) -> str:
    """Slack's `<…>` sequences in typed text, back to what the member typed."""
    if inner.startswith(("@", "#")):
        return f"<{inner}>"  # user and channel references: the core reads them as tokens
    target, _, label = inner.partition("|")
    if target.startswith("!"):
        name = label or target[1:].split("^")[0]
        return name if name.startswith("@") else f"@{name}"
    if target.startswith("mailto:"):
        return target[len("mailto:"):]
    return target


def command_text(raw: str) -> str:
    """The parser's input from Slack's escaped slash-command text.

    Links arrive as `<https://…|…>` (a handle typed as a profile URL) and literal `&`,
    `<`, `>` as entities; user mentions `<@U…>` and channels `<#C…|name>` stay as tokens
    (`/klout config channel` reads the channel id from them).
    """
    text = _ESCAPED.sub(lambda m: _unescaped_token(m.group(1)), raw)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass(frozen=True)
class SlackUser:
    user_id: str
    display_name: str
    is_admin: bool
    """Workspace admin or owner: the people Slack itself lets manage the workspace."""
    locale: str | None = None
    """The language their Slack runs in ("de-DE"), asked for with `include_locale`."""


def _user_from(payload: dict[str, object], user_id: str) -> SlackUser:
    profile = payload.get("profile")
    profile = profile if isinstance(profile, dict) else {}
    name = ""
    for candidate in (profile.get("display_name"), profile.get("real_name"),
                      payload.get("real_name"), payload.get("name")):
        if isinstance(candidate, str) and candidate.strip():
            name = candidate.strip()
            break
    return SlackUser(
        user_id=user_id,
        display_name=name or user_id,
        is_admin=bool(payload.get("is_admin") or payload.get("is_owner")
                      or payload.get("is_primary_owner")),
        locale=locale if isinstance(locale := payload.get("locale"), str) and locale else None,
    )


class SlackDirectory:
    """users.info, cached in memory with a time to live.

    One directory serves one workspace, so the cache is per (workspace, member). The
    same call brings the member's locale (`include_locale`): their language costs no
    request of its own, and users.info (Tier 4, 100+ a minute) is asked at most once per
    member per time to live. Concurrent lookups of one member share one request;
    failures are not cached, so a Slack hiccup costs one answer its display name (and
    its member language: the team's is used), not ten minutes of them.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        capacity: int = 50_000,
    ) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._clock = clock
        self._capacity = capacity
        self._entries: OrderedDict[str, tuple[float, SlackUser | None]] = OrderedDict()
        self._pending: dict[str, asyncio.Future[SlackUser | None]] = {}

    def remember(self, user: SlackUser) -> None:
        """Seed the cache (tests, benchmarks, or a users.list warm-up)."""
        self._store(user.user_id, user)

    def _store(self, user_id: str, user: SlackUser | None) -> None:
        self._entries[user_id] = (self._clock() + self._ttl, user)
        self._entries.move_to_end(user_id)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def cached(self, user_id: str) -> SlackUser | None:
        """The member if already known and fresh, without asking Slack (for answers that
        must not wait, such as the busy refusal in an ack)."""
        cached = self._entries.get(user_id)
        return cached[1] if cached is not None and cached[0] > self._clock() else None

    async def get(self, user_id: str) -> SlackUser | None:
        """The member, None when Slack does not know them or cannot be asked right now."""
        cached = self._entries.get(user_id)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        pending = self._pending.get(user_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[SlackUser | None] = asyncio.get_running_loop().create_future()
        self._pending[user_id] = future
        try:
            user = await self._fetch(user_id)
            future.set_result(user)
            return user
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # marked retrieved: waiters get it, the loop does not warn
            raise
        finally:
            del self._pending[user_id]

    async def _fetch(self, user_id: str) -> SlackUser | None:
        try:
            response = await self._client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error in ("user_not_found", "users_not_found"):
                self._store(user_id, None)
            else:
                log.warning("users.info for %s failed: %s", user_id, error)
            return None
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("users.info for %s failed: %s", user_id, type(exc).__name__)
            return None
        payload = response.get("user")
        if not isinstance(payload, dict):
            return None
        user = _user_from(payload, user_id)
        self._store(user_id, user)
        return user

    async def display_name(self, user_id: str) -> str | None:
        """A NameLookup for the command core."""
        user = await self.get(user_id)
        return user.display_name if user else None
