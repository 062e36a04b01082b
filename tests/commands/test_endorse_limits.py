"""Endorsement limits hold when gives arrive together, and look-alike topics are one topic."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from chatbot.influence.leaderboards import Leaderboards
from chatbot.platforms.console import ConsoleSession
from chatbot.storage import Database, Storage
from chatbot.storage.topics import topic_key
from chatbot.values.reply import Tone
from commands.context import Services
from commands.endorse import DAILY_CAP, GIVE
from commands.registry import Dispatcher
from tests.support.fakes import FakeEngine, FakeFollowFriday, FrozenClock
from tests.support.legacy_db import make_legacy

TEAM = "console:acme"


async def _team(storage: Storage, clock: FrozenClock, *names: str) -> None:
    await storage.teams.ensure(TEAM, "console", "acme", clock.now())
    for name in names:
        await storage.members.ensure(TEAM, name, name, clock.now())


async def _stored(storage: Storage) -> list[tuple[str, str]]:
    rows = await storage.db.fetch_all(
        "SELECT receiver_id, topic_key FROM endorsements ORDER BY id")
    return [(row["receiver_id"], row["topic_key"]) for row in rows]


async def test_twelve_gives_at_once_store_exactly_the_daily_cap(
    dispatcher: Dispatcher, storage: Storage, clock: FrozenClock
) -> None:
    receivers = [f"m{i}" for i in range(12)]
    await _team(storage, clock, "alice", *receivers)
    alice = ConsoleSession(dispatcher, "alice", "acme")
    replies = await asyncio.gather(*(alice.handle(f"give @{r} python") for r in receivers))
    assert sum(reply.tone is Tone.SUCCESS for reply in replies) == DAILY_CAP
    assert all("daily maximum" in r.text for r in replies if r.tone is Tone.ERROR)
    assert len(await _stored(storage)) == DAILY_CAP


async def test_eight_identical_gives_at_once_store_one(
    dispatcher: Dispatcher, storage: Storage, clock: FrozenClock
) -> None:
    await _team(storage, clock, "alice", "bob")
    alice = ConsoleSession(dispatcher, "alice", "acme")
    replies = await asyncio.gather(*(alice.handle("give @bob python") for _ in range(8)))
    assert [r.tone for r in replies].count(Tone.SUCCESS) == 1
    assert await _stored(storage) == [("bob", "python")]


async def test_gives_from_two_processes_share_the_cap(database_url: str, clock: FrozenClock
                                                      ) -> None:
    """Two pools (as two bot processes would have) still count each other's gives."""
    first = Storage.over(await Database.open(database_url))
    second = Storage.over(await Database.open(database_url))
    try:
        await _team(first, clock, "alice", *(f"m{i}" for i in range(12)))
        sessions = [ConsoleSession(Dispatcher(_services(s, clock)), "alice", "acme")
                    for s in (first, second)]
        replies = await asyncio.gather(*(sessions[i % 2].handle(f"give @m{i} python")
                                         for i in range(12)))
        assert sum(r.tone is Tone.SUCCESS for r in replies) == DAILY_CAP
        assert len(await _stored(first)) == DAILY_CAP
    finally:
        await first.close()
        await second.close()


def _services(storage: Storage, clock: FrozenClock) -> Services:
    return Services(storage=storage, engine=FakeEngine(), followfriday=FakeFollowFriday(storage),
                    clock=clock, boards=Leaderboards(storage))


async def test_look_alike_topics_are_one_topic(
    dispatcher: Dispatcher, storage: Storage, clock: FrozenClock
) -> None:
    await _team(storage, clock, "alice", "bob", "carol")
    alice = ConsoleSession(dispatcher, "alice", "acme")
    assert (await alice.handle("give @bob python")).tone is Tone.SUCCESS
    for look_alike in ("ｐｙｔｈｏｎ", "pythоn", "PYTHΟN", "p\u0308ython", "pyth\u0301on"):
        again = await alice.handle(f"give @bob {look_alike}")
        assert again.tone is Tone.ERROR and "this week" in again.text, look_alike
    carol = ConsoleSession(dispatcher, "carol", "acme")
    assert "2 endorsements so far" in (await carol.handle("give @bob ｐｙｔｈｏｎ")).text
    topics = await carol.handle("topics @bob")
    assert [f.label for f in topics.fields] == ["python · +2"]


async def test_a_topic_of_combining_marks_only_is_refused(
    dispatcher: Dispatcher, storage: Storage, clock: FrozenClock
) -> None:
    await _team(storage, clock, "alice", "bob")
    alice = ConsoleSession(dispatcher, "alice", "acme")
    reply = await alice.handle("give @bob \u0301\u0308\u0301")
    assert reply.tone is Tone.ERROR and "A topic is" in reply.text
    assert await _stored(storage) == []


async def test_keys_stored_before_the_skeleton_are_recomputed(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    raw = make_legacy(path, 6)
    raw.executescript(
        "INSERT INTO teams (team_id, platform, created_at) VALUES ('console:t', 'console', 'x');"
        "INSERT INTO members (team_id, user_id, joined_at) VALUES ('console:t', 'a', 'x'),"
        " ('console:t', 'b', 'x');"
        "INSERT INTO endorsements (team_id, giver_id, receiver_id, topic, topic_key, given_at)"
        " VALUES ('console:t', 'a', 'b', 'ｐｙｔｈｏｎ', 'ｐｙｔｈｏｎ', 'x'),"
        " ('console:t', 'a', 'b', 'pythоn', 'pythоn', 'x');")
    raw.commit()
    raw.close()
    storage = Storage.over(await Database.open(path))
    try:
        topics = await storage.endorsements.topics("console:t", "b")
        assert [(t.count) for t in topics] == [2]
    finally:
        await storage.close()


@given(st.text(max_size=30))
def test_a_key_is_its_own_key(text: str) -> None:
    assert topic_key(topic_key(text)) == topic_key(text)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщыэюяіјѕ ",
               max_size=30))
def test_latin_and_cyrillic_keys_ignore_case(text: str) -> None:
    assert topic_key(text.upper()) == topic_key(text) == topic_key(text.title())


def test_the_help_states_the_daily_cap_that_is_enforced() -> None:
    """The summary is a catalog entry, so it spells the number out; it must stay the cap."""
    assert f"; {DAILY_CAP} a day," in GIVE.summary
