"""Mastodon: any instance, no key, the host taken from the handle.

The handle names the server, so every request goes through the SSRF-guarded
httpx client (see netguard.py), and each instance gets its own rate-limit
budget: refreshes run in parallel across instances, one or two at a time
within one.

Usernames follow what Mastodon allows for accounts on their own server
(`[A-Za-z0-9_]{1,30}`): the lookup always asks the account's home server.

An account is identified by the canonical `uri` its server gives (the
ActivityPub id, `https://host/users/name`), not by how its handle was typed;
servers older than 4.2 send no `uri`, and their `url` stands in. The API's
numeric id is local to the server and is only used to build request paths.

Posts are the member's own statuses only (`exclude_reblogs=true`): boosts
would carry other people's counts and push the member's own posts out of
the page budget.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from chatbot.influence.http import AccessRefused, HttpFetcher, JsonReply
from chatbot.influence.netguard import check_url
from chatbot.influence.networks import limits as published
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
from chatbot.influence.networks.reactor_sampling import (
    SAMPLED_POSTS,
    Reactors,
    tally,
    with_sampled_reactors,
)
from chatbot.influence.networks.text import html_to_text, join_bio, looks_like_question
from chatbot.influence.ratelimit import RateLimiter
from chatbot.values.accounts import Post, Profile
from chatbot.values.message import Msg
from chatbot.values.network_errors import (
    AccountNotFound,
    InvalidHandle,
    NetworkError,
    NetworkUnavailable,
)

if TYPE_CHECKING:
    from chatbot.influence.networks.registry import ClientKit

NAME = "mastodon"
LABEL = "Mastodon"
HINT = Msg("A Mastodon handle looks like @name@instance.social.")

_USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_PAGING_PARAMS = ("max_id", "min_id", "since_id")
_LOCAL_SUFFIXES = (".localhost", ".local", ".test", ".internal", ".lan")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _parse_host(raw_host: str, *, allow_private: bool) -> str:
    """The host as one spelling: lowercase, punycode, no trailing dot, no default port.

    Spellings that reach the same server must give the same handle, or one
    account could be registered twice (`Example.COM.`, `example.com:443`).
    """
    host, colon, port = raw_host.rpartition(":") if ":" in raw_host else (raw_host, "", "")
    if colon and (
        not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536
        or port.startswith("0")
    ):
        raise InvalidHandle(Msg("{port} is not a port number. {hint}", port=repr(port), hint=HINT))
    ascii_host = to_ascii_domain(host.removesuffix("."))
    if ascii_host is None:
        raise InvalidHandle(Msg("{host} is not a valid instance name. {hint}", host=repr(host),
                                hint=HINT))
    lab_name = allow_private and (
        _is_ipv4_literal(ascii_host) or is_domain_name(ascii_host, min_labels=1)
    )
    if not lab_name and not is_domain_name(ascii_host):
        raise InvalidHandle(Msg("{host} is not a valid instance name. {hint}", host=repr(host),
                                hint=HINT))
    if not colon:
        return ascii_host
    scheme = httpx.URL(default_base_url(ascii_host, allow_private=allow_private)).scheme
    if int(port) == _DEFAULT_PORTS[scheme]:
        return ascii_host
    if not allow_private:
        raise InvalidHandle(Msg("An instance name has no port. {hint}", hint=HINT))
    return f"{ascii_host}:{int(port)}"


def _is_ipv4_literal(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and all(p.isdigit() and len(p) <= 3 and int(p) < 256 for p in parts)


def parse_handle(raw: str, *, allow_private: bool = False) -> str:
    """Canonical `user@host` (lowercase, punycode host) from `@user@host` or `user@host`."""
    text = clean_handle_input(raw, hint=HINT)
    body = text[1:] if text.startswith("@") else text
    user, at, host = body.partition("@")
    if not at or not user or not host or "@" in host:
        raise InvalidHandle(Msg("That is not a Mastodon handle. {hint}", hint=HINT))
    user = user.lower()
    if len(user) > 30 or not set(user) <= _USERNAME_CHARS:
        raise InvalidHandle(
            Msg("A Mastodon user name has 1 to 30 letters, digits or underscores. {hint}",
                hint=HINT)
        )
    return f"{user}@{_parse_host(host, allow_private=allow_private)}"


def account_uri(data: Mapping[str, Any]) -> str:
    """The account's canonical address (`uri`, else `url`) with a lowercase host and no
    default port, or "" when the server gave neither as an http(s) URL."""
    for key in ("uri", "url"):
        try:
            url = httpx.URL(as_str(data.get(key)).strip())
        except httpx.InvalidURL:
            continue
        if url.scheme in _DEFAULT_PORTS and url.host:
            port = None if url.port == _DEFAULT_PORTS[url.scheme] else url.port
            return str(url.copy_with(port=port, fragment=None))
    return ""


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
        sampled_posts: int = SAMPLED_POSTS,
        local_id_cache_size: int = 4096,
    ) -> None:
        """`fetcher` must wrap the guarded client; `paging_limiter` holds the
        separate budget Mastodon keeps for paging requests (300 per 15 min).

        `page_cap` pages of 40 own statuses (200 by default) is the per-member
        budget for posts; `sampled_posts` top posts get their reactors read."""
        self._fetcher = fetcher
        self._paging = paging_limiter
        self.allow_private = allow_private
        self._base_url_for = base_url_for or (
            lambda host: default_base_url(host, allow_private=allow_private)
        )
        self.page_cap = page_cap
        self.following_page_cap = following_page_cap
        self.sampled_posts = sampled_posts
        self._local_ids: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._local_id_cache_size = local_id_cache_size

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
            raise AccountNotFound(Msg("{host} has no account @{user}.", host=host,
                                      user=user)) from missing
        data = require_dict(reply.data, f"{LABEL} ({host})")
        local_id = safe_id(data.get("id"), f"{LABEL} ({host})")
        profile = self._profile(handle, data)
        self._remember_local_id(profile, local_id)
        return profile

    def _remember_local_id(self, profile: Profile, local_id: str) -> None:
        # Keyed by handle too: a lab server trusted with any uri must not be able
        # to redirect another server's account to one of its own ids.
        key = (profile.handle, profile.account_id)
        self._local_ids[key] = local_id
        self._local_ids.move_to_end(key)
        while len(self._local_ids) > self._local_id_cache_size:
            self._local_ids.popitem(last=False)

    async def _local_id(self, profile: Profile) -> str:
        """The server's numeric id for request paths: known from the profile lookup,
        else (a profile read back from storage) looked up again by handle."""
        known = self._local_ids.get((profile.handle, profile.account_id))
        if known is None:
            fresh = await self.fetch_profile(profile.handle)
            known = self._local_ids[(fresh.handle, fresh.account_id)]
        return known

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
            account_id=self._own_uri(data, host),
            display_name=as_str(data.get("display_name")).strip(),
            followers=as_int(data.get("followers_count")),
            following=as_int(data.get("following_count")),
            posts_count=as_int(data.get("statuses_count")),
            bio=join_bio(html_to_text(as_str(data.get("note"))), *fields),
            url=as_str(data.get("url")),
            flags=frozenset(flags),
        )

    def _own_uri(self, data: Mapping[str, Any], host: str) -> str:
        """The account's uri, refused when it names another server.

        A hostile server could otherwise answer with a famous account's uri
        and have its own account taken for that one. The uri may sit on a
        subdomain of the handle's domain (Mastodon's WEB_DOMAIN set-ups). Lab
        servers (KLOUT_ALLOW_PRIVATE_NETWORKS) are trusted: they are often
        asked by IP address while naming themselves `localhost`.
        """
        uri = account_uri(data)
        where = f"{LABEL} ({host})"
        if not uri:
            raise NetworkUnavailable(Msg("{where} answered without the account's address.",
                                         where=where))
        name = host.rpartition(":")[0] if ":" in host else host
        uri_host = httpx.URL(uri).raw_host.decode("ascii", "replace")
        if not self.allow_private and uri_host != name and not uri_host.endswith(f".{name}"):
            raise NetworkUnavailable(
                Msg("{where} answered with an account that lives on another server ({host}).",
                    where=where, host=uri_host)
            )
        return uri

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        """The member's own statuses in the window, newest first, up to `page_cap` pages."""
        host = split_handle(profile.handle)[1]
        base = self._base_url_for(host)
        local_id = await self._local_id(profile)
        posts: list[Post] = []
        url: str | None = f"{base}/api/v1/accounts/{quote(local_id, safe='')}/statuses"
        params: dict[str, str | int | list[str]] | None = {"limit": 40, "exclude_reblogs": "true"}
        for _ in range(self.page_cap):
            if url is None:
                break
            reply = await self._get_page(url, params)
            statuses = require_list(reply.data, f"{LABEL} ({host})")
            times = [parse_time(as_dict(item).get("created_at")) for item in statuses]
            page = [post for post in map(self._post_for(local_id), statuses) if post is not None]
            posts.extend(post for post in page if post.created_at >= since)
            # Boosts a server sends despite exclude_reblogs still date the page.
            if not statuses or any(moment is not None and moment < since for moment in times):
                break
            url, params = self._next_page(reply.links, base), None
        unique = {post.id: post for post in posts}  # pages shift when new posts arrive
        newest_first = sorted(unique.values(), key=lambda post: post.created_at, reverse=True)
        return await with_sampled_reactors(
            newest_first, self.sampled_posts, lambda post: self._reactors(base, post)
        )

    async def _reactors(self, base: str, post: Post) -> Reactors:
        """Who favourited, boosted (first page of each) and directly replied to `post`."""
        status_url = f"{base}/api/v1/statuses/{quote(post.id, safe='')}"
        where = f"{LABEL} ({httpx.URL(base).netloc.decode('ascii', 'replace')})"
        who: list[str] = []
        for kind, present in (("favourited_by", post.likes), ("reblogged_by", post.reposts)):
            if present:
                reply = await self._fetcher.get_json(f"{status_url}/{kind}", params={"limit": 80})
                who.extend(account_uri(as_dict(item)) for item in require_list(reply.data, where))
        if post.replies:
            reply = await self._fetcher.get_json(f"{status_url}/context")
            descendants = as_list(require_dict(reply.data, where).get("descendants"))
            who.extend(
                account_uri(as_dict(status.get("account")))
                for status in map(as_dict, descendants)
                if str(status.get("in_reply_to_id")) == post.id
            )
        return tally(who)

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

    def _post_for(self, local_id: str) -> Callable[[Any], Post | None]:
        def convert(raw: Any) -> Post | None:
            status = as_dict(raw)
            created = parse_time(status.get("created_at"))
            post_id = status.get("id")
            if created is None or not isinstance(post_id, str | int):
                return None
            if status.get("reblog") is not None:
                return None  # a boost is someone else's post
            content = html_to_text(as_str(status.get("content")))
            text = f"{as_str(status.get('spoiler_text'))}\n{content}"
            parent = status.get("in_reply_to_id")
            replying_to = status.get("in_reply_to_account_id")
            is_reply = parent is not None or replying_to is not None
            return Post(
                id=str(post_id),
                created_at=created,
                replies=as_int(status.get("replies_count")),
                reposts=as_int(status.get("reblogs_count")),
                quotes=as_int(status.get("quotes_count")),
                likes=as_int(status.get("favourites_count")),
                has_media=bool(as_list(status.get("media_attachments"))),
                is_question=looks_like_question(text) or isinstance(status.get("poll"), dict),
                is_reply=is_reply,
                parent_id=str(parent) if isinstance(parent, str | int) else "",
                reply_to_self=is_reply and str(replying_to) == local_id,
            )

        return convert

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        host = split_handle(profile.handle)[1]
        base = self._base_url_for(host)
        account = quote(await self._local_id(profile), safe="")
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


def build_client(kit: ClientKit) -> MastodonClient:
    """Mastodon hosts come from members, so its fetcher uses the SSRF-guarded client."""
    return MastodonClient(
        kit.fetcher(NAME, kit.mastodon_http, published.MASTODON),
        paging_limiter=kit.limiter(NAME, published.MASTODON_PAGING),
        allow_private=kit.settings.klout_allow_private_networks,
    )
