"""X (Twitter) API v2: needs X_BEARER_TOKEN and is paid per request.

Without the token the client still exists, so X is listed among the
networks, but every call raises NetworkNotConfigured naming the setting.
Only the member's own tweets count: retweets are someone else's tweet and
carry its counts (fixtures show `RT @...` items with the original's 160
retweets), so the timeline is asked with `exclude=retweets` and any retweet
that comes anyway is skipped. A reply names the tweet it answers; a reply to
oneself (a thread) is flagged `reply_to_self`. Counts only come when asked
for (`public_metrics`); an answer without them gives zeros marked
`metrics_hidden`, never invented numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

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
from chatbot.influence.networks.text import join_bio, looks_like_question
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

NAME = "x"
LABEL = "X"
SETTING = "X_BEARER_TOKEN"
HINT = Msg("An X handle looks like @name (up to 15 letters, digits or underscores).")

USERS_PER_REQUEST = 100
_USERNAME = re.compile(r"[a-z0-9_]{1,15}")
_USER_FIELDS = "created_at,description,entities,protected,public_metrics,url,verified"
_TWEET_FIELDS = "attachments,created_at,in_reply_to_user_id,public_metrics,referenced_tweets"
_SNOWFLAKE_EPOCH_MS = 1_288_834_974_657


def parse_handle(raw: str) -> str:
    text = clean_handle_input(raw, hint=HINT).removeprefix("@").lower()
    if not _USERNAME.fullmatch(text):
        raise InvalidHandle(Msg("That is not an X handle. {hint}", hint=HINT))
    return text


def handle_for_humans(handle: str) -> str:
    return f"@{handle}"


def snowflake_time(tweet_id: str) -> datetime | None:
    """When a tweet was made, from its id (the default fields omit created_at)."""
    if not (tweet_id.isascii() and tweet_id.isdigit()) or len(tweet_id) > 20:
        return None
    millis = (int(tweet_id) >> 22) + _SNOWFLAKE_EPOCH_MS
    try:
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def tweet_to_post(tweet: Mapping[str, Any], owner_id: str) -> Post | None:
    """The member's own tweet as a Post; None for a retweet or an unreadable item."""
    tweet_id = as_str(tweet.get("id"))
    created = parse_time(tweet.get("created_at")) or snowflake_time(tweet_id)
    if not tweet_id or created is None:
        return None
    text = as_str(tweet.get("text"))
    references = {
        as_str(as_dict(ref).get("type")): as_str(as_dict(ref).get("id"))
        for ref in as_list(tweet.get("referenced_tweets"))
    }
    if "retweeted" in references or text.startswith("RT @"):
        return None
    is_reply = "replied_to" in references
    replying_to = tweet.get("in_reply_to_user_id")
    attachments = as_dict(tweet.get("attachments"))
    metrics = tweet.get("public_metrics")
    counts = as_dict(metrics)
    return Post(
        id=tweet_id,
        created_at=created,
        replies=as_int(counts.get("reply_count")),
        reposts=as_int(counts.get("retweet_count")),
        quotes=as_int(counts.get("quote_count")),
        likes=as_int(counts.get("like_count")),
        has_media=bool(as_list(attachments.get("media_keys"))),
        is_question=looks_like_question(text) or bool(as_list(attachments.get("poll_ids"))),
        is_reply=is_reply,
        parent_id=references.get("replied_to", ""),
        reply_to_self=is_reply and replying_to is not None and str(replying_to) == owner_id,
        metrics_hidden=not isinstance(metrics, Mapping),
    )


class XClient:
    name = NAME
    label = LABEL
    profiles_per_request = USERS_PER_REQUEST

    @property
    def parallel_accounts(self) -> int:
        return self._fetcher.limiter.limit.concurrency

    def __init__(
        self,
        fetcher: HttpFetcher,
        *,
        base_url: str,
        token: str | None,
        page_cap: int = 3,
        following_page_cap: int = 2,
    ) -> None:
        self._fetcher = fetcher
        self._base = base_url.rstrip("/")
        self._token = token
        self.page_cap = page_cap
        self.following_page_cap = following_page_cap

    def parse_handle(self, raw: str) -> str:
        return parse_handle(raw)

    def handle_for_humans(self, handle: str) -> str:
        return handle_for_humans(handle)

    def _auth(self) -> dict[str, str]:
        if not self._token:
            raise NetworkNotConfigured(LABEL, SETTING)
        return {"Authorization": f"Bearer {self._token}"}

    async def fetch_profiles(self, handles: Sequence[str]) -> Mapping[str, Profile | NetworkError]:
        headers = self._auth()
        results: dict[str, Profile | NetworkError] = {}
        canonical: dict[str, str] = {}
        for raw in handles:
            try:
                canonical[raw] = parse_handle(raw)
            except InvalidHandle as error:
                results[raw] = error
        unique = list(dict.fromkeys(canonical.values()))
        found: dict[str, Profile | NetworkError] = {}
        for start in range(0, len(unique), USERS_PER_REQUEST):
            batch = unique[start : start + USERS_PER_REQUEST]
            found.update(await self._fetch_batch(batch, headers))
        for raw, handle in canonical.items():
            results[raw] = found[handle]
        return {raw: results[raw] for raw in handles}

    async def _fetch_batch(
        self, batch: list[str], headers: Mapping[str, str]
    ) -> dict[str, Profile | NetworkError]:
        try:
            reply = await self._fetcher.get_json(
                f"{self._base}/2/users/by",
                params={"usernames": ",".join(batch), "user.fields": _USER_FIELDS},
                headers=headers,
            )
        except NetworkError as error:
            return dict.fromkeys(batch, error)
        data = require_dict(reply.data, LABEL)
        users = {
            as_str(user.get("username")).lower(): user
            for user in map(as_dict, as_list(data.get("data")))
        }
        problems = {
            as_str(problem.get("value")).lower(): as_str(problem.get("detail"))
            for problem in map(as_dict, as_list(data.get("errors")))
        }
        answers: dict[str, Profile | NetworkError] = {}
        for handle in batch:
            user = users.get(handle)
            if user is not None:
                answers[handle] = self._profile(handle, user)
            elif "suspend" in problems.get(handle, "").lower():
                answers[handle] = AccountNotFound(Msg("The X account @{handle} is suspended.",
                                                       handle=handle))
            else:
                answers[handle] = AccountNotFound(Msg("X has no account @{handle}.", handle=handle))
        return answers

    def _profile(self, handle: str, user: Mapping[str, Any]) -> Profile:
        metrics = user.get("public_metrics")
        counts = as_dict(metrics)
        links = [
            as_str(as_dict(link).get("expanded_url"))
            for link in as_list(as_dict(as_dict(user.get("entities")).get("url")).get("urls"))
        ]
        flags = set()
        if not isinstance(metrics, Mapping):
            flags.add("metrics_hidden")
        if user.get("protected") is True:
            flags.add("protected")
        return Profile(
            network=NAME,
            handle=handle,
            account_id=safe_id(user.get("id"), LABEL),
            display_name=as_str(user.get("name")).strip(),
            followers=as_int(counts.get("followers_count")),
            following=as_int(counts.get("following_count")),
            posts_count=as_int(counts.get("tweet_count")),
            bio=join_bio(as_str(user.get("description")), *links),
            url=f"https://x.com/{as_str(user.get('username')) or handle}",
            flags=frozenset(flags),
            extra={"listed": as_int(counts.get("listed_count"))},
        )

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        headers = self._auth()
        account = quote(profile.account_id, safe="")
        posts: list[Post] = []
        token: str | None = None
        for _ in range(self.page_cap):
            params: dict[str, str | int | list[str]] = {
                "tweet.fields": _TWEET_FIELDS,
                "max_results": 100,
                "exclude": "retweets",
                "start_time": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            if token:
                params["pagination_token"] = token
            reply = await self._fetcher.get_json(
                f"{self._base}/2/users/{account}/tweets", params=params, headers=headers
            )
            data = require_dict(reply.data, LABEL)
            tweets = [as_dict(tweet) for tweet in as_list(data.get("data"))]
            converted = (tweet_to_post(tweet, profile.account_id) for tweet in tweets)
            posts.extend(post for post in converted if post and post.created_at >= since)
            times = [
                parse_time(tweet.get("created_at")) or snowflake_time(as_str(tweet.get("id")))
                for tweet in tweets
            ]
            token = as_str(as_dict(data.get("meta")).get("next_token")) or None
            if not tweets or token is None or any(t is not None and t < since for t in times):
                break
        unique = {post.id: post for post in posts}
        return sorted(unique.values(), key=lambda post: post.created_at, reverse=True)

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        headers = self._auth()
        account = quote(profile.account_id, safe="")
        follows: set[str] = set()
        token: str | None = None
        for _ in range(self.following_page_cap):
            params: dict[str, str | int | list[str]] = {"max_results": 1000}
            if token:
                params["pagination_token"] = token
            reply = await self._fetcher.get_json(
                f"{self._base}/2/users/{account}/following", params=params, headers=headers
            )
            data = require_dict(reply.data, LABEL)
            follows.update(
                as_str(as_dict(user).get("username")).lower()
                for user in as_list(data.get("data"))
                if as_str(as_dict(user).get("username"))
            )
            token = as_str(as_dict(data.get("meta")).get("next_token")) or None
            if token is None:
                break
        return frozenset(follows)


def build_client(kit: ClientKit) -> XClient:
    """Built even without a token: it answers NetworkNotConfigured until one is set."""
    return XClient(
        kit.fetcher(NAME, kit.http, published.X, SETTING),
        base_url=kit.settings.x_api_url,
        token=kit.secret(kit.settings.x_bearer_token),
    )
