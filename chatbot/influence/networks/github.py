"""GitHub: keyless at 60 requests an hour, 5,000 with GITHUB_TOKEN.

GitHub has no posts and no likes, so the mapping is a choice, made to be
honest rather than flattering. Public events become posts:

- PushEvent, GollumEvent, PublicEvent, CreateEvent of a repository or tag:
  a post, with no reactions to read.
- IssuesEvent and PullRequestEvent "opened", DiscussionEvent "created": a
  post (a question when its title asks one); comments (and review comments)
  are its replies, reactions its likes.
- ReleaseEvent "published": a post; reactions are its likes.
- IssueComment, CommitComment, PullRequestReview(Comment), DiscussionComment
  events: a reply; reactions are its likes.
- WatchEvent (starring) and ForkEvent: a repost, amplifying someone else's
  work, with no reactions credited.

Everything else (deletions, membership changes, closing or labelling
someone's issue) is upkeep, not publishing, and is skipped. Counts are what
the event recorded when it happened. A comment on an issue, pull request or
discussion the member opened is a reply to self.

The audience GitHub does measure is read with dates, so only what happened
inside the window counts: for the member's `star_repos` most starred own
repositories (not forks), the newest `star_pages` pages of stargazers
(`starred_at`, newest pages last, so read from the last page backwards) and
one page of the newest forks. They become one post per repository and ISO
week, `repo:<owner>/<name>:<yyyy>-W<ww>`, with that week's stars as likes and
forks as reposts, dated at the week's latest one; who starred or forked is
its reactors. Budget per member and refresh: 1 profile + up to 3 repository
pages + up to 3 event pages + up to 3 x (2 + 1) star and fork pages, fewer
when repositories have no stars or forks or the window is covered early.
Lifetime totals stay in `Profile.extra` ("stars", "forks", "public_repos")
for display only. GitHub lists at most 400 pages of stargazers, so a
repository with over 40,000 stars has its newest stars out of reach.

Conditional requests: every answer's ETag is kept per URL and sent back
as If-None-Match; a 304 reuses the kept body (and, with a token, costs no
rate limit).
"""

from __future__ import annotations

import asyncio
import math
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from chatbot.influence.http import HttpFetcher, JsonReply
from chatbot.influence.networks import limits as published
from chatbot.influence.networks.handle_rules import clean_handle_input
from chatbot.influence.networks.payload import (
    as_dict,
    as_int,
    as_str,
    parse_time,
    require_dict,
    require_list,
    safe_id,
)
from chatbot.influence.networks.reactor_sampling import tally
from chatbot.influence.networks.text import join_bio, looks_like_question
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

NAME = "github"
LABEL = "GitHub"
HINT = Msg("A GitHub handle is a login such as octocat (letters, digits, single hyphens).")

_LOGIN = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}")

_PLAIN_POSTS = frozenset({"PushEvent", "GollumEvent", "PublicEvent"})
_REPLIES = {
    "IssueCommentEvent": "comment",
    "CommitCommentEvent": "comment",
    "PullRequestReviewCommentEvent": "comment",
    "DiscussionCommentEvent": "comment",
    "PullRequestReviewEvent": "review",
}
_AMPLIFICATIONS = frozenset({"WatchEvent", "ForkEvent"})
_REPLY_PARENTS = {
    "IssueCommentEvent": "issue",
    "PullRequestReviewCommentEvent": "pull_request",
    "PullRequestReviewEvent": "pull_request",
    "DiscussionCommentEvent": "discussion",
}
_FULL_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}")
_STAR_ACCEPT = "application/vnd.github.star+json"
_PER_PAGE = 100
_MAX_LISTED_PAGE = 400
"""GitHub refuses list pages past 400 (40,000 items at 100 a page)."""


@dataclass(frozen=True)
class _Repo:
    full_name: str
    stars: int
    forks: int


@dataclass
class _Week:
    likes: int = 0
    reposts: int = 0
    latest: datetime | None = None

    def add(self, moment: datetime) -> None:
        self.latest = moment if self.latest is None else max(self.latest, moment)


def parse_handle(raw: str) -> str:
    text = clean_handle_input(raw, hint=HINT).removeprefix("@").lower()
    if not _LOGIN.fullmatch(text):
        raise InvalidHandle(Msg("That is not a GitHub login. {hint}", hint=HINT))
    return text


def handle_for_humans(handle: str) -> str:
    return f"@{handle}"


def _is_full_name(text: str) -> bool:
    """`owner/name` safe to put into a URL path (no `.` or `..` segment)."""
    return bool(_FULL_NAME.fullmatch(text)) and not set(text.split("/")) & {".", ".."}


def _account_id(user: object) -> str:
    """A GitHub account's numeric id as text, or "" (not counted) when absent."""
    number = as_int(as_dict(user).get("id"))
    return str(number) if number else ""


def _reactions(item: Mapping[str, Any]) -> int:
    return as_int(as_dict(item.get("reactions")).get("total_count"))


def event_to_post(event: Mapping[str, Any]) -> Post | None:
    """One public event as a Post, per the table in the module docstring."""
    kind = as_str(event.get("type"))
    created = parse_time(event.get("created_at"))
    event_id = as_str(event.get("id")) or str(as_int(event.get("id")) or "")
    if created is None or not event_id:
        return None
    payload = as_dict(event.get("payload"))
    action = as_str(payload.get("action"))
    if kind in _PLAIN_POSTS or (
        kind == "CreateEvent" and payload.get("ref_type") in ("repository", "tag")
    ):
        return Post(id=event_id, created_at=created)
    if kind in _AMPLIFICATIONS:
        return Post(id=event_id, created_at=created, is_repost=True)
    if kind in _REPLIES:
        item = as_dict(payload.get(_REPLIES[kind]))
        parent = as_dict(payload.get(_REPLY_PARENTS.get(kind, "")))
        actor = as_int(as_dict(event.get("actor")).get("id"))
        parent_author = as_int(as_dict(parent.get("user")).get("id"))
        return Post(
            id=event_id,
            created_at=created,
            likes=_reactions(item),
            is_reply=True,
            parent_id=as_str(parent.get("html_url")),
            reply_to_self=actor > 0 and actor == parent_author,
        )
    opened = {
        "IssuesEvent": ("issue", "opened"),
        "PullRequestEvent": ("pull_request", "opened"),
        "DiscussionEvent": ("discussion", "created"),
        "ReleaseEvent": ("release", "published"),
    }.get(kind)
    if opened is None or action != opened[1]:
        return None
    item = as_dict(payload.get(opened[0]))
    title = as_str(item.get("title")) or as_str(item.get("name"))
    return Post(
        id=event_id,
        created_at=created,
        replies=as_int(item.get("comments")) + as_int(item.get("review_comments")),
        likes=_reactions(item),
        is_question=looks_like_question(title),
    )


class GitHubClient:
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
        token: str | None = None,
        repo_page_cap: int = 3,
        event_page_cap: int = 3,
        following_page_cap: int = 5,
        etag_cache_size: int = 1024,
        star_repos: int = 3,
        star_pages: int = 2,
        fork_pages: int = 1,
    ) -> None:
        self._fetcher = fetcher
        self._base = base_url.rstrip("/")
        self._headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self.repo_page_cap = repo_page_cap
        self.event_page_cap = event_page_cap
        self.following_page_cap = following_page_cap
        self._etags: OrderedDict[str, tuple[str, JsonReply]] = OrderedDict()
        self._etag_cache_size = etag_cache_size
        self.star_repos = star_repos
        self.star_pages = star_pages
        self.fork_pages = fork_pages
        self._top_repos: OrderedDict[str, tuple[_Repo, ...]] = OrderedDict()

    def parse_handle(self, raw: str) -> str:
        return parse_handle(raw)

    def handle_for_humans(self, handle: str) -> str:
        return handle_for_humans(handle)

    async def _get(
        self, url: str, params: Mapping[str, str | int] | None = None, *, accept: str = ""
    ) -> JsonReply:
        """GET with If-None-Match; a 304 answers with the kept body."""
        key = str(httpx.URL(url, params=params) if params else httpx.URL(url))
        kept = self._etags.get(key)
        headers = dict(self._headers)
        if accept:
            headers["Accept"] = accept
        if kept is not None:
            headers["If-None-Match"] = kept[0]
        reply = await self._fetcher.get_json(key, headers=headers)
        if reply.not_modified:
            if kept is None:
                raise NetworkUnavailable(Msg(
                    "{network} answered 'not modified' to a first request.", network=LABEL))
            self._etags.move_to_end(key)
            return kept[1]
        etag = reply.headers.get("etag")
        if etag:
            self._etags[key] = (etag, reply)
            self._etags.move_to_end(key)
            while len(self._etags) > self._etag_cache_size:
                self._etags.popitem(last=False)
        return reply

    async def _pages(self, url: str, params: Mapping[str, str | int], cap: int) -> list[Any]:
        """Items from up to `cap` pages, following rel="next" on the same host."""
        items: list[Any] = []
        next_url: str | None = url
        next_params: Mapping[str, str | int] | None = params
        for _ in range(cap):
            if next_url is None:
                break
            reply = await self._get(next_url, next_params)
            page = require_list(reply.data, LABEL)
            items.extend(page)
            link = reply.links.get("next")
            same_host = link is not None and httpx.URL(link).host == httpx.URL(self._base).host
            if not page or not same_host:
                break
            next_url, next_params = link, None
        return items

    async def fetch_profiles(self, handles: Sequence[str]) -> Mapping[str, Profile | NetworkError]:
        results = await asyncio.gather(*(self._profile_or_error(handle) for handle in handles))
        return dict(zip(handles, results, strict=True))

    async def _profile_or_error(self, handle: str) -> Profile | NetworkError:
        try:
            return await self.fetch_profile(handle)
        except NetworkError as error:
            return error

    async def fetch_profile(self, raw_handle: str) -> Profile:
        login = parse_handle(raw_handle)
        path = quote(login, safe="")
        try:
            user = require_dict((await self._get(f"{self._base}/users/{path}")).data, LABEL)
        except AccountNotFound as missing:
            raise AccountNotFound(Msg("GitHub has no user or organisation {login}.",
                                      login=login)) from missing
        repos = await self._owned_repos(login)
        stars = sum(repo.stars for repo in repos)
        forks = sum(repo.forks for repo in repos)
        twitter = as_str(user.get("twitter_username"))
        return Profile(
            network=NAME,
            handle=login,
            account_id=safe_id(user.get("id"), LABEL),
            display_name=as_str(user.get("name")).strip() or as_str(user.get("login")),
            followers=as_int(user.get("followers")),
            following=as_int(user.get("following")),
            posts_count=as_int(user.get("public_repos")),
            bio=join_bio(
                as_str(user.get("bio")),
                as_str(user.get("blog")),
                f"@{twitter}" if twitter else None,
                as_str(user.get("company")),
            ),
            url=as_str(user.get("html_url")) or f"https://github.com/{login}",
            flags=frozenset({"organization"} if user.get("type") == "Organization" else ()),
            extra={
                "stars": stars,
                "forks": forks,
                "public_repos": as_int(user.get("public_repos")),
            },
        )

    async def _owned_repos(self, login: str) -> list[_Repo]:
        """The member's repositories with their lifetime counts; the most starred
        non-forks are kept for reading their stars in the window."""
        listed = await self._pages(
            f"{self._base}/users/{quote(login, safe='')}/repos",
            {"per_page": 100, "type": "owner", "sort": "pushed"},
            self.repo_page_cap,
        )
        repos: list[_Repo] = []
        originals: list[_Repo] = []
        for data in map(as_dict, listed):
            repo = _Repo(
                full_name=as_str(data.get("full_name")),
                # Legacy shapes lack stargazers_count; watchers_count held the stars then.
                stars=as_int(data.get("stargazers_count", data.get("watchers_count"))),
                forks=as_int(data.get("forks_count", data.get("forks"))),
            )
            repos.append(repo)
            if data.get("fork") is not True and _is_full_name(repo.full_name):
                originals.append(repo)
        originals.sort(key=lambda repo: (repo.stars, repo.forks), reverse=True)
        self._top_repos[login] = tuple(
            repo for repo in originals[: self.star_repos] if repo.stars or repo.forks
        )
        self._top_repos.move_to_end(login)
        while len(self._top_repos) > self._etag_cache_size:
            self._top_repos.popitem(last=False)
        return repos

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        """Public events in the window, and stars and forks received in it per week."""
        events = await self._event_posts(profile, since)
        if profile.handle not in self._top_repos:  # a profile read back from storage
            await self._owned_repos(profile.handle)
        weeks: dict[tuple[str, str], _Week] = {}
        reactors: dict[tuple[str, str], list[str]] = {}
        for repo in self._top_repos.get(profile.handle, ()):
            reactions = [
                *((moment, who, "star") for moment, who in await self._stars(repo, since)),
                *((moment, who, "fork") for moment, who in await self._forks(repo, since)),
            ]
            for moment, who, kind in reactions:
                year, week, _ = moment.isocalendar()
                key = (repo.full_name, f"{year}-W{week:02d}")
                tally_of = weeks.setdefault(key, _Week())
                tally_of.add(moment)
                if kind == "star":
                    tally_of.likes += 1
                else:
                    tally_of.reposts += 1
                reactors.setdefault(key, []).append(who)
        received = [
            Post(
                id=f"repo:{name}:{week}",
                created_at=tally_of.latest,
                likes=tally_of.likes,
                reposts=tally_of.reposts,
                reactors=tally(reactors[(name, week)]),
            )
            for (name, week), tally_of in weeks.items()
            if tally_of.latest is not None
        ]
        return sorted([*events, *received], key=lambda post: post.created_at, reverse=True)

    async def _stars(self, repo: _Repo, since: datetime) -> list[tuple[datetime, str]]:
        """(starred_at, stargazer id) inside the window, reading from the newest page back."""
        if not repo.stars:
            return []
        url = f"{self._base}/repos/{repo.full_name}/stargazers"
        page = min(math.ceil(repo.stars / _PER_PAGE), _MAX_LISTED_PAGE)
        found: list[tuple[datetime, str]] = []
        for _ in range(self.star_pages):
            if page < 1:
                break
            reply = await self._get(
                url, {"per_page": _PER_PAGE, "page": page}, accept=_STAR_ACCEPT
            )
            items = [as_dict(item) for item in require_list(reply.data, LABEL)]
            reached_since = False
            for item in items:
                moment = parse_time(item.get("starred_at"))
                if moment is None or moment < since:
                    reached_since = reached_since or moment is not None
                    continue
                found.append((moment, _account_id(item.get("user"))))
            if reached_since:
                break
            page -= 1
        return found

    async def _forks(self, repo: _Repo, since: datetime) -> list[tuple[datetime, str]]:
        """(created_at, fork owner id) of the newest forks inside the window."""
        if not repo.forks or not self.fork_pages:
            return []
        listed = await self._pages(
            f"{self._base}/repos/{repo.full_name}/forks",
            {"per_page": _PER_PAGE, "sort": "newest"},
            self.fork_pages,
        )
        found: list[tuple[datetime, str]] = []
        for fork in map(as_dict, listed):
            moment = parse_time(fork.get("created_at"))
            if moment is not None and moment >= since:
                found.append((moment, _account_id(fork.get("owner"))))
        return found

    async def _event_posts(self, profile: Profile, since: datetime) -> list[Post]:
        path = quote(profile.handle, safe="")
        posts: list[Post] = []
        next_url: str | None = f"{self._base}/users/{path}/events/public"
        params: Mapping[str, str | int] | None = {"per_page": 100}
        for _ in range(self.event_page_cap):
            if next_url is None:
                break
            reply = await self._get(next_url, params)
            events = [as_dict(event) for event in require_list(reply.data, LABEL)]
            times = [parse_time(event.get("created_at")) for event in events]
            posts.extend(
                post
                for post in map(event_to_post, events)
                if post is not None and post.created_at >= since
            )
            if not events or any(t is not None and t < since for t in times):
                break
            link = reply.links.get("next")
            same_host = link is not None and httpx.URL(link).host == httpx.URL(self._base).host
            next_url, params = (link, None) if same_host else (None, None)
        unique = {post.id: post for post in posts}  # pages shift when new posts arrive
        return list(unique.values())

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        path = quote(profile.handle, safe="")
        people = await self._pages(
            f"{self._base}/users/{path}/following", {"per_page": 100}, self.following_page_cap
        )
        return frozenset(
            login.lower() for login in (as_str(as_dict(p).get("login")) for p in people) if login
        )


def build_client(kit: ClientKit) -> GitHubClient:
    """A token is optional on GitHub: it raises the published limits."""
    token = kit.secret(kit.settings.github_token)
    return GitHubClient(
        kit.fetcher(
            NAME,
            kit.http,
            published.GITHUB_WITH_TOKEN if token else published.GITHUB_KEYLESS,
            "GITHUB_TOKEN" if token else None,
            # GitHub counts per token, and keyless requests per address.
            scope=kit.credential_scope(token),
        ),
        base_url=kit.settings.github_api_url,
        token=token,
    )
