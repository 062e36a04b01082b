"""Scheduled posts reach the platform that serves the team, in its configured channel."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest

from chatbot.delivery import PlatformDelivery, deliver_with
from chatbot.storage.models import Team
from chatbot.values.delivery import DeliveryError, PostMarker
from chatbot.values.reply import Reply

MARKER = PostMarker("followfriday", "slack:T1", "2026-W48", datetime(2026, 11, 23, tzinfo=UTC))
TEAM = Team(team_id="slack:T1", platform="slack", name="Acme", post_channel="C0FF",
            post_weekday=4, post_time="10:00", timezone="UTC", networks=("bluesky",),
            count_unverified=False, card_style="classic",
            created_at=datetime(2026, 11, 1, tzinfo=UTC))
POST = Reply(title="#FollowFriday · 2026-W48")


@dataclass
class RecordingPlatform:
    name: str
    posts: list[tuple[str, str, Reply, PostMarker | None]] = field(default_factory=list)
    looks: list[tuple[str, str, PostMarker]] = field(default_factory=list)
    holds: bool = False

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def post(self, team_id: str, channel_id: str, reply: Reply,
                   marker: PostMarker | None = None) -> None:
        self.posts.append((team_id, channel_id, reply, marker))

    async def find_post(self, team_id: str, channel_id: str, marker: PostMarker) -> bool:
        self.looks.append((team_id, channel_id, marker))
        return self.holds


@pytest.fixture
def slack() -> RecordingPlatform:
    return RecordingPlatform("slack")


@pytest.fixture
def discord() -> RecordingPlatform:
    return RecordingPlatform("discord", holds=True)


@pytest.fixture
def delivery(slack: RecordingPlatform, discord: RecordingPlatform) -> PlatformDelivery:
    return deliver_with({"slack": slack, "discord": discord})


async def test_a_post_goes_to_the_teams_platform_and_channel_with_its_marker(
    delivery: PlatformDelivery, slack: RecordingPlatform, discord: RecordingPlatform,
) -> None:
    await delivery.post(TEAM, POST, MARKER)
    assert slack.posts == [("slack:T1", "C0FF", POST, MARKER)]
    assert discord.posts == []


async def test_a_look_goes_to_the_same_platform_and_channel(
    delivery: PlatformDelivery, slack: RecordingPlatform, discord: RecordingPlatform,
) -> None:
    assert await delivery.find(TEAM, MARKER) is False
    assert slack.looks == [("slack:T1", "C0FF", MARKER)]
    on_discord = replace(TEAM, team_id="discord:1", platform="discord", post_channel="555")
    assert await delivery.find(on_discord, MARKER) is True
    assert discord.looks == [("discord:1", "555", MARKER)]


@pytest.mark.parametrize("channel", [None, ""])
async def test_without_a_channel_nothing_is_sent_and_admins_are_told_how_to_set_one(
    delivery: PlatformDelivery, slack: RecordingPlatform, channel: str | None,
) -> None:
    team = replace(TEAM, post_channel=channel)
    with pytest.raises(DeliveryError, match=r"no channel configured \(/klout config channel"):
        await delivery.post(team, POST, MARKER)
    with pytest.raises(DeliveryError, match="no channel configured"):
        await delivery.find(team, MARKER)
    assert slack.posts == [] and slack.looks == []


async def test_a_platform_not_running_in_this_process_is_a_delivery_error(
    delivery: PlatformDelivery, slack: RecordingPlatform,
) -> None:
    console = replace(TEAM, team_id="console:acme", platform="console")
    with pytest.raises(DeliveryError, match="console is not connected in this process"):
        await delivery.post(console, POST, MARKER)
    assert slack.posts == []


async def test_a_platform_started_after_the_delivery_was_built_is_used(
    slack: RecordingPlatform,
) -> None:
    platforms: dict[str, RecordingPlatform] = {}
    delivery = deliver_with(platforms)
    platforms["slack"] = slack
    await delivery.post(TEAM, POST, MARKER)
    assert len(slack.posts) == 1
