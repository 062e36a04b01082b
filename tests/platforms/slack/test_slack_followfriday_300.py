"""A 300-member workspace on Slack: one weekly post within Block Kit's limits, and every
member's click on its button answered with their own suggestions, only for them; direct
messages once each for members who asked, none for anyone else.

The real bolt app serves signed HTTP requests; Slack's Web API is the local fake.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from chatbot.delivery import PlatformDelivery
from chatbot.followfriday.service import FollowFridayService
from chatbot.influence.leaderboards import Leaderboards
from chatbot.platforms.slack_adapter import SlackPlatform
from chatbot.platforms.slack_render import MAX_BLOCKS, SECTION_TEXT_LIMIT
from chatbot.settings import Settings
from chatbot.storage import Storage
from commands.context import Services
from commands.registry import Dispatcher
from tests.followfriday.support import add_members, at, make_service, make_team
from tests.platforms.slack.conftest import SlackSession
from tests.platforms.slack.fake_slack_api import CHANNEL_ID, TEAM_ID, FakeSlack
from tests.support.fakes import FakeEngine, FrozenClock

TEAM = f"slack:{TEAM_ID}"
FRIDAY = at("2026-11-27 10:00")
WEEK = "2026-W48"
MEMBERS = 300


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FRIDAY)


@pytest.fixture
def service(storage: Storage, clock: FrozenClock) -> FollowFridayService:
    return make_service(storage, clock, dm_batch=MEMBERS)


@pytest.fixture
async def platform(http_settings: Settings, storage: Storage, clock: FrozenClock,
                   service: FollowFridayService) -> AsyncIterator[SlackPlatform]:
    dispatcher = Dispatcher(Services(storage=storage, engine=FakeEngine(),
                                     followfriday=service, clock=clock,
                                     boards=Leaderboards(storage)))
    started = SlackPlatform(http_settings, dispatcher, host="127.0.0.1")
    await started.start()
    yield started
    await started.stop()


@pytest.fixture
async def session(fake_slack: FakeSlack, platform: SlackPlatform
                  ) -> AsyncIterator[SlackSession]:
    async with aiohttp.ClientSession() as http:
        yield SlackSession(fake_slack, platform, http)


async def workspace(storage: Storage, fake_slack: FakeSlack) -> list[str]:
    await make_team(storage, members=0, team_id=TEAM, channel=CHANNEL_ID)
    ids = await add_members(storage, MEMBERS, team_id=TEAM, prefix="U0M")
    for index, user_id in enumerate(ids, start=1):
        fake_slack.add_user(user_id, f"Member {index}")
    return ids


def shown(answer: dict[str, Any]) -> str:
    return json.dumps(answer["blocks"], ensure_ascii=False)


async def test_every_member_of_300_sees_their_own_week_from_one_post(
    storage: Storage, fake_slack: FakeSlack, platform: SlackPlatform,
    session: SlackSession, service: FollowFridayService,
) -> None:
    ids = await workspace(storage, fake_slack)
    delivery = PlatformDelivery({"slack": platform})
    assert await service.run_due(delivery, FRIDAY) == [TEAM]
    (post,) = fake_slack.of("chat.postMessage")
    blocks = post.body["blocks"]
    assert post.body["channel"] == CHANNEL_ID and len(blocks) <= MAX_BLOCKS
    assert all(len(b.get("text", {}).get("text", "")) <= SECTION_TEXT_LIMIT for b in blocks)
    assert "300 members" in json.dumps(blocks)
    (button,) = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert button["value"] == f"followfriday week {WEEK}"
    assert button["text"]["text"] == "My #FollowFriday"
    message = {"blocks": blocks}
    for user_id in ids:
        answer = await session.click(message, 0, user_id=user_id)
        assert answer["response_type"] == "ephemeral", "only the presser sees it"
        assert answer.get("replace_original") is not True, "the post stays for everyone"
        week = await service.member_week(TEAM, user_id, WEEK, FRIDAY)
        assert week.part is not None and week.part.suggestions
        text = shown(answer)
        assert "Your #FollowFriday this week" in text
        assert week.part.copy_lines["bluesky"] in text
        for suggestion in week.part.suggestions:
            assert suggestion.display_name in text
    assert len(fake_slack.of("chat.postMessage")) == 1, "clicks never post to the channel"


async def test_direct_messages_go_once_each_to_those_who_asked(
    storage: Storage, fake_slack: FakeSlack, platform: SlackPlatform,
    session: SlackSession, service: FollowFridayService, clock: FrozenClock,
) -> None:
    ids = await workspace(storage, fake_slack)
    asked = ids[::3]
    answer = await session.command("followfriday dm on", user_id=asked[0])
    assert "by direct message" in shown(answer)
    for user_id in asked[1:]:
        await storage.followfriday_dms.set_opt_in(TEAM, user_id, True, FRIDAY)
    left, blocked = asked[1], asked[2]
    fake_slack.users[left].deleted = True
    fake_slack.post_failures[blocked] = "channel_not_found"
    delivery = PlatformDelivery({"slack": platform})
    await service.run_due(delivery, FRIDAY)
    started = clock.now()
    sent = await service.send_due_dms(delivery, FRIDAY)
    assert sent == len(asked) - 2
    again = await service.send_due_dms(delivery, at("2026-11-27 11:00"))
    assert again == 0
    direct = [c for c in fake_slack.of("chat.postMessage") if c.body["channel"] != CHANNEL_ID]
    counts = Counter(c.body["channel"] for c in direct)
    assert set(counts) == set(asked) - {left}, "nobody else, and not who left"
    assert all(count == 1 for user, count in counts.items() if user != blocked)
    assert counts[blocked] == 1, "tried once, refused, never again"
    assert (clock.now() - started).total_seconds() >= sent - 1, "one a second at most"
    one = next(c for c in direct if c.body["channel"] == asked[0])
    week = await service.member_week(TEAM, asked[0], WEEK, FRIDAY)
    assert week.part is not None
    assert week.part.copy_lines["bluesky"] in json.dumps(json.loads(one.body["blocks"])
                                                         if isinstance(one.body["blocks"], str)
                                                         else one.body["blocks"])
    records = await storage.followfriday_dms.records(TEAM, WEEK)
    assert records[left].status == records[blocked].status == "skipped"


async def test_another_replica_answers_the_button_and_last_weeks_still_works(
    storage: Storage, fake_slack: FakeSlack, platform: SlackPlatform,
    http_settings: Settings, clock: FrozenClock,
) -> None:
    await make_team(storage, members=0, team_id=TEAM, channel=CHANNEL_ID)
    ids = await add_members(storage, 20, team_id=TEAM, prefix="U0M")
    poster = make_service(storage, clock, worker="replica-1")
    await poster.run_due(PlatformDelivery({"slack": platform}), FRIDAY)
    (post,) = fake_slack.of("chat.postMessage")
    as_posted = await poster.member_week(TEAM, ids[7], WEEK, FRIDAY)
    assert as_posted.part is not None
    # A second process that never saw the post, a week later.
    clock.moment = at("2026-12-04 10:00")
    other = make_service(storage, clock, worker="replica-2")
    replica = SlackPlatform(http_settings, Dispatcher(Services(
        storage=storage, engine=FakeEngine(), followfriday=other, clock=clock,
        boards=Leaderboards(storage))),
        host="127.0.0.1")
    await replica.start()
    try:
        await other.run_due(PlatformDelivery({"slack": replica}), clock.moment)
        async with aiohttp.ClientSession() as http:
            session = SlackSession(fake_slack, replica, http)
            answer = await session.click({"blocks": post.body["blocks"]}, 0, user_id=ids[7])
            assert answer["response_type"] == "ephemeral"
            assert f"Your #FollowFriday for {WEEK}" in shown(answer)
            assert as_posted.part.copy_lines["bluesky"] in shown(answer)
            clock.moment = at("2026-12-11 10:00")
            await other.run_due(PlatformDelivery({"slack": replica}), clock.moment)
            expired = await session.click({"blocks": post.body["blocks"]}, 0, user_id=ids[7])
            assert "has expired" in shown(expired)
    finally:
        await replica.stop()
