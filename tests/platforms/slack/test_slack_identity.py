"""Mentions, Slack's escaped command text, and the users.info cache."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from chatbot.platforms.slack_identity import (
    SlackDirectory,
    SlackUser,
    command_text,
    resolve_mention,
)
from tests.platforms.slack.fake_slack_api import FakeSlack


@pytest.mark.parametrize(("token", "member"), [
    ("<@U0BOB>", "U0BOB"),
    ("<@U0BOB|bob>", "U0BOB"),
    ("<@W012ABC|Bob Smith>", "W012ABC"),
    ("@bob", None),
    ("<!channel>", None),
    ("<!subteam^S123|@devs>", None),
    ("<#C123|general>", None),
    ("<@U0BOB", None),
    ("<@u0bob>", None),
    ("<@U0BOB|x>y>", None),
])
def test_only_slack_user_mentions_resolve_to_members(token: str, member: str | None) -> None:
    assert resolve_mention(token) == member


def test_escaped_command_text_becomes_what_the_member_typed() -> None:
    assert command_text("give <@U0BOB|bob> R&amp;D &lt;3") == "give <@U0BOB|bob> R&D <3"
    assert command_text("register mastodon <https://mastodon.social/@bob>") == (
        "register mastodon https://mastodon.social/@bob")
    assert command_text("register github <https://github.com/bob|github.com/bob>") == (
        "register github https://github.com/bob")
    assert command_text("config channel <#C0FF|followfriday>") == (
        "config channel <#C0FF|followfriday>")
    assert command_text("give <@U0BOB> <!here>") == "give <@U0BOB> @here"
    assert command_text("x <mailto:a@b.c|a@b.c>") == "x a@b.c"


class Ticking:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_display_names_are_cached_until_the_ttl_runs_out(
    fake_slack: FakeSlack, web_client: AsyncWebClient,
) -> None:
    clock = Ticking()
    directory = SlackDirectory(web_client, ttl_seconds=60, clock=clock)
    assert await directory.display_name("U0ALICE") == "Alice"
    fake_slack.users["U0ALICE"].display_name = "Alice Renamed"
    clock.now += 59
    assert await directory.display_name("U0ALICE") == "Alice"
    clock.now += 2
    assert await directory.display_name("U0ALICE") == "Alice Renamed"
    assert len(fake_slack.of("users.info")) == 2


async def test_owners_and_admins_are_admins_and_members_are_not(
    fake_slack: FakeSlack, web_client: AsyncWebClient,
) -> None:
    fake_slack.add_user("U0OWNER", "Olga").is_owner = True
    directory = SlackDirectory(web_client)
    owner, admin, member = (await directory.get("U0OWNER"), await directory.get("U0ADMIN"),
                            await directory.get("U0BOB"))
    assert owner is not None and owner.is_admin
    assert admin is not None and admin.is_admin
    assert member is not None and not member.is_admin


async def test_an_unknown_member_is_none_and_a_slack_failure_is_not_cached(
    fake_slack: FakeSlack, web_client: AsyncWebClient,
) -> None:
    directory = SlackDirectory(web_client)
    assert await directory.get("U0NOBODY") is None
    fake_slack.failures["users.info"] = "ratelimited"
    assert await directory.get("U0BOB") is None
    del fake_slack.failures["users.info"]
    bob = await directory.get("U0BOB")
    assert bob is not None and bob.display_name == "Bob"


async def test_concurrent_lookups_of_one_member_share_one_request(
    fake_slack: FakeSlack, web_client: AsyncWebClient,
) -> None:
    directory = SlackDirectory(web_client)
    names = await asyncio.gather(*(directory.display_name("U0BOB") for _ in range(20)))
    assert set(names) == {"Bob"}
    assert len(fake_slack.of("users.info")) == 1


async def test_a_remembered_member_needs_no_request(
    fake_slack: FakeSlack, web_client: AsyncWebClient,
) -> None:
    directory = SlackDirectory(web_client)
    directory.remember(SlackUser("U0ZED", "Zed", is_admin=False))
    assert await directory.display_name("U0ZED") == "Zed"
    assert not fake_slack.of("users.info")


async def test_an_empty_display_name_falls_back_to_the_real_name(
    fake_slack: FakeSlack, web_client: AsyncWebClient,
) -> None:
    fake_slack.add_user("U0RAW", "")
    fake_slack.users["U0RAW"].payload = lambda: {  # type: ignore[method-assign]
        "id": "U0RAW", "name": "raw.handle", "real_name": "Rae Real",
        "profile": {"display_name": "", "real_name": "Rae Real"}}
    assert await SlackDirectory(web_client).display_name("U0RAW") == "Rae Real"
