"""Bluesky through the public AppView: no key, profiles 25 to a request.

Author feeds mix the member's posts with reposts (items carrying a
`reasonRepost`). Only the member's own posts are kept: a repost of someone
else's post is their post, and a repost of one's own post is neither a new
post nor anybody else's, so every repost item is skipped. A reply names its
parent; a reply to one's own post (a thread) is flagged `reply_to_self`.
Field sets changed over the years (`quoteCount` and `labels` are absent from
older answers); absent counts are 0.

Budget per member and refresh: `page_cap` pages of 100 feed items (5, so
500 items) until the window is covered, then up to 3 requests for each of
the top 3 posts to learn who liked, reposted and replied (see
reactor_sampling.py), all counted by the same rate limiter.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chatbot.influence.http import HttpFetcher
from chatbot.influence.networks import limits as published
from chatbot.influence.networks.handle_rules import clean_handle_input, is_domain_name
from chatbot.influence.networks.payload import (
    as_dict,
    as_int,
    as_list,
    as_str,
    parse_time,
    require_dict,
)
from chatbot.influence.networks.reactor_sampling import (
    SAMPLED_POSTS,
    Reactors,
    tally,
    with_sampled_reactors,
)
from chatbot.influence.networks.text import looks_like_question
from chatbot.values.accounts import Post, Profile
from chatbot.values.message import Msg
from chatbot.values.network_errors import AccountNotFound, InvalidHandle, NetworkError

if TYPE_CHECKING:
    from chatbot.influence.networks.registry import ClientKit

NAME = "bluesky"
LABEL = "Bluesky"
HINT = Msg("A Bluesky handle looks like @name.bsky.social, your own domain, or a did:plc: id.")

PROFILES_PER_REQUEST = 25
_DID_PLC = re.compile(r"did:plc:[a-z2-7]{24}")
_MEDIA_EMBEDS = ("app.bsky.embed.images", "app.bsky.embed.video", "app.bsky.embed.recordWithMedia")
_INVALID_HANDLE = "handle.invalid"


def parse_handle(raw: str) -> str:
    """Canonical lowercase handle (`name.bsky.social`, `example.com`) or DID."""
    text = clean_handle_input(raw, hint=HINT).lower()
    text = text.removeprefix("@")
    if text.startswith("did:"):
        if _DID_PLC.fullmatch(text):
            return text
        if text.startswith("did:web:") and is_domain_name(text.removeprefix("did:web:")):
            return text
        raise InvalidHandle(Msg("That is not a Bluesky DID. {hint}", hint=HINT))
    if not text.isascii() or not is_domain_name(text) or not text.split(".")[-1][0].isalpha():
        raise InvalidHandle(Msg("That is not a Bluesky handle. {hint}", hint=HINT))
    return text


def handle_for_humans(handle: str) -> str:
    return handle if handle.startswith("did:") else f"@{handle}"


def _did_of(at_uri: str) -> str:
    """The repository DID inside an `at://did:.../collection/rkey` URI."""
    return at_uri.removeprefix("at://").split("/", 1)[0]


class BlueskyClient:
    name = NAME
    label = LABEL
    profiles_per_request = PROFILES_PER_REQUEST

    @property
    def parallel_accounts(self) -> int:
        return self._fetcher.limiter.limit.concurrency

    def __init__(
        self,
        fetcher: HttpFetcher,
        *,
        base_url: str,
        feed_filter: str = "posts_with_replies",
        page_cap: int = 5,
        following_page_cap: int = 10,
        sampled_posts: int = SAMPLED_POSTS,
    ) -> None:
        """`feed_filter` defaults to everything the member wrote, replies
        included and flagged, like the other networks; the score decides how
        much a reply weighs rather than the client hiding them."""
        self._fetcher = fetcher
        self._base = base_url.rstrip("/")
        self.feed_filter = feed_filter
        self.page_cap = page_cap
        self.following_page_cap = following_page_cap
        self.sampled_posts = sampled_posts

    def parse_handle(self, raw: str) -> str:
        return parse_handle(raw)

    def handle_for_humans(self, handle: str) -> str:
        return handle_for_humans(handle)

    def _xrpc(self, method: str) -> str:
        return f"{self._base}/xrpc/{method}"

    async def fetch_profiles(self, handles: Sequence[str]) -> Mapping[str, Profile | NetworkError]:
        results: dict[str, Profile | NetworkError] = {}
        canonical: dict[str, str] = {}
        for raw in handles:
            try:
                canonical[raw] = parse_handle(raw)
            except InvalidHandle as error:
                results[raw] = error
        unique = list(dict.fromkeys(canonical.values()))
        batches = [
            unique[start : start + PROFILES_PER_REQUEST]
            for start in range(0, len(unique), PROFILES_PER_REQUEST)
        ]
        found: dict[str, Profile | NetworkError] = {}
        for answer in await asyncio.gather(*(self._fetch_batch(batch) for batch in batches)):
            found.update(answer)
        for raw, handle in canonical.items():
            results[raw] = found[handle]
        return {raw: results[raw] for raw in handles}

    async def _fetch_batch(self, batch: list[str]) -> dict[str, Profile | NetworkError]:
        try:
            reply = await self._fetcher.get_json(
                self._xrpc("app.bsky.actor.getProfiles"), params={"actors": batch}
            )
        except NetworkError as error:
            return dict.fromkeys(batch, error)
        by_key: dict[str, Mapping[str, Any]] = {}
        for data in map(as_dict, as_list(require_dict(reply.data, LABEL).get("profiles"))):
            for key in (as_str(data.get("did")), as_str(data.get("handle")).lower()):
                if key and key != _INVALID_HANDLE:
                    by_key[key] = data
        answers: dict[str, Profile | NetworkError] = {}
        for handle in batch:
            found = by_key.get(handle)
            answers[handle] = (
                self._profile(handle, found)
                if found is not None
                else AccountNotFound(Msg("Bluesky has no account {handle}.",
                                          handle=handle_for_humans(handle)))
            )
        return answers

    def _profile(self, handle: str, data: Mapping[str, Any]) -> Profile:
        did = as_str(data.get("did"))
        shown = as_str(data.get("handle")).lower()
        flags = {
            f"label:{as_str(label.get('val'))}"
            for label in map(as_dict, as_list(data.get("labels")))
            if label.get("val") and label.get("neg") is not True
        }
        if shown == _INVALID_HANDLE:
            flags.add("invalid_handle")
        if "label:!takedown" in flags:
            flags.add("suspended")
        return Profile(
            network=NAME,
            handle=handle,
            account_id=did,
            display_name=as_str(data.get("displayName")).strip(),
            followers=as_int(data.get("followersCount")),
            following=as_int(data.get("followsCount")),
            posts_count=as_int(data.get("postsCount")),
            bio=as_str(data.get("description")).strip(),
            url=f"https://bsky.app/profile/{shown if shown and shown != _INVALID_HANDLE else did}",
            flags=frozenset(flags),
        )

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        actor = profile.account_id or profile.handle
        posts: list[Post] = []
        cursor: str | None = None
        for _ in range(self.page_cap):
            params: dict[str, str | int | list[str]] = {
                "actor": actor,
                "limit": 100,
                "filter": self.feed_filter,
            }
            if cursor:
                params["cursor"] = cursor
            reply = await self._fetcher.get_json(
                self._xrpc("app.bsky.feed.getAuthorFeed"), params=params
            )
            data = require_dict(reply.data, LABEL)
            items = as_list(data.get("feed"))
            reached_since = False
            for item in map(as_dict, items):
                reason = as_dict(item.get("reason"))
                if as_str(reason.get("$type")).endswith("#reasonRepost"):
                    # Skipped, but the feed is ordered by repost time, so it dates the page.
                    reposted_at = parse_time(reason.get("indexedAt"))
                    reached_since |= reposted_at is not None and reposted_at < since
                    continue
                converted = self._post(item, actor)
                if converted is None:
                    continue
                post, pinned = converted
                if post.created_at >= since:
                    posts.append(post)
                elif not pinned:  # a pinned post may be old and shown first
                    reached_since = True
            cursor = as_str(data.get("cursor")) or None
            if reached_since or not items or cursor is None:
                break
        unique = {post.id: post for post in posts}
        newest_first = sorted(unique.values(), key=lambda post: post.created_at, reverse=True)
        return await with_sampled_reactors(newest_first, self.sampled_posts, self._reactors)

    async def _reactors(self, post: Post) -> Reactors:
        """DIDs of who liked and reposted (first page of each) and directly replied."""
        who: list[str] = []
        if post.likes:
            reply = await self._fetcher.get_json(
                self._xrpc("app.bsky.feed.getLikes"), params={"uri": post.id, "limit": 100}
            )
            likes = as_list(require_dict(reply.data, LABEL).get("likes"))
            who.extend(as_str(as_dict(as_dict(like).get("actor")).get("did")) for like in likes)
        if post.reposts:
            reply = await self._fetcher.get_json(
                self._xrpc("app.bsky.feed.getRepostedBy"), params={"uri": post.id, "limit": 100}
            )
            people = as_list(require_dict(reply.data, LABEL).get("repostedBy"))
            who.extend(as_str(as_dict(person).get("did")) for person in people)
        if post.replies:
            reply = await self._fetcher.get_json(
                self._xrpc("app.bsky.feed.getPostThread"),
                params={"uri": post.id, "depth": 1, "parentHeight": 0},
            )
            thread = as_dict(require_dict(reply.data, LABEL).get("thread"))
            who.extend(
                as_str(as_dict(as_dict(as_dict(child).get("post")).get("author")).get("did"))
                for child in as_list(thread.get("replies"))
            )
        return tally(who)

    def _post(self, item: Mapping[str, Any], owner: str) -> tuple[Post, bool] | None:
        post = as_dict(item.get("post"))
        uri = as_str(post.get("uri"))
        reason_type = as_str(as_dict(item.get("reason")).get("$type"))
        if not uri:
            return None
        author = as_str(as_dict(post.get("author")).get("did"))
        if owner.startswith("did:") and author and author != owner:
            return None
        record = as_dict(post.get("record"))
        stamps = (parse_time(record.get("createdAt")), parse_time(post.get("indexedAt")))
        times = [stamp for stamp in stamps if stamp is not None]
        if not times:
            return None
        # createdAt is set by the client and can be backdated; the AppView
        # sorts by the earlier of the two, and so does this.
        parent_uri = as_str(as_dict(as_dict(record.get("reply")).get("parent")).get("uri"))
        # The feed view names the parent's author; an older answer only has its uri.
        parent_author = as_str(
            as_dict(as_dict(as_dict(item.get("reply")).get("parent")).get("author")).get("did")
        ) or _did_of(parent_uri)
        embed_type = as_str(as_dict(post.get("embed")).get("$type")) or as_str(
            as_dict(record.get("embed")).get("$type")
        )
        return (
            Post(
                id=uri,
                created_at=min(times),
                replies=as_int(post.get("replyCount")),
                reposts=as_int(post.get("repostCount")),
                quotes=as_int(post.get("quoteCount")),
                likes=as_int(post.get("likeCount")),
                has_media=embed_type.startswith(_MEDIA_EMBEDS),
                is_question=looks_like_question(as_str(record.get("text"))),
                is_reply=bool(parent_uri),
                parent_id=parent_uri,
                reply_to_self=bool(parent_uri) and parent_author == (author or owner),
            ),
            reason_type.endswith("#reasonPin"),
        )

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        actor = profile.account_id or profile.handle
        follows: set[str] = set()
        cursor: str | None = None
        for _ in range(self.following_page_cap):
            params: dict[str, str | int | list[str]] = {"actor": actor, "limit": 100}
            if cursor:
                params["cursor"] = cursor
            reply = await self._fetcher.get_json(
                self._xrpc("app.bsky.graph.getFollows"), params=params
            )
            data = require_dict(reply.data, LABEL)
            page = [as_dict(entry) for entry in as_list(data.get("follows"))]
            for entry in page:
                shown = as_str(entry.get("handle")).lower()
                key = shown if shown and shown != _INVALID_HANDLE else as_str(entry.get("did"))
                if key:
                    follows.add(key)
            cursor = as_str(data.get("cursor")) or None
            if not page or cursor is None:
                break
        return frozenset(follows)


def build_client(kit: ClientKit) -> BlueskyClient:
    return BlueskyClient(
        kit.fetcher(NAME, kit.http, published.BLUESKY),
        base_url=kit.settings.bluesky_appview_url,
    )
