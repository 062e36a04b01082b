"""Large teams written straight into a real database, the way refresh would leave them.

Seeding speed is not what the benchmarks measure, so rows go in through bulk
`executemany` inside one transaction per chunk instead of one repository call
per row. The rows are shaped like the real ones: the stored score components
come from the real scoring code, so row sizes (and so scan costs and database
size) match production.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from chatbot.clock import to_iso
from chatbot.influence.score import combine, result_to_json, score_account
from chatbot.storage import Storage
from chatbot.storage.models import Member
from chatbot.values.accounts import AccountSnapshot, Post, Profile

CHUNK = 2_000
NETWORKS: tuple[str, ...] = ("mastodon", "github")


def member_id(index: int) -> str:
    return f"U{index:06d}"


def member_name(index: int) -> str:
    return f"member{index:06d}"


def handle_of(network: str, index: int) -> str:
    if network == "mastodon":
        return f"member{index}@mastodon.example"
    if network == "bluesky":
        return f"member{index}.bsky.social"
    return f"member{index}"


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def synthetic_posts(count: int, now: datetime, rng: random.Random, prefix: str) -> list[Post]:
    """A member's posts spread over the last 80 days with modest engagement."""
    return [
        Post(
            id=f"{prefix}-{n}",
            created_at=now - timedelta(hours=rng.uniform(1, 80 * 24)),
            replies=rng.randint(0, 5),
            reposts=rng.randint(0, 8),
            quotes=rng.randint(0, 2),
            likes=rng.randint(0, 40),
            has_media=rng.random() < 0.2,
            is_question=rng.random() < 0.1,
            is_reply=rng.random() < 0.3,
        )
        for n in range(count)
    ]


def realistic_components(now: datetime, networks: Sequence[str] = NETWORKS) -> str:
    """The components JSON the real scorer stores for a typical two-network member."""
    rng = random.Random(7)
    accounts = [
        score_account(
            AccountSnapshot(
                Profile(network=net, handle=handle_of(net, 1), account_id="1",
                        followers=850, following=300, posts_count=1200,
                        extra={"stars": 40, "forks": 9, "public_repos": 30}
                        if net == "github" else {}),
                tuple(synthetic_posts(20, now, rng, net)),
                now,
            ),
            now,
            90,
        )
        for net in networks
    ]
    return json.dumps(result_to_json(combine(accounts)), sort_keys=True)


@dataclass(frozen=True)
class SeededTeam:
    team_id: str
    members: int
    days: int
    today: date


def _chunks(total: int) -> Iterator[range]:
    for start in range(0, total, CHUNK):
        yield range(start, min(total, start + CHUNK))


async def seed_team(
    storage: Storage,
    team_id: str,
    members: int,
    *,
    days: int,
    today: date,
    networks: Sequence[str] = NETWORKS,
    seed: int = 1,
    compact_history: bool = False,
) -> SeededTeam:
    """`members` members, each with a handle per network and `days` daily scores.

    Scores random-walk per member so the leaderboard has realistic ties and
    rank changes; the newest day is `today`. A real score row carries ~2 KB of
    components; `compact_history` keeps that only on the newest day, so a
    100,000-member team fits on disk and seeds in minutes. Leaderboard queries
    read `raw` from the newest rows and only keys from older ones, so their
    cost barely depends on the older rows' size.
    """
    rng = random.Random(seed)
    moment = noon(today)
    stamp = to_iso(moment)
    await storage.teams.ensure(team_id, team_id.split(":")[0], "Bench team", moment)
    components = realistic_components(moment, networks)
    compact = json.dumps({"version": "1.0", "networks": {}})
    first_day = today - timedelta(days=days - 1)
    day_text = [(first_day + timedelta(days=d)).isoformat() for d in range(days)]
    for block in _chunks(members):
        member_rows = [
            (team_id, member_id(i), member_name(i), stamp, stamp) for i in block
        ]
        handle_rows = [
            (team_id, member_id(i), net, handle_of(net, i), f"{net}-{i}", f"klout-{i:06d}",
             stamp, stamp, stamp)
            for i in block
            for net in networks
        ]
        score_rows: list[tuple[object, ...]] = []
        network_rows: list[tuple[object, ...]] = []
        for i in block:
            value = rng.uniform(5, 90)
            for day in day_text:
                value = min(100.0, max(1.0, value + rng.uniform(-1.5, 1.6)))
                stored = compact if compact_history and day != day_text[-1] else components
                score_rows.append((team_id, member_id(i), day, round(value), value, "1.0",
                                   stored, stamp))
                for offset, net in enumerate(networks):
                    network_rows.append((team_id, member_id(i), day, net,
                                         max(0.0, value - 3.0 * offset)))
        # The one-row-per-member tables `save_days` keeps beside the history.
        newest = day_text[-1]
        latest_rows = [(t, u, d, score, raw) for t, u, d, score, raw, *_ in score_rows
                       if d == newest]
        latest_network_rows = [(t, u, net, d, value) for t, u, d, net, value in network_rows
                               if d == newest]
        async with storage.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO members (team_id, user_id, display_name, joined_at,"
                " last_refreshed_at) VALUES (?, ?, ?, ?, ?)",
                member_rows,
            )
            await conn.executemany(
                "INSERT INTO handles (team_id, user_id, network, handle, account_id,"
                " verify_code, verified_at, created_at, last_fetched_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                handle_rows,
            )
            await conn.executemany(
                "INSERT INTO scores (team_id, user_id, day, score, raw, version,"
                " components_json, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                score_rows,
            )
            await conn.executemany(
                "INSERT INTO network_scores (team_id, user_id, day, network, score)"
                " VALUES (?, ?, ?, ?, ?)",
                network_rows,
            )
            await conn.executemany(
                "INSERT INTO latest_scores (team_id, user_id, day, score, raw)"
                " VALUES (?, ?, ?, ?, ?)",
                latest_rows,
            )
            await conn.executemany(
                "INSERT INTO latest_network_scores (team_id, user_id, network, day, score)"
                " VALUES (?, ?, ?, ?, ?)",
                latest_network_rows,
            )
    await storage.db.analyze()
    return SeededTeam(team_id=team_id, members=members, days=days, today=today)


async def seed_activity(
    storage: Storage,
    team_id: str,
    members: int,
    *,
    day: date,
    posts_per_handle: int,
    networks: Sequence[str] = NETWORKS,
    seed: int = 2,
) -> None:
    """Today's metric snapshot and the window's posts for every seeded handle."""
    rng = random.Random(seed)
    now = noon(day)
    stamp = to_iso(now)
    for block in _chunks(members):
        snapshot_rows = []
        post_rows = []
        for i in block:
            for net in networks:
                extra = {"stars": rng.randint(0, 500), "forks": rng.randint(0, 50),
                         "public_repos": rng.randint(1, 80)} if net == "github" else {}
                snapshot_rows.append((
                    team_id, member_id(i), net, day.isoformat(), stamp,
                    rng.randint(10, 20_000), rng.randint(10, 2_000), rng.randint(10, 9_000),
                    json.dumps(extra, sort_keys=True),
                ))
                for post in synthetic_posts(posts_per_handle, now, rng, f"{net}-{i}"):
                    post_rows.append((
                        team_id, member_id(i), net, post.id, to_iso(post.created_at),
                        post.replies, post.reposts, post.quotes, post.likes,
                        int(post.has_media), int(post.is_question), int(post.is_reply),
                        int(post.is_repost),
                    ))
        async with storage.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO metric_snapshots (team_id, user_id, network, day,"
                " fetched_at, followers, following, posts, extra_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                snapshot_rows,
            )
            await conn.executemany(
                "INSERT INTO posts (team_id, user_id, network, post_id,"
                " created_at, replies, reposts, quotes, likes, has_media, is_question,"
                " is_reply, is_repost) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                post_rows,
            )


async def seed_members(
    storage: Storage, team_id: str, handles: Sequence[Mapping[str, str]], now: datetime
) -> list[Member]:
    """Members never refreshed yet, member i holding `handles[i]` (network -> handle)."""
    stamp = to_iso(now)
    await storage.teams.ensure(team_id, team_id.split(":")[0], "Bench team", now)
    async with storage.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO members (team_id, user_id, display_name, joined_at) VALUES (?, ?, ?, ?)",
            [(team_id, member_id(i), member_name(i), stamp) for i in range(len(handles))],
        )
        await conn.executemany(
            # Verified: a provisional team (the default) scores only verified accounts.
            "INSERT INTO handles (team_id, user_id, network, handle, verify_code, verified_at,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(team_id, member_id(i), net, handle, f"klout-{i:06d}", stamp, stamp)
             for i, owned in enumerate(handles) for net, handle in owned.items()],
        )
    return await storage.members.all(team_id)
