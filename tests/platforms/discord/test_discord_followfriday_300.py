"""A 300-member server on Discord: one weekly post within the embed limits, and every
member's click on its button answered with their own suggestions, ephemerally; direct
messages once each for members who asked, none for anyone else; the button still works
after a restart, on a client that never sent the post.

The real discord.py client talks to the local fake gateway and REST API.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from discord_fake_server import FakeDiscord
from discord_harness import StartPlatform
from discord_payloads import GUILD_ID, button_click, member, user

from chatbot.delivery import PlatformDelivery
from chatbot.followfriday.service import FollowFridayService
from chatbot.influence.leaderboards import Leaderboards
from chatbot.storage import Storage
from commands.context import Services
from commands.registry import Dispatcher
from tests.followfriday.support import add_member, at, make_service, make_team
from tests.support.fakes import FakeEngine, FrozenClock

TEAM = f"discord:{GUILD_ID}"
CHANNEL = "555555555555555555"
FRIDAY = at("2026-11-27 10:00")
WEEK = "2026-W48"
MEMBERS = 300
EPHEMERAL = 64
POSTS = rf"^/channels/{CHANNEL}/messages$"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FRIDAY)


@pytest.fixture
def service(storage: Storage, clock: FrozenClock) -> FollowFridayService:
    return make_service(storage, clock, dm_batch=MEMBERS)


@pytest.fixture
def ff_dispatcher(storage: Storage, clock: FrozenClock,
                  service: FollowFridayService) -> Dispatcher:
    return Dispatcher(Services(storage=storage, engine=FakeEngine(), followfriday=service,
                               clock=clock, boards=Leaderboards(storage)))


async def server(storage: Storage, fake: FakeDiscord, members: int) -> list[dict[str, Any]]:
    await make_team(storage, members=0, team_id=TEAM, channel=CHANNEL)
    people = []
    for index in range(1, members + 1):
        person = user(str(400_000_000_000_000_000 + index), f"member{index}", f"Member {index}")
        fake.users[person["id"]] = person
        await add_member(storage, person["id"], f"Member {index}",
                         {"bluesky": f"m{index}.bsky.social"}, team_id=TEAM)
        people.append(person)
    return people


def embed_text(embed: dict[str, Any]) -> str:
    return "\n".join([embed.get("title", ""), embed.get("description", ""),
                      embed.get("footer", {}).get("text", ""),
                      *(f"{f['name']}\n{f['value']}" for f in embed.get("fields", []))])


async def click(fake: FakeDiscord, custom_id: str, person: dict[str, Any]) -> dict[str, Any]:
    sent = await fake.dispatch_interaction(button_click(custom_id, invoker=member(person)))
    call = await fake.wait_for_call("POST", rf"/interactions/{sent.interaction_id}/.+/callback")
    return dict(call.json)


async def test_every_member_of_300_sees_their_own_week_from_one_post(
    storage: Storage, fake_discord: FakeDiscord, start_platform: StartPlatform,
    ff_dispatcher: Dispatcher, service: FollowFridayService,
) -> None:
    people = await server(storage, fake_discord, MEMBERS)
    platform = await start_platform(dispatcher_=ff_dispatcher)
    assert await service.run_due(PlatformDelivery({"discord": platform}), FRIDAY) == [TEAM]
    (post,) = fake_discord.calls_to("POST", POSTS)
    (embed,) = post.json["embeds"]
    assert len(embed.get("fields", [])) <= 25 and len(embed_text(embed)) <= 6000
    assert "300 members" in embed["description"]
    assert "more not shown" not in embed_text(embed)
    (button,) = [c for row in post.json["components"] for c in row["components"]]
    assert button["custom_id"] == f"klout:followfriday week {WEEK}"
    assert button["label"] == "My #FollowFriday"
    for person in people:
        answer = await click(fake_discord, button["custom_id"], person)
        assert answer["type"] == 4, "a new message, the post itself is left alone"
        assert answer["data"]["flags"] & EPHEMERAL, "only the presser sees it"
        week = await service.member_week(TEAM, person["id"], WEEK, FRIDAY)
        assert week.part is not None and week.part.suggestions
        (mine,) = answer["data"]["embeds"]
        text = embed_text(mine)
        assert mine["title"] == "Your #FollowFriday this week"
        assert week.part.copy_lines["bluesky"] in text
        for suggestion in week.part.suggestions:
            assert suggestion.display_name in text
    assert len(fake_discord.calls_to("POST", POSTS)) == 1


async def test_direct_messages_go_once_each_to_those_who_asked(
    storage: Storage, fake_discord: FakeDiscord, start_platform: StartPlatform,
    ff_dispatcher: Dispatcher, service: FollowFridayService, clock: FrozenClock,
) -> None:
    people = await server(storage, fake_discord, MEMBERS)
    asked = [p["id"] for p in people[::3]]
    for user_id in asked:
        await storage.followfriday_dms.set_opt_in(TEAM, user_id, True, FRIDAY)
    left, blocked = asked[1], asked[2]
    fake_discord.left.add(left)
    fake_discord.blocked.add(blocked)
    platform = await start_platform(dispatcher_=ff_dispatcher)
    delivery = PlatformDelivery({"discord": platform})
    await service.run_due(delivery, FRIDAY)
    started = clock.now()
    assert await service.send_due_dms(delivery, FRIDAY) == len(asked) - 2
    assert await service.send_due_dms(delivery, at("2026-11-27 11:00")) == 0
    dm_posts = [c for c in fake_discord.calls_to("POST", r"^/channels/\d+/messages$")
                if c.path.split("/")[2] in fake_discord.dm_channels]
    to = Counter(fake_discord.dm_channels[c.path.split("/")[2]] for c in dm_posts)
    assert set(to) == set(asked) - {left}, "nobody else, and not who left"
    assert all(count == 1 for count in to.values()), "never twice (the blocked one: tried once)"
    assert (clock.now() - started).total_seconds() >= (len(asked) - 2) / 5 - 1, \
        "five a second at most"
    first = next(c for c in dm_posts if fake_discord.dm_channels[c.path.split("/")[2]]
                 == asked[0])
    week = await service.member_week(TEAM, asked[0], WEEK, FRIDAY)
    assert week.part is not None
    assert week.part.copy_lines["bluesky"] in embed_text(first.json["embeds"][0])
    records = await storage.followfriday_dms.records(TEAM, WEEK)
    assert records[left].status == records[blocked].status == "skipped"
    assert "left the server" in (records[left].last_error or "")
    assert "blocked the bot" in (records[blocked].last_error or "")


async def test_the_button_works_after_a_restart_and_for_last_week(
    storage: Storage, fake_discord: FakeDiscord, start_platform: StartPlatform,
    ff_dispatcher: Dispatcher, service: FollowFridayService, clock: FrozenClock,
) -> None:
    people = await server(storage, fake_discord, 20)
    first = await start_platform(dispatcher_=ff_dispatcher)
    await service.run_due(PlatformDelivery({"discord": first}), FRIDAY)
    (post,) = fake_discord.calls_to("POST", POSTS)
    (button,) = [c for row in post.json["components"] for c in row["components"]]
    as_posted = await service.member_week(TEAM, people[4]["id"], WEEK, FRIDAY)
    await first.stop()
    clock.moment = at("2026-12-04 10:00")
    restarted = await start_platform(dispatcher_=ff_dispatcher)
    await service.run_due(PlatformDelivery({"discord": restarted}), clock.moment)
    answer = await click(fake_discord, button["custom_id"], people[4])
    (mine,) = answer["data"]["embeds"]
    assert answer["data"]["flags"] & EPHEMERAL
    assert mine["title"] == f"Your #FollowFriday for {WEEK}"
    assert as_posted.part is not None
    assert as_posted.part.copy_lines["bluesky"] in embed_text(mine)
    clock.moment = at("2026-12-11 10:00")
    await service.run_due(PlatformDelivery({"discord": restarted}), clock.moment)
    expired = await click(fake_discord, button["custom_id"], people[4])
    assert "has expired" in embed_text(expired["data"]["embeds"][0])
