"""The weekly post on Slack is neither lost nor doubled when the bot dies mid-send.

The real SlackPlatform talks to the fake Web API: the post carries message metadata,
and a run after a crash reads conversations.history to decide.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

import pytest

from chatbot.delivery import PlatformDelivery
from chatbot.followfriday.schedule import KIND
from chatbot.platforms.slack_adapter import SlackPlatform
from chatbot.platforms.slack_delivery import METADATA_EVENT_TYPE
from chatbot.storage import Storage
from chatbot.storage.models import Team
from chatbot.values.delivery import PostMarker
from chatbot.values.reply import Reply
from tests.followfriday.support import at, make_service, make_team
from tests.platforms.slack.fake_slack_api import CHANNEL_ID, TEAM_ID, FakeSlack
from tests.support.fakes import FrozenClock

TEAM = f"slack:{TEAM_ID}"
FRIDAY = "2026-11-27"
WEEK = "2026-W48"


class ProcessKilled(BaseException):
    """The process dying (SIGKILL, power loss): nothing after it runs."""


@dataclass
class DiesWhilePosting:
    delivery: PlatformDelivery
    after_send: bool

    async def post(self, team: Team, reply: Reply, marker: PostMarker) -> None:
        if self.after_send:
            await self.delivery.post(team, reply, marker)
        raise ProcessKilled

    async def find(self, team: Team, marker: PostMarker) -> bool:
        return await self.delivery.find(team, marker)


async def _crash_then_rerun(storage: Storage, platform: SlackPlatform, *,
                            after_send: bool) -> list[str]:
    await make_team(storage, team_id=TEAM, channel=CHANNEL_ID)
    delivery = PlatformDelivery({"slack": platform})
    crashing = make_service(storage, FrozenClock(), worker="crashing")
    with suppress(ProcessKilled):
        await crashing.run_due(DiesWhilePosting(delivery, after_send), at(f"{FRIDAY} 10:00"))
    restarted = make_service(storage, FrozenClock(), worker="restarted")
    posted = await restarted.run_due(delivery, at(f"{FRIDAY} 10:30"))
    assert await restarted.run_due(delivery, at(f"{FRIDAY} 12:00")) == []
    return posted


async def test_a_crash_after_chat_post_message_is_found_by_its_metadata(
    storage: Storage, fake_slack: FakeSlack, slack_platform: SlackPlatform,
) -> None:
    assert await _crash_then_rerun(storage, slack_platform, after_send=True) == []
    (post,) = fake_slack.of("chat.postMessage")
    assert post.body["metadata"] == {"event_type": METADATA_EVENT_TYPE, "event_payload": {
        "kind": KIND, "team": TEAM, "period": WEEK}}
    (history,) = fake_slack.of("conversations.history")
    assert history.body["channel"] == CHANNEL_ID
    assert float(history.body["oldest"]) == at("2026-11-23 00:00").timestamp()
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "posted"


async def test_a_crash_before_sending_posts_once_on_the_next_run(
    storage: Storage, fake_slack: FakeSlack, slack_platform: SlackPlatform,
) -> None:
    assert await _crash_then_rerun(storage, slack_platform, after_send=False) == [TEAM]
    assert len(fake_slack.of("conversations.history")) == 1
    (post,) = fake_slack.of("chat.postMessage")
    assert post.body["metadata"]["event_payload"]["period"] == WEEK


async def test_another_weeks_post_or_someone_elses_message_does_not_count(
    storage: Storage, fake_slack: FakeSlack, slack_platform: SlackPlatform,
) -> None:
    fake_slack.channels[CHANNEL_ID] = [
        {"type": "message", "user": "U0ALICE", "text": "#FollowFriday · 2026-W48",
         "ts": "1900000000.000001"},
        {"type": "message", "user": "U0BOT", "text": "last week", "ts": "1900000000.000002",
         "metadata": {"event_type": METADATA_EVENT_TYPE, "event_payload": {
             "kind": KIND, "team": TEAM, "period": "2026-W47"}}},
    ]
    assert await _crash_then_rerun(storage, slack_platform, after_send=False) == [TEAM]
    assert len(fake_slack.of("chat.postMessage")) == 1


async def test_without_the_history_scope_nothing_is_posted_and_admins_learn_why(
    storage: Storage, fake_slack: FakeSlack, slack_platform: SlackPlatform,
) -> None:
    fake_slack.failures["conversations.history"] = "missing_scope"
    assert await _crash_then_rerun(storage, slack_platform, after_send=False) == []
    assert fake_slack.of("chat.postMessage") == []
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "interrupted"
    assert record.last_error is not None and "channels:history" in str(record.last_error)


@pytest.mark.parametrize("answer", [
    {"ok": True, "messages": "not a list"},
    {"ok": True, "messages": [None, 3, {"metadata": "junk"}, {"metadata": {
        "event_type": METADATA_EVENT_TYPE, "event_payload": ["x"]}}]},
])
async def test_odd_history_answers_count_as_not_found(
    fake_slack: FakeSlack, slack_platform: SlackPlatform, answer: dict[str, object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fake_slack, "_history", lambda call: answer)
    marker = PostMarker(KIND, TEAM, WEEK, at("2026-11-23 00:00"))
    assert await slack_platform.find_post(TEAM, CHANNEL_ID, marker) is False
