"""What refresh learned: daily metric snapshots and the raw posts of the window."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from chatbot.clock import from_iso, to_iso
from chatbot.storage.claims import fetched_claim_holds
from chatbot.storage.database import Database, Row, chunks, marks
from chatbot.storage.models import Handle, Snapshot
from chatbot.values.accounts import Post

_POST_COLUMNS = (
    "team_id, user_id, network, post_id, created_at, replies, reposts, quotes, likes,"
    " has_media, is_question, is_reply, is_repost, parent_id, reply_to_self, reactors_json"
)
_POST_UPDATE = ", ".join(
    f"{column} = excluded.{column}"
    for column in (name.strip() for name in _POST_COLUMNS.split(",")[4:])
)
"""A post fetched again replaces what was stored for it, column by column."""


@dataclass(frozen=True)
class FetchedAccount:
    """What one fetch of one account brought back, as refresh stores it."""

    account_id: str
    followers: int
    following: int
    posts_count: int
    extra: Mapping[str, int]
    posts: Sequence[Post]


_READ_COLUMNS = (
    "user_id, network, post_id, created_at, replies, reposts, quotes, likes, has_media,"
    " is_question, is_reply, is_repost, parent_id, reply_to_self, reactors_json"
)
"""What posts_of reads, in the order `_post` unpacks: a full rescore reads 40 posts per
member, and unpacking by position costs a fraction of looking each column up by name."""


def _post(row: Row) -> tuple[str, str, Post]:
    """(member, network, post) from a row of `_READ_COLUMNS`."""
    (user_id, network, post_id, created_at, replies, reposts, quotes, likes, has_media,
     is_question, is_reply, is_repost, parent_id, reply_to_self, reactors_json) = row
    return user_id, network, Post(
        id=post_id,
        created_at=from_iso(created_at),
        replies=replies,
        reposts=reposts,
        quotes=quotes,
        likes=likes,
        has_media=bool(has_media),
        is_question=bool(is_question),
        is_reply=bool(is_reply),
        is_repost=bool(is_repost),
        parent_id=parent_id,
        reply_to_self=bool(reply_to_self),
        reactors=_reactors_from_json(reactors_json),
    )


def _reactors_to_json(reactors: tuple[tuple[str, int], ...] | None) -> str | None:
    return None if reactors is None else json.dumps([[who, n] for who, n in reactors])


def _reactors_from_json(text: str | None) -> tuple[tuple[str, int], ...] | None:
    """Stored by this module; anything unreadable counts as not sampled."""
    if text is None:
        return None
    try:
        return tuple((str(who), int(n)) for who, n in json.loads(text))
    except (ValueError, TypeError):
        return None


def _post_row(member: tuple[str, str, str], post: Post, now: datetime) -> tuple[object, ...]:
    return (
        *member,
        post.id,
        to_iso(min(post.created_at, now)),
        post.replies,
        post.reposts,
        post.quotes,
        post.likes,
        int(post.has_media),
        int(post.is_question),
        int(post.is_reply),
        int(post.is_repost),
        post.parent_id,
        int(post.reply_to_self),
        _reactors_to_json(post.reactors),
    )


class ActivityRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save_fetch(self, handle: Handle, fetched: FetchedAccount, now: datetime) -> bool:
        """Store the day's snapshot and the posts only while the account is still claimed;
        False when nothing was stored.

        The claim check (`fetched_claim_holds`) and the writes share one transaction: a
        member's `forget` or `unregister` during the fetch is not undone, and refresh
        costs one write transaction per account, which commands queue behind.
        Dates from the future (a clock that jumped, a hostile server) are taken
        as the fetch time, so they are pruned and weighed like any other post.
        """
        async with self._db.transaction() as conn:
            if not await fetched_claim_holds(conn, handle, fetched.account_id, now):
                return False
            member = (handle.team_id, handle.user_id, handle.network)
            await conn.execute(
                "DELETE FROM metric_snapshots WHERE team_id = ? AND user_id = ? AND network = ?"
                " AND day > ?", (*member, now.date().isoformat()),
            )
            await conn.execute(
                "INSERT INTO metric_snapshots (team_id, user_id, network, day,"
                " fetched_at, followers, following, posts, extra_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (team_id, user_id, network, day)"
                " DO UPDATE SET fetched_at = excluded.fetched_at, followers = excluded.followers,"
                " following = excluded.following, posts = excluded.posts,"
                " extra_json = excluded.extra_json",
                (*member, now.date().isoformat(), to_iso(now), fetched.followers,
                 fetched.following, fetched.posts_count,
                 json.dumps(dict(fetched.extra), sort_keys=True)),
            )
            await conn.executemany(
                f"INSERT INTO posts ({_POST_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                f" ON CONFLICT (team_id, user_id, network, post_id) DO UPDATE SET {_POST_UPDATE}",
                [_post_row(member, post, now) for post in fetched.posts],
            )
            await conn.execute(
                "UPDATE handles SET last_fetched_at = ?, account_id = ?, stale_reason = NULL,"
                " stale_since = NULL WHERE team_id = ? AND user_id = ? AND network = ?",
                (to_iso(now), fetched.account_id, *member),
            )
        return True

    async def latest_snapshots(self, team_id: str, user_id: str) -> list[Snapshot]:
        return (await self.latest_snapshots_of(team_id, [user_id]))[user_id]

    async def latest_snapshots_of(
        self, team_id: str, user_ids: Sequence[str]
    ) -> dict[str, list[Snapshot]]:
        """Each member's newest snapshot per network: the last good data."""
        found: dict[str, list[Snapshot]] = {user_id: [] for user_id in user_ids}
        for chunk in chunks(user_ids):
            rows = await self._db.fetch_all(
                "SELECT s.* FROM metric_snapshots s WHERE s.team_id = ?"
                f" AND s.user_id IN ({marks(chunk)})"
                " AND s.day = (SELECT MAX(day) FROM metric_snapshots t WHERE t.team_id = s.team_id"
                " AND t.user_id = s.user_id AND t.network = s.network)"
                " ORDER BY s.user_id, s.network",
                (team_id, *chunk), bulk=True,
            )
            for row in rows:
                found[row["user_id"]].append(Snapshot(
                    network=row["network"],
                    day=date.fromisoformat(row["day"]),
                    fetched_at=from_iso(row["fetched_at"]),
                    followers=row["followers"],
                    following=row["following"],
                    posts=row["posts"],
                    extra_json=row["extra_json"],
                ))
        return found

    async def posts(
        self, team_id: str, user_id: str, since: datetime
    ) -> dict[str, list[Post]]:
        """The member's posts since `since` by network, newest first."""
        return (await self.posts_of(team_id, [user_id], since))[user_id]

    async def posts_of(
        self, team_id: str, user_ids: Sequence[str], since: datetime
    ) -> dict[str, dict[str, list[Post]]]:
        found: dict[str, dict[str, list[Post]]] = {user_id: {} for user_id in user_ids}
        for chunk in chunks(user_ids):
            rows = await self._db.fetch_all(
                # No ORDER BY: it would make SQLite walk the date index over every
                # member's posts; sorting each member's few posts here is cheap.
                f"SELECT {_READ_COLUMNS} FROM posts WHERE team_id = ?"
                f" AND user_id IN ({marks(chunk)}) AND created_at >= ?",
                (team_id, *chunk, to_iso(since)), bulk=True,
            )
            for row in rows:
                user_id, network, post = _post(row)
                found[user_id].setdefault(network, []).append(post)
        for networks in found.values():
            for posts in networks.values():
                posts.sort(key=lambda post: post.created_at, reverse=True)
        return found

    async def prune_posts(self, older_than: datetime) -> int:
        """Raw posts outside the scoring window are not kept (privacy, size)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM posts WHERE created_at < ?", (to_iso(older_than),)
            )
            return cursor.rowcount
