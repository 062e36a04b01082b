"""`kloutbot discord invite-url`: the link an admin opens to add the bot."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import discord
import pytest
from pydantic import SecretStr

from chatbot.platforms.discord_invite import application_id, application_id_from, invite_url
from chatbot.platforms.discord_platform import api_base
from chatbot.settings import Settings

APP = "1030118727418646629"


def _token(user_id: str) -> str:
    return base64.b64encode(user_id.encode()).decode().rstrip("=") + ".GhIjKl.signature"


def test_invite_asks_for_exactly_the_scopes_and_permissions_used() -> None:
    url = urlsplit(invite_url(APP))
    assert (url.scheme, url.netloc, url.path) == ("https", "discord.com", "/oauth2/authorize")
    query = parse_qs(url.query)
    assert query["client_id"] == [APP]
    assert query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    assert granted == discord.Permissions(view_channel=True, send_messages=True,
                                          embed_links=True, attach_files=True,
                                          read_message_history=True)
    assert granted.value == 52224 | 65536


def test_invite_refuses_something_that_is_not_an_application_id() -> None:
    with pytest.raises(ValueError, match="number"):
        invite_url("my-bot")


def test_the_application_id_is_read_from_the_token() -> None:
    assert application_id_from(_token(APP)) == APP
    assert application_id_from(_token("80351110224678912")) == "80351110224678912"


@pytest.mark.parametrize("token", ["", "not a token", "aGVsbG8.x.y", "%%%.x.y"])
def test_a_token_that_is_not_a_bot_token_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match="bot token"):
        application_id_from(token)


def test_an_explicit_application_id_wins_over_the_token() -> None:
    settings = Settings(_env_file=None, discord_token=SecretStr(_token(APP)),  # type: ignore[call-arg]
                        discord_application_id="42")
    assert application_id(settings) == "42"
    derived = Settings(_env_file=None, discord_token=SecretStr(_token(APP)))  # type: ignore[call-arg]
    assert application_id(derived) == APP


def test_the_api_url_may_be_given_with_or_without_the_version() -> None:
    assert api_base("http://proxy.local/api/") == "http://proxy.local/api/v10"
    assert api_base("https://discord.com/api/v10") == "https://discord.com/api/v10"
