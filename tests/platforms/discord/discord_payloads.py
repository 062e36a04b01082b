"""INTERACTION_CREATE payloads shaped like the ones Discord sends (see the recorded
ones in ../shared/fixtures/discord/): slash commands with subcommand options and
resolved users, button clicks, autocomplete."""

from __future__ import annotations

import itertools
from typing import Any

import discord
from discord_fake_server import APP_ID

GUILD_ID = "1070516376046944286"
CHANNEL_ID = "1076966571907481661"
COMMAND_ID = "1354205866907140146"
EVERYTHING = str(discord.Permissions.all().value)
MEMBER_ONLY = str(discord.Permissions(view_channel=True, send_messages=True,
                                      use_application_commands=True).value)

_ids = itertools.count(1_354_214_732_164_235_476)


def snowflake() -> str:
    return str(next(_ids))


def user(user_id: str, username: str, global_name: str | None = None) -> dict[str, Any]:
    return {"id": user_id, "username": username, "global_name": global_name,
            "discriminator": "0", "avatar": None, "public_flags": 0, "clan": None,
            "primary_guild": None, "collectibles": None, "avatar_decoration_data": None}


def member(user_data: dict[str, Any], *, nick: str | None = None,
           permissions: str = MEMBER_ONLY) -> dict[str, Any]:
    return {"user": user_data, "nick": nick, "avatar": None, "banner": None,
            "roles": [], "joined_at": "2023-02-02T01:34:40.083000+00:00",
            "premium_since": None, "deaf": False, "mute": False, "pending": False,
            "flags": 0, "communication_disabled_until": None, "permissions": permissions,
            "unusual_dm_activity_until": None}


ALICE = user("336733686529654798", "alice", "Alice")
BOB = user("809850198683418695", "bob", "Bob @everyone")


def _envelope(kind: int, data: dict[str, Any], *, invoker: dict[str, Any] | None,
              in_guild: bool = True, message: dict[str, Any] | None = None,
              dm_user: dict[str, Any] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": snowflake(), "application_id": APP_ID, "type": kind, "data": data,
        "token": f"aW50ZXJhY3Rpb246{snowflake()}", "version": 1, "locale": "en-US",
        "app_permissions": "2222085723512400", "entitlements": [], "entitlement_sku_ids": [],
        "attachment_size_limit": 10485760,
        "channel_id": CHANNEL_ID,
        "channel": {"id": CHANNEL_ID, "type": 0 if in_guild else 1, "name": "bot-usage",
                    "flags": 0, "nsfw": False, "parent_id": None, "position": 6,
                    "permissions": EVERYTHING, "rate_limit_per_user": 0, "topic": None,
                    "last_message_id": None,
                    **({"guild_id": GUILD_ID} if in_guild else {})},
    }
    if in_guild:
        payload.update({"guild_id": GUILD_ID, "guild_locale": "en-US", "context": 0,
                        "member": invoker,
                        "guild": {"id": GUILD_ID, "locale": "en-US", "features": []},
                        "authorizing_integration_owners": {"0": GUILD_ID}})
    else:
        payload.update({"user": dm_user, "context": 1,
                        "authorizing_integration_owners": {"0": GUILD_ID}})
    if message is not None:
        payload["message"] = message
    return payload


def slash(subcommand: str, options: list[dict[str, Any]] | None = None, *,
          invoker: dict[str, Any] | None = None,
          resolved: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """`/klout <subcommand> ...`; `resolved` are members picked in user options."""
    data: dict[str, Any] = {
        "id": COMMAND_ID, "name": "klout", "type": 1, "guild_id": GUILD_ID,
        "options": [{"name": subcommand, "type": 1, "options": options or []}],
    }
    if resolved:
        data["resolved"] = {
            "users": {m["user"]["id"]: m["user"] for m in resolved},
            "members": {m["user"]["id"]: {k: v for k, v in m.items() if k != "user"}
                        for m in resolved},
        }
    return _envelope(2, data, invoker=invoker or member(ALICE))


def slash_in_dm(subcommand: str) -> dict[str, Any]:
    data = {"id": COMMAND_ID, "name": "klout", "type": 1,
            "options": [{"name": subcommand, "type": 1, "options": []}]}
    return _envelope(2, data, invoker=None, in_guild=False, dm_user=ALICE)


def autocomplete(subcommand: str, option: str, typed: str, *,
                 invoker: dict[str, Any] | None = None) -> dict[str, Any]:
    data = {"id": COMMAND_ID, "name": "klout", "type": 1, "guild_id": GUILD_ID,
            "options": [{"name": subcommand, "type": 1, "options": [
                {"name": option, "type": 3, "value": typed, "focused": True}]}]}
    return _envelope(4, data, invoker=invoker or member(ALICE))


def bot_message(components: list[dict[str, Any]], *, flags: int = 0) -> dict[str, Any]:
    return {"id": snowflake(), "channel_id": CHANNEL_ID, "type": 20, "content": "",
            "author": {"id": APP_ID, "username": "Kloutbot", "discriminator": "0861",
                       "avatar": None, "bot": True},
            "attachments": [], "embeds": [{"type": "rich", "title": "Leaderboard"}],
            "mentions": [], "mention_roles": [], "pinned": False, "mention_everyone": False,
            "tts": False, "timestamp": "2026-11-25T12:00:00.000000+00:00",
            "edited_timestamp": None, "flags": flags, "components": components,
            "webhook_id": APP_ID, "application_id": APP_ID}


def button_click(custom_id: str, *, invoker: dict[str, Any] | None = None,
                 message_flags: int = 0) -> dict[str, Any]:
    """A click on a button of a message the bot sent (possibly before a restart)."""
    row = [{"type": 1, "components": [{"type": 2, "style": 2, "label": "Next ▶",
                                       "custom_id": custom_id}]}]
    data = {"custom_id": custom_id, "component_type": 2}
    return _envelope(3, data, invoker=invoker or member(ALICE),
                     message=bot_message(row, flags=message_flags))
