"""Who reacted to a member's strongest posts, where the network tells, within budget.

Counts alone cannot tell twelve friends liking everything from an audience;
the list of who reacted can. Reading it costs requests, so only the member's
top `SAMPLED_POSTS` own posts in the window (by reactions) are sampled, one
page per kind of reaction, and only kinds the post actually received. The
requests go through the network's own fetcher and rate limiter, so they are
counted in its budget like every other request.

Sampling is an extra: a request that fails, or is refused because the budget
is spent (RateLimited), leaves that post's `reactors` None (not sampled) and
the post still counts. A member's refresh never fails for it; with the
budget spent the limiter refuses the remaining samples without sending them.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence

from chatbot.values.accounts import Post
from chatbot.values.network_errors import NetworkError

SAMPLED_POSTS = 3
"""Top posts per member whose reactors are read: at most 3 requests each (likes,
reposts, replies), so at most 9 requests per member and refresh."""

Reactors = tuple[tuple[str, int], ...]


def reactions(post: Post) -> int:
    return post.likes + post.reposts + post.quotes + post.replies


def top_posts(posts: Sequence[Post], count: int) -> list[Post]:
    """The member's own posts with the most reactions, newest first among equals."""
    own = [post for post in posts if not post.is_repost and reactions(post) > 0]
    own.sort(key=lambda post: (reactions(post), post.created_at), reverse=True)
    return own[:count]


def tally(reactor_ids: Iterable[str]) -> Reactors:
    """(stable id, reactions by that account), most active first, ties by id."""
    counts = Counter(who for who in reactor_ids if who)
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


async def with_sampled_reactors(
    posts: Sequence[Post],
    count: int,
    sample: Callable[[Post], Awaitable[Reactors]],
) -> list[Post]:
    """`posts` with `reactors` filled in for the top `count` of them, order kept."""
    sampled: dict[str, Reactors] = {}
    for post in top_posts(posts, count):
        try:
            sampled[post.id] = await sample(post)
        except NetworkError:
            continue
    return [
        dataclasses.replace(post, reactors=sampled[post.id]) if post.id in sampled else post
        for post in posts
    ]
