"""Direct messages on Slack: the weekly #FollowFriday for members who asked for it.

chat.postMessage with the member's id as the channel lands in their conversation with
the app (its Messages tab), with no conversations.open first. Slack publishes about one
message per second per channel for chat.postMessage; DMs are paced at one per second per
workspace, which stays inside it however Slack counts them.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from chatbot.platforms.slack_delivery import SLACK_FAILURES, describe_failure
from chatbot.platforms.slack_render import render_reply
from chatbot.values.delivery import DeliveryError, DeliveryUnconfirmed, DmLimit, RecipientGone
from chatbot.values.reply import Reply

SLACK_DMS_PER_SECOND = 1

_GONE = {
    "user_not_found": "Slack doesn't know the member any more (they left the workspace)",
    "users_not_found": "Slack doesn't know the member any more (they left the workspace)",
    "user_disabled": "the member's account is deactivated (they left the workspace)",
    "channel_not_found": "Slack has no conversation with the member (they left or blocked "
                         "the app)",
    "cannot_dm_bot": "the member is a bot",
    "messages_tab_disabled": "the app's Messages tab is turned off, so members can't get "
                             "direct messages from it",
}


def slack_dm_limit(workspace: str) -> DmLimit:
    return DmLimit(key=f"dm:slack:{workspace}", per_second=SLACK_DMS_PER_SECOND)


def _error(exc: SlackApiError) -> str:
    response = exc.response
    return str(response.get("error", "")) if response is not None else ""


async def send_direct(client: AsyncWebClient, user_id: str, reply: Reply) -> None:
    """Raises RecipientGone for a member who left (deactivated) or can't be written to,
    DeliveryError when Slack refused, DeliveryUnconfirmed when the answer was lost."""
    try:
        info = await client.users_info(user=user_id)
    except SlackApiError as exc:
        if _error(exc) in _GONE:
            raise RecipientGone(_GONE[_error(exc)]) from exc
        raise DeliveryError(describe_failure(exc)) from exc
    except SLACK_FAILURES as exc:
        raise DeliveryError(describe_failure(exc)) from exc
    user = info.get("user")
    if isinstance(user, dict) and user.get("deleted"):
        raise RecipientGone(_GONE["user_disabled"])
    message = render_reply(reply)
    try:
        await client.chat_postMessage(channel=user_id, text=message.text,
                                      blocks=list(message.blocks), unfurl_links=False,
                                      unfurl_media=False)
    except SlackApiError as exc:
        if _error(exc) in _GONE:
            raise RecipientGone(_GONE[_error(exc)]) from exc
        raise DeliveryError(describe_failure(exc)) from exc
    except aiohttp.ClientConnectorError as exc:
        raise DeliveryError(describe_failure(exc)) from exc
    except SLACK_FAILURES as exc:
        raise DeliveryUnconfirmed(describe_failure(exc)) from exc
