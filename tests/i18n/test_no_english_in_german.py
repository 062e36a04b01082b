"""Every command, answered to a German member on the console, on Slack (the real bolt app,
signed requests) and on Discord (the real discord.py client against the fake gateway),
contains no English sentence from the catalogs, and is German.

This is the sweep over all areas at once (commands, influence, render, followfriday,
platforms): it passes once every area's catalog is complete. Each platform's test
collects the leaks of every invocation before failing, so one run lists all that is left.
"""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr
from rich.console import Console

from chatbot.platforms.console import ConsoleSession
from chatbot.platforms.console_render import render
from chatbot.platforms.slack_adapter import SlackPlatform
from chatbot.settings import Settings
from chatbot.storage import Storage
from commands.registry import Dispatcher, all_commands
from tests.platforms.slack.conftest import SlackSession, slack_settings
from tests.platforms.slack.fake_slack_api import TEAM_ID, FakeSlack, sign, slash_body
from tests.support.english_leaks import english_in, german_in
from tests.support.fakes import FakeEngine, FrozenClock, seed_scores

# The Discord fakes live beside their tests as top-level modules (that folder has no
# package marker, as pytest's rootdir import expects).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platforms" / "discord"))
from discord_fake_server import Call, FakeDiscord
from discord_harness import TOKEN
from discord_payloads import (
    EVERYTHING,
    GUILD_ID,
    member,
    slash,
    user,
)

from chatbot.platforms.discord_platform import DiscordPlatform

BOB = "{bob}"
"""Stands for the teammate in an invocation; each platform writes a mention its way."""

Invocation = tuple[str, str, dict[str, Any]]
"""(command, the text after /klout, the Discord options by name)."""

INVOCATIONS: tuple[Invocation, ...] = (
    ("help", "help", {}),
    ("help", "help leaderboard", {"command": "leaderboard"}),
    ("language", "language de", {"language": "de"}),
    ("score", "", {}),
    ("score", f"score {BOB}", {"user": BOB}),
    ("register", "register mastodon hans@mastodon.social",
     {"network": "mastodon", "handle": "hans@mastodon.social"}),
    ("verify", "verify mastodon", {"network": "mastodon"}),
    ("handles", "handles", {}),
    ("unregister", "unregister mastodon", {"network": "mastodon"}),
    ("leaderboard", "leaderboard", {}),
    ("leaderboard", "leaderboard week", {"period": "week"}),
    ("explain", "explain", {}),
    ("history", "history", {}),
    ("goal", "goal 60 by 2026-12-31", {"target": 60, "by": "2026-12-31"}),
    ("goal", "goal", {}),
    ("goal", "goal clear", {"action": "clear"}),
    ("give", f"give {BOB} python", {"user": BOB, "topic": "python"}),
    ("topics", f"topics {BOB}", {"user": BOB}),
    ("followfriday", "followfriday", {}),
    ("followfriday", "followfriday dm on", {"dm": "on"}),
    ("web", "web", {}),
    ("config", "config", {}),
    ("config", "config web private", {"setting": "web", "value": "private"}),
    ("config", "config weekday friday", {"setting": "weekday", "value": "friday"}),
    ("export", "export", {}),
    ("forget", "forget", {}),
    ("forget", "forget confirm", {"confirm": "confirm"}),
    ("goal", "goal 500", {"target": 500}),
)
"""Run in this order by one German member (an admin) of a team with scores."""

USAGE_ERRORS = ("frobnicate", "goal soon", "leaderboard yesterday")
"""Typed wrong (the text parser's answers; Discord's options can't be typed wrong)."""


def test_every_command_is_swept() -> None:
    assert {name for name, _, _ in INVOCATIONS} == {spec.name for spec in all_commands()}


def assert_all_german(shown: dict[str, str]) -> None:
    """Fails listing, per invocation, the English found or that nothing German was."""
    found: list[str] = []
    for invocation, text in shown.items():
        english = english_in(text)
        if english:
            found.append(f"/klout {invocation}: {english}")
        elif not german_in(text):
            found.append(f"/klout {invocation}: no German in {text[:160]!r}")
    assert not found, "\n".join(["English in German answers:", *found])


async def seed(storage: Storage, engine: FakeEngine, clock: FrozenClock, team: str,
               caller: str, teammate: str) -> None:
    today = clock.now().date()
    await seed_scores(storage, team, caller, "Hans", [30.0 + day for day in range(30)],
                      last_day=today)
    await seed_scores(storage, team, teammate, "Bob", [40.0 - day for day in range(30)],
                      last_day=today)
    engine.add("mastodon", "hans@mastodon.social", bio="klout-TEST-0000")
    await storage.teams.update(team, language="de")


# --- console ----------------------------------------------------------------------

async def test_the_console_answers_every_command_in_german(
    dispatcher: Dispatcher, storage: Storage, engine: FakeEngine, clock: FrozenClock,
    tmp_path: Path,
) -> None:
    await seed(storage, engine, clock, "console:acme", "hans", "bob")
    session = ConsoleSession(dispatcher, "hans", "acme", files_dir=tmp_path, locale="de")
    shown: dict[str, str] = {}
    for text in (*(line for _, line, _ in INVOCATIONS), *USAGE_ERRORS):
        reply, tr = await session.answer(text.replace(BOB, "@bob"))
        out = io.StringIO()
        render(Console(file=out, width=120, color_system=None), reply, tmp_path, tr)
        shown[text] = out.getvalue()
    assert_all_german(shown)


# --- Slack ------------------------------------------------------------------------

@pytest.fixture
async def slack(dispatcher: Dispatcher) -> AsyncIterator[SlackSession]:
    fake = FakeSlack()
    await fake.start()
    fake.add_user("U0HANS", "Hans", admin=True, locale="de-DE")
    fake.add_user("U0BOB", "Bob")
    platform = SlackPlatform(slack_settings(fake.api_url), dispatcher, host="127.0.0.1")
    await platform.start()
    async with aiohttp.ClientSession() as http:
        yield SlackSession(fake, platform, http)
    await platform.stop()
    await fake.stop()


async def test_slack_answers_every_command_in_german(
    slack: SlackSession, storage: Storage, engine: FakeEngine, clock: FrozenClock,
) -> None:
    await seed(storage, engine, clock, f"slack:{TEAM_ID}", "U0HANS", "U0BOB")
    shown: dict[str, str] = {}
    for text in (*(line for _, line, _ in INVOCATIONS), *USAGE_ERRORS):
        token = f"sweep{time.perf_counter_ns()}"
        body = slash_body(text.replace(BOB, "<@U0BOB|bob>"), user_id="U0HANS",
                          response_url=slack.fake.response_url(token))
        status, ack, _ = await slack.post(body, sign(body))
        assert status == 200
        await slack.platform.listeners.drain()
        shown[text] = json.dumps(slack.response_to(token), ensure_ascii=False)
        if ack:  # the "working on it" note; checked apart, as it is German on its own
            shown[f"{text} (acknowledged)"] = ack
    assert_all_german(shown)


# --- Discord ----------------------------------------------------------------------

HANS = user("336733686529654798", "hans", "Hans")
BOB_USER = user("809850198683418695", "bob", "Bob")
KINDS = {"user": 6, "target": 4, "page": 4}


@pytest.fixture
async def discord_platform(dispatcher: Dispatcher, tmp_path: Path
                           ) -> AsyncIterator[tuple[FakeDiscord, DiscordPlatform]]:
    fake = FakeDiscord()
    await fake.start()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=f"sqlite:///{tmp_path / 'klout.db'}",
        discord_token=SecretStr(TOKEN), discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url)
    platform = DiscordPlatform(settings, dispatcher, identify_delay=0.0,
                               guild_ready_timeout=0.01, ready_timeout=5.0)
    await platform.start()
    yield fake, platform
    await platform.stop()
    await fake.close()


def _answers(fake: FakeDiscord, token: str) -> list[Call]:
    return [call for call in fake.calls if "/webhooks/" in call.path and token in call.path
            and call.method in ("PATCH", "POST")]


async def test_discord_answers_every_command_in_german(
    discord_platform: tuple[FakeDiscord, DiscordPlatform], storage: Storage,
    engine: FakeEngine, clock: FrozenClock,
) -> None:
    fake, _ = discord_platform
    await seed(storage, engine, clock, f"discord:{GUILD_ID}", HANS["id"], BOB_USER["id"])
    shown: dict[str, str] = {}
    for name, text, options in INVOCATIONS:
        values = [{"name": key, "type": KINDS.get(key, 3),
                   "value": BOB_USER["id"] if value == BOB else value}
                  for key, value in options.items()]
        resolved = [member(BOB_USER)] if BOB in options.values() else None
        payload = slash(name, values, invoker=member(HANS, permissions=EVERYTHING),
                        resolved=resolved)
        payload["locale"] = "de"
        sent = await fake.dispatch_interaction(payload)
        callback = await fake.wait_for_call(
            "POST", rf"/interactions/{sent.interaction_id}/.+/callback")
        bodies = [callback.json.get("data") or {}]
        if callback.json["type"] == 5:  # deferred: the answer follows on the webhook
            def answered(token: str = sent.token) -> list[Call] | None:
                return _answers(fake, token) or None

            bodies += [call.json for call in await fake.wait_until(answered, within=10.0)]
        shown[text] = json.dumps(bodies, ensure_ascii=False)
    assert_all_german(shown)
