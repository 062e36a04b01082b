"""Writes schema_v4.db with the storage API of schema version 4 (commit d212e3d~1).

Run from a checkout of that commit so its own code writes the file:
    git worktree add /tmp/v4 d212e3d~1
    PYTHONPATH=/tmp/v4 python tests/storage/data/write_schema_v4.py OUT.db
The file is committed; this script documents what it holds and how it was made.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, date, datetime, timedelta

from chatbot.storage import open_storage
from chatbot.values.accounts import Post

TEAM = "slack:T0FIXTURE"
OTHER_TEAM = "discord:4242"
DAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


async def main(path: str) -> None:
    storage = await open_storage(path)
    assert await storage.db.schema_version() == 4, "run this with the schema-4 code"
    for team, platform, name in ((TEAM, "slack", "Acme"), (OTHER_TEAM, "discord", "Guild")):
        await storage.teams.ensure(team, platform, name, NOW - timedelta(days=60))
    people = ("ada", "bob", "cyd", "dan", "eve")
    for offset, user in enumerate(people):
        await storage.members.ensure(TEAM, user, user.capitalize(),
                                     NOW - timedelta(days=50 - offset))
    await storage.members.ensure(OTHER_TEAM, "ada", "Ada", NOW - timedelta(days=40))
    # (team, member, network, handle as typed, account id, days ago, verified)
    claims = (
        # One GitHub account claimed twice in TEAM by two spellings: bob's older claim is
        # unverified, cyd's newer one verified, so cyd keeps it.
        (TEAM, "bob", "github", "octocat", "583231", 30, False),
        (TEAM, "cyd", "github", "OctoCat", "583231", 20, True),
        # The same Bluesky DID twice, neither verified: ada's older claim wins.
        (TEAM, "ada", "bluesky", "ada.bsky.social", "did:plc:ada", 40, False),
        (TEAM, "eve", "bluesky", "ada-alias.bsky.social", "did:plc:ada", 10, False),
        # Mastodon ids were server-local: equal ids on two servers are two accounts.
        (TEAM, "ada", "mastodon", "ada@one.example", "7", 40, True),
        (TEAM, "dan", "mastodon", "dan@two.example", "7", 35, False),
        (TEAM, "dan", "github", "dan-dev", "99", 35, True),
        # Another team may hold the same account: claims are per team.
        (OTHER_TEAM, "ada", "github", "octocat", "583231", 15, True),
    )
    for team, user, network, handle, account_id, days, verified in claims:
        when = NOW - timedelta(days=days)
        await storage.handles.add(team, user, network, handle, account_id,
                                  f"klout-FIX-{user}-{network}", when)
        if verified:
            await storage.handles.mark_verified(team, user, network, when + timedelta(hours=1))
        await storage.activity.save_snapshot(team, user, network, DAY, NOW, 100 + days, 50,
                                             20, {})
        await storage.activity.save_posts(team, user, network, [
            Post(f"{network}-{user}-{n}", NOW - timedelta(days=n * 3), replies=n, likes=3 * n)
            for n in range(1, 4)
        ])
        await storage.handles.mark_fetched(team, user, network, account_id, NOW)
    for team, user in ((TEAM, u) for u in people):
        values = {"ada": 31.0, "bob": 62.0, "cyd": 58.0, "dan": 24.0, "eve": 40.0}
        for back in range(3):
            raw = values[user] - back
            components = {"version": "1.0", "score": round(raw), "raw": raw, "networks": {}}
            await storage.scores.save_day(team, user, DAY - timedelta(days=back), round(raw), raw,
                                          "1.0", json.dumps(components), {"github": raw}, NOW)
    await storage.endorsements.add(TEAM, "ada", "bob", "Python", NOW)
    await storage.endorsements.add(TEAM, "cyd", "ada", "Rust", NOW)
    await storage.goals.set(TEAM, "dan", 40, None, 24.0, NOW)
    await storage.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
