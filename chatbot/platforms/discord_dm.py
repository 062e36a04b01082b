"""Direct messages on Discord: the weekly #FollowFriday for members who asked for it.

Each message costs up to three requests (is the member still in the server, open the DM
channel, send). Discord publishes a global limit of 50 requests per second per bot;
five messages a second leave most of it to commands.
"""

from __future__ import annotations

import aiohttp
import discord

from chatbot.platforms.discord_render import render
from chatbot.values.delivery import DeliveryError, DeliveryUnconfirmed, DmLimit, RecipientGone
from chatbot.values.reply import Reply

DISCORD_DMS_PER_SECOND = 5
DISCORD_DM_LIMIT = DmLimit(key="dm:discord", per_second=DISCORD_DMS_PER_SECOND)
"""One budget for the bot: Discord's global limit counts every server together."""

CANNOT_MESSAGE_USER = 50007
"""Discord's error code when a member blocked the bot or accepts no DMs from the server."""


async def send_direct(client: discord.Client, guild_id: int, user_id: str,
                      reply: Reply) -> None:
    """Raises RecipientGone for a member who left the server or blocked the bot,
    DeliveryError when Discord refused, DeliveryUnconfirmed when the answer was lost."""
    if not user_id.isdigit():
        raise RecipientGone(f"{user_id} is not a Discord user id")
    try:
        try:
            await client.http.get_member(guild_id, int(user_id))
        except discord.NotFound:
            raise RecipientGone("the member left the server") from None
        user = client.get_user(int(user_id)) or await client.fetch_user(int(user_id))
        channel = await user.create_dm()
    except discord.HTTPException as exc:
        raise DeliveryError(f"Discord refused to open a direct message ({exc.status}): "
                            f"{exc.text or 'no reason given'}") from None
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise DeliveryError(f"I couldn't reach Discord ({type(exc).__name__}).") from None
    try:
        await channel.send(**render(reply).send_kwargs())
    except discord.Forbidden as exc:
        if exc.code == CANNOT_MESSAGE_USER:
            raise RecipientGone("the member blocked the bot or accepts no direct messages "
                                "from server members") from None
        raise DeliveryError(f"Discord refused the direct message: {exc.text}") from None
    except discord.HTTPException as exc:
        raise DeliveryError(f"Discord refused the direct message ({exc.status}): "
                            f"{exc.text or 'no reason given'}") from None
    except (aiohttp.ClientConnectorError, ConnectionRefusedError) as exc:
        raise DeliveryError(f"I couldn't reach Discord ({type(exc).__name__}).") from None
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise DeliveryUnconfirmed(f"The connection to Discord broke while sending "
                                  f"({type(exc).__name__}).") from None
