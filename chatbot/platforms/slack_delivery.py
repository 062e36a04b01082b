"""Getting a rendered Reply to Slack: response URLs, files, channel posts, readable failures.

Images go up with the files upload API (files.getUploadURLExternal, the upload itself,
files.completeUploadExternal) into the channel of a channel answer; a private answer
keeps the text and the image's description, because Slack has no ephemeral files.
Attachments such as the JSON export go to a direct message with the member
(conversations.open); when that is not possible they are shown inline as a snippet.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from chatbot.i18n import Translator
from chatbot.platforms.slack_render import render_reply
from chatbot.values.delivery import DeliveryError, DeliveryUnconfirmed, PostMarker
from chatbot.values.message import Msg
from chatbot.values.reply import Reply, Visibility

log = logging.getLogger(__name__)

SLACK_FAILURES: tuple[type[BaseException], ...] = (
    SlackClientError, aiohttp.ClientError, TimeoutError,
)
"""What a Web API call can raise when Slack refuses or cannot be reached."""

_TOKEN_ERRORS = {"invalid_auth", "not_authed", "token_revoked", "token_expired",
                 "account_inactive", "no_permission"}


class Respond(Protocol):
    """bolt's `respond` (a response_url poster), narrowed to what is used here."""

    async def __call__(
        self,
        text: str = "",
        blocks: Any = None,
        attachments: Any = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
    ) -> Any: ...


def describe_failure(exc: BaseException, channel_id: str | None = None) -> Msg:
    """A sentence an admin can act on, for any failure of a Web API call; the reader's
    language is chosen where it is shown (`str()` of it is English, for logs)."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        error = str(response.get("error", "unknown_error")) if response is not None else "?"
        if error == "channel_not_found":
            if channel_id:
                return Msg("Slack can't find channel {channel}: it was deleted, is private "
                           "without me in it, or belongs to another workspace. Choose another "
                           "with /klout config channel.", channel=channel_id)
            return Msg("Slack can't find that conversation: it was deleted, is private "
                       "without me in it, or belongs to another workspace. Choose another "
                       "with /klout config channel.")
        if error == "not_in_channel":
            if channel_id:
                return Msg("I'm not a member of channel {channel}: invite me with "
                           "/invite @Kloutbot.", channel=channel_id)
            return Msg("I'm not a member of that conversation: invite me with "
                       "/invite @Kloutbot.")
        if error in ("is_archived", "channel_is_archived"):
            if channel_id:
                return Msg("Channel {channel} is archived; choose another with /klout config "
                           "channel.", channel=channel_id)
            return Msg("That conversation is archived; choose another with /klout config "
                       "channel.")
        if error == "missing_scope":
            needed = response.get("needed") if response is not None else None
            if needed:
                return Msg("The Slack app lacks the permission {scope}: add it under OAuth & "
                           "Permissions (or recreate the app from slack-manifest.yml) and "
                           "reinstall it.", scope=needed)
            return Msg("The Slack app lacks the permission: add it under OAuth & "
                       "Permissions (or recreate the app from slack-manifest.yml) and "
                       "reinstall it.")
        if error in _TOKEN_ERRORS:
            return Msg("Slack refused the bot token ({error}): check SLACK_BOT_TOKEN.",
                       error=error)
        if error == "ratelimited":
            return Msg("Slack is rate-limiting me right now; the next attempt should get "
                       "through.")
        if error in ("restricted_action", "restricted_action_read_only_channel"):
            if channel_id:
                return Msg("This workspace's settings don't let me post in channel "
                           "{channel}.", channel=channel_id)
            return Msg("This workspace's settings don't let me post in that conversation.")
        if error == "user_not_found":
            return Msg("Slack doesn't know that member any more.")
        return Msg("Slack refused the request ({error}).", error=error)
    if isinstance(exc, SlackClientError):
        return Msg("Slack refused the file upload ({detail}).", detail=str(exc))
    return Msg("I couldn't reach Slack ({failure}); it will be retried next time.",
               failure=type(exc).__name__)


async def upload_file(
    client: AsyncWebClient, channel_id: str, name: str, data: bytes, title: str
) -> None:
    """Share a file in a conversation with the three-step external upload."""
    await client.files_upload_v2(channel=channel_id, file=data, filename=name, title=title,
                                 alt_txt=title[:1000])


async def send_to_dm(client: AsyncWebClient, user_id: str, name: str, data: bytes,
                     title: str) -> None:
    """A file in the member's direct message with the bot: private by construction."""
    opened = await client.conversations_open(users=user_id)
    channel = opened.get("channel")
    if not isinstance(channel, dict) or not isinstance(channel.get("id"), str):
        raise SlackClientError("conversations.open returned no channel")
    await upload_file(client, channel["id"], name, data, title)


async def answer(
    respond: Respond,
    client: AsyncWebClient,
    reply: Reply,
    *,
    user_id: str,
    channel_id: str | None,
    tr: Translator,
    replace_original: bool = False,
) -> None:
    """Answer a slash command or a button click through its response URL; `tr` is the
    caller's language, for the notes this adds about files and images."""
    notes: list[str] = []
    snippet: tuple[str, bytes] | None = None
    if reply.attachment is not None:
        name, data = reply.attachment
        try:
            await send_to_dm(client, user_id, name, data, name)
            notes.append(tr._("I sent {file} to you in a direct message with me.", file=name))
        except SLACK_FAILURES as exc:
            log.info("could not DM %s to %s: %s", name, user_id, exc)
            notes.append(tr._("I couldn't send {file} as a direct message ({reason}); here it "
                              "is instead.", file=name, reason=describe_failure(exc)))
            snippet = reply.attachment
    public = reply.visibility is Visibility.CHANNEL
    upload_image = reply.image is not None and public and channel_id is not None
    if reply.image is not None and not upload_image:
        notes.append(tr._("Images are only posted in channels; the numbers above say the "
                          "same."))
    message = render_reply(reply, notes=notes, snippet=snippet, tr=tr)
    response = await respond(
        text=message.text,
        blocks=list(message.blocks),
        response_type="in_channel" if public else "ephemeral",
        replace_original=True if replace_original else None,
        unfurl_links=False,
        unfurl_media=False,
    )
    status = getattr(response, "status_code", 200)
    if status != 200:
        log.warning("response_url refused the answer: %s %s", status,
                    getattr(response, "body", ""))
        return
    if upload_image and reply.image is not None and channel_id is not None:
        try:
            await upload_file(client, channel_id, reply.image.filename, reply.image.data,
                              reply.image.alt)
        except SLACK_FAILURES as exc:
            log.info("image upload to %s failed: %s", channel_id, exc)
            note = render_reply(Reply(text=tr._(
                "I couldn't attach the image here: {reason}",
                reason=describe_failure(exc, channel_id))), tr=tr)
            await respond(text=note.text, blocks=list(note.blocks), response_type="ephemeral",
                          unfurl_links=False, unfurl_media=False)


METADATA_EVENT_TYPE = "kloutbot_post"
"""The `metadata.event_type` of every scheduled post; the payload names its team and week."""
HISTORY_PAGE = 200
HISTORY_PAGES = 5
"""How far back a look for an earlier post goes: a thousand messages since the week began."""


def post_metadata(marker: PostMarker) -> dict[str, Any]:
    """Message metadata: invisible to members, returned by conversations.history."""
    return {"event_type": METADATA_EVENT_TYPE,
            "event_payload": {"kind": marker.kind, "team": marker.team_id,
                              "period": marker.period}}


def _carries(message: Any, marker: PostMarker) -> bool:
    if not isinstance(message, dict):
        return False
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != METADATA_EVENT_TYPE:
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, dict) and payload == post_metadata(marker)["event_payload"]


async def post_reply(client: AsyncWebClient, channel_id: str, reply: Reply,
                     marker: PostMarker | None = None) -> None:
    """chat.postMessage (plus any image) to a channel; raises DeliveryError with a reason.

    Slack answering `ok: false`, or no connection at all, means nothing was posted
    (DeliveryError). A timeout or a dropped connection after the request left, or a
    failed upload after the message went out, raise DeliveryUnconfirmed: the message
    may be in the channel, and a retry must look for it first.
    """
    message = render_reply(reply)
    sent = False
    try:
        await client.chat_postMessage(channel=channel_id, text=message.text,
                                      blocks=list(message.blocks), unfurl_links=False,
                                      unfurl_media=False,
                                      metadata=post_metadata(marker) if marker else None)
        sent = True
        if reply.image is not None:
            await upload_file(client, channel_id, reply.image.filename, reply.image.data,
                              reply.image.alt)
        if reply.attachment is not None:
            name, data = reply.attachment
            await upload_file(client, channel_id, name, data, name)
    except SLACK_FAILURES as exc:
        reason = describe_failure(exc, channel_id)
        refused = isinstance(exc, (SlackApiError, aiohttp.ClientConnectorError))
        if sent or not refused:
            raise DeliveryUnconfirmed(reason) from exc
        raise DeliveryError(reason) from exc


async def find_post(client: AsyncWebClient, channel_id: str, marker: PostMarker) -> bool:
    """Whether the channel's history since the marker's week began holds the post.

    Needs the channels:history (groups:history for a private channel) scope; without
    it, or when Slack can't be reached, raises DeliveryError rather than guess.
    """
    cursor: str | None = None
    try:
        for _ in range(HISTORY_PAGES):
            page = await client.conversations_history(
                channel=channel_id, oldest=f"{marker.since.timestamp():.6f}",
                limit=HISTORY_PAGE, include_all_metadata=True, cursor=cursor)
            messages = page.get("messages")
            if isinstance(messages, list) and any(_carries(m, marker) for m in messages):
                return True
            meta = page.get("response_metadata")
            cursor = meta.get("next_cursor") if isinstance(meta, dict) else None
            if not page.get("has_more") or not cursor:
                return False
    except SLACK_FAILURES as exc:
        raise DeliveryError(describe_failure(exc, channel_id)) from exc
    return False
