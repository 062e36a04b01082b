"""The weekly post on Discord is neither lost nor doubled when the bot dies mid-send.

The real discord.py client posts to the fake: the embed footer carries the week's
marker (and the message a nonce), and a run after a crash reads the channel's recent
messages to decide.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import pytest
from discord_fake_server import FakeDiscord
from discord_payloads import GUILD_ID

from chatbot.delivery import PlatformDelivery
from chatbot.followfriday.schedule import KIND
from chatbot.platforms.discord_platform import DiscordPlatform
from chatbot.storage import Storage
from chatbot.storage.models import Team
from chatbot.values.delivery import PostMarker
from chatbot.values.reply import Reply
from tests.followfriday.support import at, make_service, make_team
from tests.support.fakes import FrozenClock

TEAM = f"discord:{GUILD_ID}"
CHANNEL = "555555555555555555"
FRIDAY = "2026-11-27"
WEEK = "2026-W48"
MESSAGES = rf"^/channels/{CHANNEL}/messages$"


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


async def _crash_then_rerun(storage: Storage, platform: DiscordPlatform, *,
                            after_send: bool) -> list[str]:
    await make_team(storage, team_id=TEAM, channel=CHANNEL)
    delivery = PlatformDelivery({"discord": platform})
    crashing = make_service(storage, FrozenClock(), worker="crashing")
    with suppress(ProcessKilled):
        await crashing.run_due(DiesWhilePosting(delivery, after_send), at(f"{FRIDAY} 10:00"))
    restarted = make_service(storage, FrozenClock(), worker="restarted")
    posted = await restarted.run_due(delivery, at(f"{FRIDAY} 10:30"))
    assert await restarted.run_due(delivery, at(f"{FRIDAY} 12:00")) == []
    return posted


async def test_a_crash_after_sending_is_found_by_its_footer_marker(
    storage: Storage, fake_discord: FakeDiscord, platform: DiscordPlatform,
) -> None:
    assert await _crash_then_rerun(storage, platform, after_send=True) == []
    (post,) = fake_discord.calls_to("POST", MESSAGES)
    assert post.json["embeds"][0]["footer"]["text"].endswith(f"followfriday {WEEK}")
    assert isinstance(post.json["nonce"], str) and len(post.json["nonce"]) <= 25
    (history,) = fake_discord.calls_to("GET", MESSAGES)
    assert "after" not in history.query, "newest first: the post is among the latest"
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "posted"


async def test_a_crash_before_sending_posts_once_on_the_next_run(
    storage: Storage, fake_discord: FakeDiscord, platform: DiscordPlatform,
) -> None:
    assert await _crash_then_rerun(storage, platform, after_send=False) == [TEAM]
    assert len(fake_discord.calls_to("GET", MESSAGES)) == 1
    assert len(fake_discord.calls_to("POST", MESSAGES)) == 1


async def test_last_weeks_post_or_a_members_copy_does_not_count(
    storage: Storage, fake_discord: FakeDiscord, platform: DiscordPlatform,
) -> None:
    last_week = PostMarker(KIND, TEAM, "2026-W47", at("2026-11-16 00:00"))
    await platform.post(TEAM, CHANNEL, Reply(title="#FollowFriday · 2026-W47"), last_week)
    copied = fake_discord.message({"embeds": [{"footer": {"text": f"followfriday {WEEK}"}}]},
                                  channel_id=CHANNEL)
    copied["author"] = {**copied["author"], "id": "80351110224678912", "bot": False}
    copied["id"] = str(int(fake_discord.channels[CHANNEL][-1]["id"]) + 1)
    fake_discord.channels[CHANNEL].append(copied)
    assert await _crash_then_rerun(storage, platform, after_send=False) == [TEAM]
    assert len(fake_discord.calls_to("POST", MESSAGES)) == 2


@pytest.mark.parametrize(("status", "code", "says"), [
    (403, 50001, "Read Message History"),
    (404, 10003, "no longer exists"),
    (400, 50035, "refused to list"),
])
async def test_when_history_cannot_be_read_nothing_is_posted_and_admins_learn_why(
    storage: Storage, fake_discord: FakeDiscord, platform: DiscordPlatform,
    status: int, code: int, says: str,
) -> None:
    fake_discord.history_errors[CHANNEL] = (status, code, "nope")
    assert await _crash_then_rerun(storage, platform, after_send=False) == []
    assert fake_discord.calls_to("POST", MESSAGES) == []
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "interrupted"
    assert record.last_error is not None and says in str(record.last_error)


async def test_a_connection_lost_while_posting_is_unconfirmed_and_looked_for_next(
    storage: Storage, fake_discord: FakeDiscord, platform: DiscordPlatform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await make_team(storage, team_id=TEAM, channel=CHANNEL)
    delivery = PlatformDelivery({"discord": platform})
    original = discord.PartialMessageable.send

    async def sends_then_drops(self: discord.PartialMessageable, *args: Any,
                               **kwargs: Any) -> discord.Message:
        await original(self, *args, **kwargs)
        raise aiohttp.ServerDisconnectedError()

    monkeypatch.setattr(discord.PartialMessageable, "send", sends_then_drops)
    service = make_service(storage, FrozenClock())
    assert await service.run_due(delivery, at(f"{FRIDAY} 10:00")) == []
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "interrupted"
    assert record.last_error is not None and "broke while posting" in str(record.last_error)
    monkeypatch.setattr(discord.PartialMessageable, "send", original)
    assert await service.run_due(delivery, at(f"{FRIDAY} 10:05")) == []
    assert len(fake_discord.calls_to("POST", MESSAGES)) == 1
    record = await storage.schedule.get(TEAM, KIND, WEEK)
    assert record is not None and record.status == "posted"
