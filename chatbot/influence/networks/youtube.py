"""YouTube Data API v3: needs YOUTUBE_API_KEY; 10,000 quota units a day.

A channel is found by its @handle (`channels.list?forHandle=`, 1 unit). Its
videos are the posts: the uploads playlist lists them and `videos.list`
gives their counts, comments as replies and likes as likes. YouTube has no
public reposts or quotes, and the subscriber count is rounded and may be
hidden by the owner (then 0, flagged `followers_hidden`). Who a channel
subscribes to is private by default, so following is not available.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chatbot.influence.http import HttpFetcher
from chatbot.influence.networks import limits as published
from chatbot.influence.networks.handle_rules import clean_handle_input
from chatbot.influence.networks.payload import (
    as_dict,
    as_int,
    as_list,
    as_str,
    parse_time,
    require_dict,
    safe_id,
)
from chatbot.influence.networks.text import looks_like_question
from chatbot.values.accounts import Post, Profile
from chatbot.values.message import Msg
from chatbot.values.network_errors import (
    AccountNotFound,
    InvalidHandle,
    NetworkError,
    NetworkNotConfigured,
)

if TYPE_CHECKING:
    from chatbot.influence.networks.registry import ClientKit

NAME = "youtube"
LABEL = "YouTube"
SETTING = "YOUTUBE_API_KEY"
HINT = Msg("A YouTube handle looks like @name (3 to 30 letters, digits, dots, dashes or "
           "underscores).")

VIDEOS_PER_REQUEST = 50
_HANDLE = re.compile(r"[a-z0-9_][a-z0-9._-]{1,28}[a-z0-9_]")


def parse_handle(raw: str) -> str:
    text = clean_handle_input(raw, hint=HINT).removeprefix("@").lower()
    if not _HANDLE.fullmatch(text):
        raise InvalidHandle(Msg("That is not a YouTube handle. {hint}", hint=HINT))
    return text


def handle_for_humans(handle: str) -> str:
    return f"@{handle}"


class YouTubeClient:
    name = NAME
    label = LABEL
    profiles_per_request = 1

    @property
    def parallel_accounts(self) -> int:
        return self._fetcher.limiter.limit.concurrency

    def __init__(
        self,
        fetcher: HttpFetcher,
        *,
        base_url: str,
        api_key: str | None,
        page_cap: int = 4,
    ) -> None:
        self._fetcher = fetcher
        self._base = base_url.rstrip("/")
        self._key = api_key
        self.page_cap = page_cap
        self._uploads: dict[str, str] = {}

    def parse_handle(self, raw: str) -> str:
        return parse_handle(raw)

    def handle_for_humans(self, handle: str) -> str:
        return handle_for_humans(handle)

    async def _get(
        self, resource: str, params: dict[str, str | int | list[str]]
    ) -> Mapping[str, Any]:
        if not self._key:
            raise NetworkNotConfigured(LABEL, SETTING)
        reply = await self._fetcher.get_json(
            f"{self._base}/{resource}", params={**params, "key": self._key}
        )
        return require_dict(reply.data, LABEL)

    async def fetch_profiles(self, handles: Sequence[str]) -> Mapping[str, Profile | NetworkError]:
        if not self._key:
            raise NetworkNotConfigured(LABEL, SETTING)
        # forHandle takes a single handle, so there is nothing to batch.
        results: dict[str, Profile | NetworkError] = {}
        for raw in handles:
            try:
                results[raw] = await self.fetch_profile(raw)
            except NetworkError as error:
                results[raw] = error
        return results

    async def fetch_profile(self, raw_handle: str) -> Profile:
        handle = parse_handle(raw_handle)
        data = await self._get(
            "channels",
            {"part": "snippet,statistics,contentDetails", "forHandle": f"@{handle}"},
        )
        channels = [as_dict(item) for item in as_list(data.get("items"))]
        if not channels:
            raise AccountNotFound(Msg("YouTube has no channel @{handle}.", handle=handle))
        channel = channels[0]
        channel_id = safe_id(channel.get("id"), LABEL)
        snippet = as_dict(channel.get("snippet"))
        stats = as_dict(channel.get("statistics"))
        playlists = as_dict(as_dict(channel.get("contentDetails")).get("relatedPlaylists"))
        uploads = as_str(playlists.get("uploads"))
        if uploads:
            self._uploads[channel_id] = uploads
        hidden = stats.get("hiddenSubscriberCount") is True
        return Profile(
            network=NAME,
            handle=handle,
            account_id=channel_id,
            display_name=as_str(snippet.get("title")).strip(),
            followers=0 if hidden else as_int(stats.get("subscriberCount")),
            following=0,
            posts_count=as_int(stats.get("videoCount")),
            bio=as_str(snippet.get("description")).strip(),
            url=f"https://www.youtube.com/@{handle}",
            flags=frozenset({"followers_hidden"} if hidden else ()),
            extra={
                "views": as_int(stats.get("viewCount")),
                "videos": as_int(stats.get("videoCount")),
            },
        )

    async def _uploads_playlist(self, channel_id: str) -> str | None:
        if channel_id not in self._uploads:
            data = await self._get("channels", {"part": "contentDetails", "id": channel_id})
            for item in map(as_dict, as_list(data.get("items"))):
                playlists = as_dict(as_dict(item.get("contentDetails")).get("relatedPlaylists"))
                if as_str(playlists.get("uploads")):
                    self._uploads[channel_id] = as_str(playlists.get("uploads"))
        return self._uploads.get(channel_id)

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        playlist = await self._uploads_playlist(profile.account_id)
        if playlist is None:
            return []
        video_ids: list[str] = []
        token: str | None = None
        for _ in range(self.page_cap):
            params: dict[str, str | int | list[str]] = {
                "part": "contentDetails",
                "playlistId": playlist,
                "maxResults": VIDEOS_PER_REQUEST,
            }
            if token:
                params["pageToken"] = token
            data = await self._get("playlistItems", params)
            items = [
                as_dict(as_dict(item).get("contentDetails")) for item in as_list(data.get("items"))
            ]
            reached_since = False
            for details in items:
                published = parse_time(details.get("videoPublishedAt"))
                if published is not None and published < since:
                    reached_since = True
                elif as_str(details.get("videoId")):
                    video_ids.append(as_str(details.get("videoId")))
            token = as_str(data.get("nextPageToken")) or None
            if reached_since or not items or token is None:
                break
        posts: list[Post] = []
        for start in range(0, len(video_ids), VIDEOS_PER_REQUEST):
            batch = video_ids[start : start + VIDEOS_PER_REQUEST]
            data = await self._get("videos", {"part": "snippet,statistics", "id": ",".join(batch)})
            posts.extend(
                post
                for post in map(self._video_to_post, as_list(data.get("items")))
                if post is not None and post.created_at >= since
            )
        return sorted(posts, key=lambda post: post.created_at, reverse=True)

    @staticmethod
    def _video_to_post(raw: Any) -> Post | None:
        video = as_dict(raw)
        snippet = as_dict(video.get("snippet"))
        stats = as_dict(video.get("statistics"))
        created = parse_time(snippet.get("publishedAt"))
        video_id = as_str(video.get("id"))
        if created is None or not video_id:
            return None
        return Post(
            id=video_id,
            created_at=created,
            replies=as_int(stats.get("commentCount")),
            likes=as_int(stats.get("likeCount")),
            has_media=True,
            is_question=looks_like_question(as_str(snippet.get("title"))),
        )

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        if not self._key:
            raise NetworkNotConfigured(LABEL, SETTING)
        return None


def build_client(kit: ClientKit) -> YouTubeClient:
    """Built even without a key: it answers NetworkNotConfigured until one is set."""
    return YouTubeClient(
        kit.fetcher(NAME, kit.http, published.YOUTUBE, SETTING),
        base_url=kit.settings.youtube_api_url,
        api_key=kit.secret(kit.settings.youtube_api_key),
    )
