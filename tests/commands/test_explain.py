"""`/klout explain` speaks of the number the card shows, and of score versions honestly."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta

from chatbot.influence.score import (
    SCORE_VERSION,
    ScoreResult,
    combine,
    result_to_json,
    score_account,
)
from chatbot.platforms.console import ConsoleSession
from chatbot.storage import Storage
from chatbot.storage.activity import FetchedAccount
from chatbot.storage.scores import DayScore
from chatbot.values.accounts import AccountSnapshot, Post, Profile
from chatbot.values.reply import Reply
from tests.support.fakes import FrozenClock

TEAM = "console:acme"


def _posts(now: datetime, likes: int) -> list[Post]:
    return [Post(f"p{i}-{likes}", now - timedelta(days=i * 3 + 0.5), likes=likes, replies=3,
                 reposts=2) for i in range(25)]


def _result(now: datetime, posts: list[Post]) -> ScoreResult:
    profile = Profile("bluesky", "alice.bsky.social", "did:plc:alice", followers=2_000,
                      following=300, posts_count=400)
    return combine([score_account(AccountSnapshot(profile, tuple(posts), now), now)])


async def _seed(storage: Storage, now: datetime) -> None:
    await storage.teams.ensure(TEAM, "console", "acme", now)
    await storage.members.ensure(TEAM, "alice", "alice", now)
    await storage.handles.add(TEAM, "alice", "bluesky", "alice.bsky.social", "did:plc:alice",
                              "code", now)
    await storage.handles.mark_verified(TEAM, "alice", "bluesky", now)


async def _save(storage: Storage, moment: datetime, shown: float, result: ScoreResult) -> None:
    data = result_to_json(result)
    await storage.scores.save_days([DayScore(
        TEAM, "alice", moment.date(), round(shown), shown, result.version, json.dumps(data),
        {name: item.score for name, item in result.networks.items()}, moment,
    )])


def _field(reply: Reply, label: str) -> str:
    return next(field.value for field in reply.fields if field.label == label)


async def test_explain_speaks_of_the_shown_score_and_where_the_computed_one_is(
    console: ConsoleSession, storage: Storage, clock: FrozenClock
) -> None:
    now = clock.now()
    await _seed(storage, now)
    result = _result(now, _posts(now, likes=30))
    shown = result.raw - 3.4  # smoothing still catching up with a good week
    await _save(storage, now, shown, result)

    card = await console.handle("")
    explained = await console.handle("explain")
    on_card = int(card.title.rsplit(" ", 1)[1])
    assert on_card == round(shown)
    assert f"score: {on_card}," in explained.title
    everything = " ".join(field.value for field in explained.fields)
    # Every "score of N" is the card's number; the computed one is named as such.
    assert set(re.findall(r"score of (\d+)", everything)) == {str(on_card)}
    assert f"today's activity computes to {result.raw:.1f}" in everything
    standing = _field(explained, "Where it stands")
    assert f"Your card shows {on_card}" in standing and "rising towards it" in standing


async def test_explain_names_the_component_that_moved_most(
    console: ConsoleSession, storage: Storage, clock: FrozenClock
) -> None:
    now = clock.now()
    await _seed(storage, now)
    week_ago = now - timedelta(days=7)
    before = _result(week_ago, _posts(week_ago, likes=5))
    after = _result(now, _posts(now, likes=60))
    await _save(storage, week_ago, before.raw, before)
    await _save(storage, now, after.raw, after)
    changes = _field(await console.handle("explain"), "Since last week")
    lines = changes.split("\n")
    assert lines[0] == f"• Your score rose from {before.score} to {after.score} " \
                       f"(+{after.score - before.score})."
    assert lines[1].startswith("• Moved most: Bluesky engagement per post rose")


async def test_a_point_of_an_older_formula_is_recomputed_not_called_a_change(
    console: ConsoleSession, storage: Storage, clock: FrozenClock
) -> None:
    now = clock.now()
    await _seed(storage, now)
    week_ago = now - timedelta(days=7)
    posts = _posts(week_ago, likes=20)
    handle = await storage.handles.get(TEAM, "alice", "bluesky")
    assert handle is not None
    assert await storage.activity.save_fetch(
        handle, FetchedAccount("did:plc:alice", 100, 10, len(posts), {}, posts), now)
    old = _result(week_ago, posts)
    v1 = replace(old, version="1.0", score=71, raw=71.0)
    await _save(storage, week_ago, 71.0, v1)
    current = _result(now, posts)
    await _save(storage, now, current.raw, current)

    changes = _field(await console.handle("explain"), "Since last week")
    assert f"Last week's score was 71 under formula v1.0. Recomputed with v{SCORE_VERSION}" \
        in changes
    assert "part of this change comes from that" not in changes
    # Nothing happened but a week of ageing: the recomputed score is last week's v2 score.
    assert f"it was {old.score}," in changes
    history = await storage.scores.history(TEAM, "alice", week_ago.date())
    assert [point.version for point in history] == ["1.0", SCORE_VERSION]


async def test_the_cards_change_does_not_count_a_formula_change_as_a_real_one(
    console: ConsoleSession, storage: Storage, clock: FrozenClock
) -> None:
    """Same posts, same counts: a v1 point a week ago and today's v2 point differ only by
    formula, so the card's 7-day change and sparkline show no move."""
    now = clock.now()
    await _seed(storage, now)
    week_ago = now - timedelta(days=7)
    posts = _posts(week_ago, likes=20)
    handle = await storage.handles.get(TEAM, "alice", "bluesky")
    assert handle is not None
    assert await storage.activity.save_fetch(
        handle, FetchedAccount("did:plc:alice", 100, 10, len(posts), {}, posts), now)
    old = _result(week_ago, posts)
    for days in range(7, 0, -1):
        moment = now - timedelta(days=days)
        await _save(storage, moment, 71.0, replace(old, version="1.0", score=71, raw=71.0))
    current = _result(now, posts)  # nothing new happened since
    assert abs(current.raw - 71.0) > 10  # the formula change alone would read as a big move
    await _save(storage, now, current.raw, current)

    card = await console.handle("")
    change = float(_field(card, "7 days").replace("±", "").replace("+", "").replace("−", "-"))
    # What is left is one day of ageing between the last v1 day and today (< 2 points).
    assert abs(change) <= 2, change
