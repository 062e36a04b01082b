"""The link an admin opens to add the bot to a Discord server, and the application id it
names (derived from the bot token when not set)."""

from __future__ import annotations

import base64
import binascii
import logging

import discord

from chatbot.settings import Settings

log = logging.getLogger(__name__)

INVITE_SCOPES = ("bot", "applications.commands")
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, embed_links=True, attach_files=True,
    read_message_history=True,
)
"""Only what the weekly #FollowFriday post needs (reading history lets a run after a crash
see whether the week's post went out): slash-command answers travel on the interaction's
own webhook and need no channel permission at all."""


def application_id_from(token: str) -> str:
    """A bot token's first segment is the bot's user id in base64; for every
    application created since 2016 that is also the application id."""
    first = token.strip().split(".", 1)[0]
    try:
        decoded = base64.b64decode(first + "=" * (-len(first) % 4), altchars=b"-_",
                                   validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("DISCORD_TOKEN does not look like a bot token") from None
    if not decoded.isdigit():
        raise ValueError("DISCORD_TOKEN does not look like a bot token")
    return decoded


def application_id(settings: Settings) -> str:
    """DISCORD_APPLICATION_ID, else derived from DISCORD_TOKEN."""
    if settings.discord_application_id:
        return settings.discord_application_id.strip()
    if settings.discord_token is None:
        raise ValueError("Set DISCORD_APPLICATION_ID or DISCORD_TOKEN first")
    return application_id_from(settings.discord_token.get_secret_value())


def invite_url(application_id: str) -> str:
    """The OAuth2 URL an admin opens to add the bot, with exactly the scopes and
    permissions it uses."""
    if not application_id.isdigit():
        raise ValueError("an application id is a number (the portal's General Information)")
    return discord.utils.oauth_url(int(application_id), permissions=INVITE_PERMISSIONS,
                                   scopes=INVITE_SCOPES)
