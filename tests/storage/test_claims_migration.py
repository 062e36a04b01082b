"""Migration 0006: a schema-4 database written by score v1's own code upgrades in place,
nothing lost, and duplicate claims in a team are settled (verified first, then oldest)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from chatbot.influence.leaderboards import Leaderboards
from chatbot.storage import Database, open_storage
from chatbot.storage.database import LATEST_VERSION
from chatbot.storage.notices import CLAIM_RESOLVED
from chatbot.storage.schema import head
from commands.context import Caller, Services
from commands.registry import Dispatcher
from tests.support.fakes import FakeEngine, FakeFollowFriday, FrozenClock
from tests.support.legacy_db import make_legacy

FIXTURE = Path(__file__).parent / "data" / "schema_v4.db"
TEAM = "slack:T0FIXTURE"
DAY = date(2026, 11, 20)
KEPT_TABLES = ("teams", "members", "scores", "network_scores", "endorsements", "goals")


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in (*KEPT_TABLES, "handles", "posts", "metric_snapshots")}


async def test_the_schema_4_fixture_upgrades_in_place_and_settles_duplicate_claims(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v4.db"
    shutil.copy(FIXTURE, path)
    before = _counts(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
    storage = await open_storage(path)
    try:
        state = await storage.db.schema()
        assert (state.user_version, state.revision) == (LATEST_VERSION, head())
        after = _counts(path)
        assert {t: after[t] for t in KEPT_TABLES} == {t: before[t] for t in KEPT_TABLES}
        # Two losing claims go, each with its three posts and its snapshot.
        assert after["handles"] == before["handles"] - 2
        assert after["posts"] == before["posts"] - 6
        assert after["metric_snapshots"] == before["metric_snapshots"] - 2
        claims = {(h.user_id, h.network): h for h in await storage.handles.for_team(TEAM)}
        # cyd's verified claim beats bob's older unverified one on the same GitHub id;
        # between two unverified claims on one DID the older (ada's) stays.
        assert ("bob", "github") not in claims and claims[("cyd", "github")].verified
        assert ("eve", "bluesky") not in claims and ("ada", "bluesky") in claims
        # Mastodon's server-local ids are cleared, so equal ids on two servers stay two.
        assert claims[("ada", "mastodon")].account_id is None
        assert claims[("dan", "mastodon")].account_id is None
        assert ("dan", "github") in claims
        elsewhere = await storage.handles.for_team("discord:4242")
        assert [(h.user_id, h.account_id) for h in elsewhere] == [("ada", "583231")]
        for loser, network, handle in (("bob", "github", "octocat"),
                                       ("eve", "bluesky", "ada-alias.bsky.social")):
            [notice] = await storage.notices.take(TEAM, loser)
            assert (notice.kind, notice.network, notice.handle) == (
                CLAIM_RESOLVED, network, handle)
        for kept in ("ada", "cyd", "dan"):
            assert await storage.notices.take(TEAM, kept) == []
        # Every team is provisional now; unverified or lost claims left the boards.
        assert all(not team.count_unverified for team in await storage.teams.list_all())
        # Only cyd has nothing unverified and lost nothing; the others' history stays.
        assert set(await storage.scores.values_on(TEAM, DAY)) == {"cyd"}
        for user in ("ada", "bob", "dan", "eve"):
            assert len(await storage.scores.history(TEAM, user, DAY - timedelta(days=9))) == 3
        with sqlite3.connect(path) as conn:
            index = conn.execute("SELECT sql FROM sqlite_master WHERE name='handles_account'"
                                 ).fetchone()[0]
        assert "account_id" in index
    finally:
        await storage.close()


CLAIM = st.tuples(
    st.sampled_from(["u1", "u2", "u3", "u4"]),  # member
    st.sampled_from(["github", "bluesky", "mastodon"]),
    st.sampled_from(["A", "B", None]),  # account id (None: unknown)
    st.booleans(),  # verified
    st.integers(min_value=0, max_value=5),  # day registered
)


@settings(max_examples=40, deadline=None)
@given(claims=st.lists(CLAIM, max_size=10))
def test_after_the_migration_each_account_has_the_claim_that_should_win(
    claims: list[tuple[str, str, str | None, bool, int]],
) -> None:
    asyncio.run(_check_migration(claims))


async def _check_migration(claims: list[tuple[str, str, str | None, bool, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "v5.db"
        conn = make_legacy(path, 5)
        conn.execute("INSERT INTO teams (team_id, platform, created_at)"
                     " VALUES ('t', 'console', '2026-01-01')")
        rows: dict[tuple[str, str], tuple[str | None, bool, int]] = {}
        for user, network, account, verified, day in claims:
            rows.setdefault((user, network), (account, verified, day))
        for (user, network), (account, verified, day) in rows.items():
            conn.execute("INSERT OR IGNORE INTO members (team_id, user_id, joined_at)"
                         " VALUES ('t', ?, '2026-01-01')", (user,))
            created = f"2026-01-0{day + 1}T00:00:00+00:00"
            # Handles were unique as typed, so every claim here is spelt its own way.
            conn.execute(
                "INSERT INTO handles (team_id, user_id, network, handle, account_id,"
                " verify_code, verified_at, created_at) VALUES ('t', ?, ?, ?, ?, 'c', ?, ?)",
                (user, network, f"{user}-{network}", account,
                 created if verified else None, created))
        conn.commit()
        conn.close()
        db = await Database.open(path)
        try:
            await _check_outcome(db, rows)
        finally:
            await db.close()


async def _check_outcome(db: Database,
                         rows: dict[tuple[str, str], tuple[str | None, bool, int]]) -> None:
    kept = {(r["user_id"], r["network"]) for r in await db.fetch_all(
        "SELECT user_id, network FROM handles")}
    told = {(r["user_id"], r["network"]) for r in await db.fetch_all(
        "SELECT user_id, network FROM member_notices")}
    expected_kept: set[tuple[str, str]] = set()
    groups: dict[tuple[str, str], list[tuple[bool, str, str]]] = {}
    for (user, network), (account, verified, day) in rows.items():
        if network == "mastodon" or account is None:
            expected_kept.add((user, network))  # no known id: nothing to compare
            continue
        groups.setdefault((network, account), []).append((not verified, f"{day}", user))
    for (network, _account), members in groups.items():
        expected_kept.add((min(members)[2], network))
    assert kept == expected_kept
    assert told == set(rows) - expected_kept


async def test_members_whose_claims_the_upgrade_removed_are_told_on_their_next_command(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v4.db"
    shutil.copy(FIXTURE, path)
    storage = await open_storage(path)
    try:
        services = Services(storage=storage, engine=FakeEngine(),
                            followfriday=FakeFollowFriday(storage), clock=FrozenClock(),
                            boards=Leaderboards(storage))
        dispatcher = Dispatcher(services)

        async def run(user: str, text: str) -> str:
            caller = Caller(TEAM, "slack", user, user.capitalize(), team_name="Acme")
            reply = await dispatcher.run_text(caller, text, _no_mentions)
            return reply.text

        told = await run("bob", "handles")
        assert ("octocat on GitHub was registered by another member of this team too"
                in told)
        assert "/klout register github octocat" in told
        assert "registered by another member" not in await run("bob", "handles")
        assert "registered by another member" not in await run("cyd", "handles")
    finally:
        await storage.close()


def _no_mentions(text: str) -> str | None:
    return None
