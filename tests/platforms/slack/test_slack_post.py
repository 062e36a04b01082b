"""The weekly post: chat.postMessage with Block Kit, and failures an admin can act on."""

from __future__ import annotations

import json

import pytest

from chatbot.platforms.slack_adapter import SlackConfigError, SlackPlatform
from chatbot.values.delivery import DeliveryError, DeliveryUnconfirmed
from chatbot.values.reply import Field, Image, Reply, Visibility
from commands.registry import Dispatcher
from tests.platforms.slack.conftest import slack_settings
from tests.platforms.slack.fake_slack_api import BOT_TOKEN, TEAM_ID, FakeSlack

TEAM = f"slack:{TEAM_ID}"
FOLLOW_FRIDAY = Reply(
    title="#FollowFriday",
    text="This week, follow each other:",
    fields=(Field("<!channel> Alice", "#FollowFriday @bob@mastodon.social <@U0BOB>"),),
    visibility=Visibility.CHANNEL,
)


async def test_post_sends_block_kit_to_the_channel_without_pings(
    fake_slack: FakeSlack, slack_platform: SlackPlatform,
) -> None:
    await slack_platform.post(TEAM, "C0FF", FOLLOW_FRIDAY)
    (call,) = fake_slack.of("chat.postMessage")
    assert call.body["channel"] == "C0FF"
    assert call.body["blocks"][0] == {"type": "header", "text": {
        "type": "plain_text", "text": "#FollowFriday", "emoji": True}}
    assert call.body["unfurl_links"] is False and call.body["unfurl_media"] is False
    assert call.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    sent = fake_slack.everything_posted()
    assert "&lt;!channel&gt; Alice" in sent
    assert "<!" not in sent and "<@" not in sent


async def test_post_uploads_an_image_after_the_message(
    fake_slack: FakeSlack, slack_platform: SlackPlatform,
) -> None:
    reply = Reply(title="Chart", image=Image(b"\x89PNG-bytes", "chart.png", "A chart"))
    await slack_platform.post(TEAM, "C0FF", reply)
    assert [c.method for c in fake_slack.calls if c.method != "auth.test"] == [
        "chat.postMessage", "files.getUploadURLExternal", "upload",
        "files.completeUploadExternal"]
    (complete,) = fake_slack.of("files.completeUploadExternal")
    assert complete.body["channel_id"] == "C0FF"
    assert json.loads(complete.body["files"])[0]["title"] == "A chart"


@pytest.mark.parametrize(("error", "says"), [
    ("channel_not_found", "Slack can't find channel C0GONE"),
    ("not_in_channel", "invite me with /invite @Kloutbot"),
    ("missing_scope", "lacks the permission files:write"),
    ("is_archived", "is archived"),
    ("invalid_auth", "check SLACK_BOT_TOKEN"),
    ("something_new", "Slack refused the request (something_new)"),
])
async def test_post_failures_raise_a_readable_delivery_error(
    fake_slack: FakeSlack, slack_platform: SlackPlatform, error: str, says: str,
) -> None:
    fake_slack.failures["chat.postMessage"] = error
    with pytest.raises(DeliveryError, match=says.replace("(", r"\(").replace(")", r"\)")):
        await slack_platform.post(TEAM, "C0GONE", FOLLOW_FRIDAY)


async def test_post_refuses_a_team_of_another_platform_or_workspace(
    slack_platform: SlackPlatform,
) -> None:
    with pytest.raises(DeliveryError, match="not a Slack workspace"):
        await slack_platform.post("discord:123", "C0FF", FOLLOW_FRIDAY)
    with pytest.raises(DeliveryError, match="belongs to workspace"):
        await slack_platform.post("slack:T0OTHER", "C0FF", FOLLOW_FRIDAY)


async def test_unreachable_slack_is_a_delivery_error(
    fake_slack: FakeSlack, slack_platform: SlackPlatform,
) -> None:
    await fake_slack.stop()
    with pytest.raises(DeliveryError, match="couldn't reach Slack"):
        await slack_platform.post(TEAM, "C0FF", FOLLOW_FRIDAY)


def test_http_mode_without_a_signing_secret_is_a_configuration_error(
    fake_slack: FakeSlack, dispatcher: Dispatcher,
) -> None:
    settings = slack_settings(fake_slack.api_url, signing_secret=None)
    with pytest.raises(SlackConfigError, match="SLACK_SIGNING_SECRET"):
        SlackPlatform(settings, dispatcher)


def test_the_api_url_setting_points_the_web_client_elsewhere(
    fake_slack: FakeSlack, dispatcher: Dispatcher,
) -> None:
    settings = slack_settings(fake_slack.api_url.rstrip("/"))
    platform = SlackPlatform(settings, dispatcher)
    assert platform.client.base_url == fake_slack.api_url


async def test_a_failure_after_the_message_went_out_is_unconfirmed_not_refused(
    fake_slack: FakeSlack, slack_platform: SlackPlatform,
) -> None:
    fake_slack.failures["files.getUploadURLExternal"] = "file_upload_failed"
    reply = Reply(title="Chart", image=Image(b"\x89PNG-bytes", "chart.png", "A chart"))
    with pytest.raises(DeliveryUnconfirmed, match="Slack refused the request"):
        await slack_platform.post(TEAM, "C0FF", reply)
    assert len(fake_slack.of("chat.postMessage")) == 1


async def test_a_refusal_or_no_connection_is_a_plain_delivery_error(
    fake_slack: FakeSlack, slack_platform: SlackPlatform,
) -> None:
    fake_slack.failures["chat.postMessage"] = "not_in_channel"
    with pytest.raises(DeliveryError) as refused:
        await slack_platform.post(TEAM, "C0FF", FOLLOW_FRIDAY)
    assert not isinstance(refused.value, DeliveryUnconfirmed)
    await fake_slack.stop()
    with pytest.raises(DeliveryError) as unreachable:
        await slack_platform.post(TEAM, "C0FF", FOLLOW_FRIDAY)
    assert not isinstance(unreachable.value, DeliveryUnconfirmed)
