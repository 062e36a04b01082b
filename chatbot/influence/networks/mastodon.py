"""Mastodon: any instance, no key, the host taken from the handle.

The handle names the server, so every request goes through the SSRF-guarded
httpx client (see netguard.py), and each instance gets its own rate-limit
budget: refreshes run in parallel across instances, one or two at a time
within one.

Usernames follow what Mastodon allows for accounts on their own server
(`[A-Za-z0-9_]{1,30}`): the lookup always asks the account's home server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from chatbot.influence.http import AccessRefused, HttpFetcher, JsonReply
from chatbot.influence.netguard import check_url
from chatbot.influence.networks.base import (
    AccountNotFound,
    InvalidHandle,
    NetworkError,
    Post,
    Profile,
)
from chatbot.influence.networks.handle_rules import (
    clean_handle_input,
    is_domain_name,
    to_ascii_domain,
)
from chatbot.influence.networks.payload import (
    as_dict,
    as_int,
    as_list,
    as_str,
    parse_time,
    require_dict,
    require_list,
    safe_id,
)
from chatbot.influence.networks.text import html_to_text, join_bio, looks_like_question
from chatbot.influence.ratelimit import RateLimiter

NAME = "mastodon"
LABEL = "Mastodon"
HINT = "A Mastodon handle looks like @name@instance.social."

_USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_PAGING_PARAMS = ("max_id", "min_id", "since_id")
_LOCAL_SUFFIXES = (".localhost", ".local", ".test", ".internal", ".lan")


def _parse_host(raw_host: str, *, allow_private: bool) -> str:
    host, colon, port = raw_host.rpartition(":") if ":" in raw_host else (raw_host, "", "")
    if colon:
        if not allow_private:
            raise InvalidHandle(f"An instance name has no port. {HINT}")
        if not port.isdigit() or not 0 < int(port) < 65536 or port.startswith("0"):
            raise InvalidHandle(f"{port!r} is not a port number. {HINT}")
    ascii_host = to_ascii_domain(host)
    if ascii_host is None:
        raise InvalidHandle(f"{host!r} is not a valid instance name. {HINT}")
    if allow_private and (_is_ipv4_literal(ascii_host) or is_domain_name(ascii_host, min_labels=1)):
        return f"{ascii_host}:{port}" if colon else ascii_host
    if not is_domain_name(ascii_host):
        raise InvalidHandle(f"{host!r} is not a valid instance name. {HINT}")
    return ascii_host


def _is_ipv4_literal(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and all(p.isdigit() and len(p) <= 3 and int(p) < 256 for p in parts)


def parse_handle(raw: str, *, allow_private: bool = False) -> str:
    """Canonical `user@host` (lowercase, punycode host) from `@user@host` or `user@host`."""
    text = clean_handle_input(raw, hint=HINT)
    body = text[1:] if text.startswith("@") else text
    user, at, host = body.partition("@")
    if not at or not user or not host or "@" in host:
        raise InvalidHandle(f"That is not a Mastodon handle. {HINT}")
    user = user.lower()
    if len(user) > 30 or not set(user) <= _USERNAME_CHARS:
        raise InvalidHandle(
            f"A Mastodon user name has 1 to 30 letters, digits or underscores. {HINT}"
        )
    return f"{user}@{_parse_host(host, allow_private=allow_private)}"


def split_handle(handle: str) -> tuple[str, str]:
    user, _, host = handle.partition("@")
    return user, host


def handle_for_humans(handle: str) -> str:
    return f"@{handle}"


def default_base_url(host: str, *, allow_private: bool) -> str:
    """https always, except lab hosts when private networks are allowed.

    With KLOUT_ALLOW_PRIVATE_NETWORKS a host given as an IP address, with a
    port, or under a local-only suffix is assumed to be a lab server over
    plain http; every other host keeps https.
    """
    name = host.rpartition(":")[0] if ":" in host else host
    lab = (
        ":" in host
        or _is_ipv4_literal(name)
        or name == "localhost"
        or name.endswith(_LOCAL_SUFFIXES)
    )
    return f"http://{host}" if allow_private and lab else f"https://{host}"


class MastodonClient:
    name = NAME
    label = LABEL
    profiles_per_request = 1
    parallel_accounts = 16
    """Limits are per instance, so accounts on different instances go side by side."""

    def __init__(
        self,
        fetcher: HttpFetcher,
        *,
        paging_limiter: RateLimiter,
        allow_private: bool = False,
        base_url_for: Callable[[str], str] | None = None,
        page_cap: int = 5,
        following_page_cap: int = 10,
    ) -> None:
        """`fetcher` must wrap the guarded client; `paging_limiter` holds the
        separate budget Mastodon keeps for paging requests (300 per 15 min)."""
        self._fetcher = fetcher
        self._paging = paging_limiter
        self.allow_private = allow_private
        self._base_url_for = base_url_for or (
            lambda host: default_base_url(host, allow_private=allow_private)
        )
        self.page_cap = page_cap
        self.following_page_cap = following_page_cap

    def parse_handle(self, raw: str) -> str:
        return parse_handle(raw, allow_private=self.allow_private)

    def handle_for_humans(self, handle: str) -> str:
        return handle_for_humans(handle)

    async def fetch_profiles(self, handles: Sequence[str]) -> Mapping[str, Profile | NetworkError]:
        # One task per handle: the limiter serialises within an instance and
        # lets different instances proceed side by side.
        results = await asyncio.gather(
            *(self._profile_or_error(handle) for handle in handles)
        )
        return dict(zip(handles, results, strict=True))

    async def _profile_or_error(self, handle: str) -> Profile | NetworkError:
        try:
            return await self.fetch_profile(handle)
        except NetworkError as error:
            return error

    async def fetch_profile(self, raw_handle: str) -> Profile:
        handle = self.parse_handle(raw_handle)
        user, host = split_handle(handle)
        base = self._base_url_for(host)
        try:
            reply = await self._fetcher.get_json(
                f"{base}/api/v1/accounts/lookup", params={"acct": user}
            )
        except AccountNotFound as missing:
            raise AccountNotFound(f"{host} has no account @{user}.") from missing
        return self._profile(handle, require_dict(reply.data, f"{LABEL} ({host})"))

    def _profile(self, handle: str, data: Mapping[str, Any]) -> Profile:
        host = split_handle(handle)[1]
        fields = [
            f"{html_to_text(as_str(field.get('name')))}: {html_to_text(as_str(field.get('value')))}"
            for field in map(as_dict, as_list(data.get("fields")))
        ]
        flags = {
            flag
            for flag, present in (
                ("moved", data.get("moved") is not None),
                ("suspended", data.get("suspended") is True),
                ("limited", data.get("limited") is True),
                ("bot", data.get("bot") is True),
                ("group", data.get("group") is True),
            )
            if present
        }
        return Profile(
            network=NAME,
            handle=handle,
            account_id=safe_id(data.get("id"), f"{LABEL} ({host})"),
            display_name=as_str(data.get("display_name")).strip(),
            followers=as_int(data.get("followers_count")),
            following=as_int(data.get("following_count")),
            posts_count=as_int(data.get("statuses_count")),
            bio=join_bio(html_to_text(as_str(data.get("note"))), *fields),
            url=as_str(data.get("url")),
            flags=frozenset(flags),
        )

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        host = split_handle(profile.handle)[1]
        base = self._base_url_for(host)
        account = quote(profile.account_id, safe="")
        posts: list[Post] = []
        url: str | None = f"{base}/api/v1/accounts/{account}/statuses"
        params: dict[str, str | int | list[str]] | None = {"limit": 40, "exclude_reblogs": "false"}
        for _ in range(self.page_cap):
            if url is None:
                break
            reply = await self._get_page(url, params)
            statuses = require_list(reply.data, f"{LABEL} ({host})")
            page = [post for post in map(self._post_for(profile), statuses) if post is not None]
            posts.extend(post for post in page if post.created_at >= since)
            if not page or any(post.created_at < since for post in page):
                break
            url, params = self._next_page(reply.links, base), None
        unique = {post.id: post for post in posts}  # pages shift when new posts arrive
        return sorted(unique.values(), key=lambda post: post.created_at, reverse=True)

    async def _get_page(
        self, url: str, params: Mapping[str, str | int | list[str]] | None
    ) -> JsonReply:
        paging = any(name in httpx.URL(url).params for name in _PAGING_PARAMS)
        return await self._fetcher.get_json(
            url, params=params, also_limited_by=(self._paging,) if paging else ()
        )

    def _next_page(self, links: Mapping[str, str], base: str) -> str | None:
        """The rel="next" link, followed only to the same server and scheme."""
        target = links.get("next")
        if not target:
            return None
        try:
            url = httpx.URL(target)
            origin = httpx.URL(base)
            check_url(url, allow_private=self.allow_private)
        except (httpx.InvalidURL, NetworkError):
            return None
        if (url.scheme, url.netloc) != (origin.scheme, origin.netloc):
            return None
        return str(url)

    def _post_for(self, profile: Profile) -> Callable[[Any], Post | None]:
        def convert(raw: Any) -> Post | None:
            status = as_dict(raw)
            created = parse_time(status.get("created_at"))
            post_id = status.get("id")
            if created is None or not isinstance(post_id, str | int):
                return None
            if status.get("reblog") is not None:
                # A boost carries the original's counts: nobody earns those by boosting.
                return Post(id=str(post_id), created_at=created, is_repost=True)
            content = html_to_text(as_str(status.get("content")))
            text = f"{as_str(status.get('spoiler_text'))}\n{content}"
            replying_to = status.get("in_reply_to_account_id")
            return Post(
                id=str(post_id),
                created_at=created,
                replies=as_int(status.get("replies_count")),
                reposts=as_int(status.get("reblogs_count")),
                quotes=as_int(status.get("quotes_count")),
                likes=as_int(status.get("favourites_count")),
                has_media=bool(as_list(status.get("media_attachments"))),
                is_question=looks_like_question(text) or isinstance(status.get("poll"), dict),
                is_reply=replying_to is not None and str(replying_to) != profile.account_id,
            )

        return convert

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        host = split_handle(profile.handle)[1]
        base = self._base_url_for(host)
        account = quote(profile.account_id, safe="")
        url: str | None = f"{base}/api/v1/accounts/{account}/following"
        params: dict[str, str | int | list[str]] | None = {"limit": 80}
        follows: set[str] = set()
        try:
            for _ in range(self.following_page_cap):
                if url is None:
                    break
                reply = await self._get_page(url, params)
                accounts = require_list(reply.data, f"{LABEL} ({host})")
                for account_data in map(as_dict, accounts):
                    acct = as_str(account_data.get("acct")).lower()
                    if acct:
                        follows.add(acct if "@" in acct else f"{acct}@{host}")
                if not accounts:
                    break
                url, params = self._next_page(reply.links, base), None
        except AccessRefused:
            return None
        if not follows and profile.following > 0:
            return None  # the owner hides who they follow: the server answers with nobody
        return frozenset(follows)
