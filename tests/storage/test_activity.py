from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from chatbot.storage import Storage
from chatbot.storage.activity import FetchedAccount
from chatbot.values.accounts import Post
from tests.support.fakes import FrozenClock

TEAM = "console:acme"


async def _save_posts(storage: Storage, network: str, posts: Sequence[Post],
                      now: datetime) -> bool:
    """Alice's account on `network` fetched at `now` with these posts."""
    handle = await storage.handles.get(TEAM, "alice", network)
    if handle is None:
        handle = await storage.handles.add(TEAM, "alice", network, "alice", None, "code", now)
    return await storage.activity.save_fetch(
        handle, FetchedAccount("id-alice", 10, 5, len(posts), {}, posts), now)


async def test_posts_older_than_the_window_are_deleted(storage: Storage,
                                                       clock: FrozenClock) -> None:
    now = clock.now()
    await storage.teams.ensure(TEAM, "console", "acme", now)
    await storage.members.ensure(TEAM, "alice", "alice", now)
    await _save_posts(storage, "github", [
        Post("new", now - timedelta(days=10), likes=3),
        Post("old", now - timedelta(days=91), likes=9),
    ], now)
    assert await storage.activity.prune_posts(now - timedelta(days=90)) == 1
    kept = await storage.activity.posts(TEAM, "alice", now - timedelta(days=365))
    assert [post.id for post in kept["github"]] == ["new"]


async def test_a_posts_counts_are_updated_when_seen_again(storage: Storage,
                                                          clock: FrozenClock) -> None:
    now = clock.now()
    await storage.teams.ensure(TEAM, "console", "acme", now)
    await storage.members.ensure(TEAM, "alice", "alice", now)
    await _save_posts(storage, "bluesky", [Post("p", now, likes=1)], now)
    await _save_posts(storage, "bluesky", [Post("p", now, likes=7)], now)
    kept = await storage.activity.posts(TEAM, "alice", now - timedelta(days=1))
    assert [post.likes for post in kept["bluesky"]] == [7]


async def test_threads_and_reactors_survive_storage(storage: Storage,
                                                    clock: FrozenClock) -> None:
    """Score v2 reads self-replies and who reacted from stored posts, not from a fetch."""
    now = clock.now()
    await storage.teams.ensure(TEAM, "console", "acme", now)
    await storage.members.ensure(TEAM, "alice", "alice", now)
    await _save_posts(storage, "mastodon", [
        Post("root", now, replies=2, reactors=(("https://a.example/users/bob", 2),
                                                ("https://b.example/users/eve", 1))),
        Post("tail", now, is_reply=True, parent_id="root", reply_to_self=True),
    ], now)
    kept = {post.id: post
            for post in (await storage.activity.posts(TEAM, "alice", now))["mastodon"]}
    assert kept["root"].reactors == (("https://a.example/users/bob", 2),
                                     ("https://b.example/users/eve", 1))
    assert kept["root"].parent_id == "" and not kept["root"].reply_to_self
    assert kept["tail"].parent_id == "root" and kept["tail"].reply_to_self
    assert kept["tail"].reactors is None
