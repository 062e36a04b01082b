from __future__ import annotations

from datetime import timedelta

from chatbot.influence.networks.base import Post
from chatbot.storage import Storage
from tests.support.fakes import FrozenClock

TEAM = "console:acme"


async def test_posts_older_than_the_window_are_deleted(storage: Storage,
                                                       clock: FrozenClock) -> None:
    now = clock.now()
    await storage.teams.ensure(TEAM, "console", "acme", now)
    await storage.members.ensure(TEAM, "alice", "alice", now)
    await storage.activity.save_posts(TEAM, "alice", "github", [
        Post("new", now - timedelta(days=10), likes=3),
        Post("old", now - timedelta(days=91), likes=9),
    ])
    assert await storage.activity.prune_posts(now - timedelta(days=90)) == 1
    kept = await storage.activity.posts(TEAM, "alice", now - timedelta(days=365))
    assert [post.id for post in kept["github"]] == ["new"]


async def test_a_posts_counts_are_updated_when_seen_again(storage: Storage,
                                                          clock: FrozenClock) -> None:
    now = clock.now()
    await storage.teams.ensure(TEAM, "console", "acme", now)
    await storage.members.ensure(TEAM, "alice", "alice", now)
    await storage.activity.save_posts(TEAM, "alice", "bluesky", [Post("p", now, likes=1)])
    await storage.activity.save_posts(TEAM, "alice", "bluesky", [Post("p", now, likes=7)])
    kept = await storage.activity.posts(TEAM, "alice", now - timedelta(days=1))
    assert [post.likes for post in kept["bluesky"]] == [7]
