"""End to end: the real discord.py client, connected to a fake Discord, answering
INTERACTION_CREATE dispatches the way Discord would see it."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from discord_fake_server import Call, Dispatched, FakeDiscord
from discord_harness import StartPlatform
from discord_payloads import (
    ALICE,
    BOB,
    EVERYTHING,
    GUILD_ID,
    autocomplete,
    button_click,
    member,
    slash,
    slash_in_dm,
    user,
)

from chatbot.platforms.discord_platform import DiscordPlatform
from chatbot.storage import Storage
from chatbot.values.reply import Reply, Visibility
from commands.context import Context, Services
from commands.endorse import LIMITS
from commands.registry import Dispatcher, all_commands
from commands.spec import Args, CommandSpec
from tests.conftest import shared_fixture
from tests.support.fakes import FakeEngine, FrozenClock, seed_scores

TEAM = f"discord:{GUILD_ID}"
EPHEMERAL = 64
DEADLINE = 3.0
NO_PINGS: dict[str, list[str]] = {"parse": []}


async def _callback(fake: FakeDiscord, sent: Dispatched) -> Call:
    call = await fake.wait_for_call("POST", rf"/interactions/{sent.interaction_id}/.+/callback")
    assert call.at - sent.at < DEADLINE
    return call


def _embed(body: dict[str, Any]) -> dict[str, Any]:
    embeds = body["embeds"]
    assert len(embeds) == 1
    return dict(embeds[0])


def _all_text(embed: dict[str, Any]) -> str:
    parts = [embed.get("title", ""), embed.get("description", ""),
             embed.get("footer", {}).get("text", "")]
    parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


async def test_help_is_answered_ephemerally_within_the_deadline_without_pings(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    call = await _callback(fake_discord, await fake_discord.dispatch_interaction(slash("help")))
    assert call.json["type"] == 4
    data = call.json["data"]
    assert data["flags"] & EPHEMERAL
    assert data["allowed_mentions"] == NO_PINGS
    embed = _embed(data)
    assert embed["title"] == "Kloutbot — what I can do"
    assert any("/klout give" in field["name"] for field in embed["fields"])


async def test_endorsing_a_picked_member_posts_publicly_and_shows_names_as_text(
    platform: DiscordPlatform, fake_discord: FakeDiscord, storage: Storage,
) -> None:
    payload = slash("give", [{"name": "user", "type": 6, "value": BOB["id"]},
                             {"name": "topic", "type": 3, "value": "python"}],
                    resolved=[member(BOB)])
    call = await _callback(fake_discord, await fake_discord.dispatch_interaction(payload))
    data = call.json["data"]
    assert call.json["type"] == 4
    assert not (data.get("flags") or 0) & EPHEMERAL
    assert data["allowed_mentions"] == NO_PINGS
    text = _all_text(_embed(data))
    assert "Alice endorsed Bob @\u200beveryone for python" in text
    assert "@everyone" not in text
    topics = await storage.endorsements.topics(TEAM, BOB["id"])
    assert [(t.topic, t.givers) for t in topics] == [("python", (ALICE["id"],))]


async def test_commands_in_direct_messages_ask_for_a_server(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    call = await _callback(fake_discord,
                           await fake_discord.dispatch_interaction(slash_in_dm("help")))
    assert call.json["data"]["flags"] & EPHEMERAL
    assert "server" in _embed(call.json["data"])["description"]


async def test_admin_commands_need_manage_server(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    refused = await _callback(fake_discord, await fake_discord.dispatch_interaction(
        slash("config")))
    assert refused.json["data"]["flags"] & EPHEMERAL
    assert "for admins of this server" in _embed(refused.json["data"])["description"]
    allowed = await _callback(fake_discord, await fake_discord.dispatch_interaction(
        slash("config", invoker=member(ALICE, permissions=EVERYTHING))))
    assert _embed(allowed.json["data"])["title"] == "Kloutbot settings for this team"


async def test_a_malformed_date_gets_a_clear_private_error(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    payload = slash("goal", [{"name": "target", "type": 4, "value": 60},
                             {"name": "by", "type": 3, "value": "next friday"}])
    call = await _callback(fake_discord, await fake_discord.dispatch_interaction(payload))
    assert call.json["data"]["flags"] & EPHEMERAL
    assert "YYYY-MM-DD" in _embed(call.json["data"])["description"]


async def test_a_slow_private_command_is_deferred_ephemerally_then_followed_up(
    platform: DiscordPlatform, fake_discord: FakeDiscord, engine: FakeEngine,
) -> None:
    engine.add("github", "octocat", bio="hello", followers=10)
    payload = slash("register", [{"name": "network", "type": 3, "value": "github"},
                                 {"name": "handle", "type": 3, "value": "octocat"}])
    sent = await fake_discord.dispatch_interaction(payload)
    call = await _callback(fake_discord, sent)
    assert call.json["type"] == 5
    assert call.json["data"]["flags"] & EPHEMERAL
    edit = await fake_discord.wait_for_call("PATCH", rf"/webhooks/\d+/{sent.token}/messages/"
                                                     "@original")
    assert edit.json["allowed_mentions"] == NO_PINGS
    assert "klout-TEST-0000" in _all_text(_embed(edit.json))


async def test_a_public_slow_command_with_a_private_answer_is_moved_out_of_the_channel(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    sent = await fake_discord.dispatch_interaction(slash("history"))
    call = await _callback(fake_discord, sent)
    assert call.json["type"] == 5
    assert not (call.json.get("data") or {}).get("flags", 0) & EPHEMERAL
    await fake_discord.wait_for_call("DELETE", rf"/webhooks/\d+/{sent.token}/messages/@original")
    follow_up = await fake_discord.wait_for_call("POST", rf"/webhooks/\d+/{sent.token}$")
    assert follow_up.json["flags"] & EPHEMERAL
    assert follow_up.json["allowed_mentions"] == NO_PINGS
    assert _embed(follow_up.json)["title"] == "No history yet"


async def test_a_history_chart_arrives_as_an_attachment_shown_in_the_embed(
    platform: DiscordPlatform, fake_discord: FakeDiscord, storage: Storage,
    clock: FrozenClock,
) -> None:
    await seed_scores(storage, TEAM, ALICE["id"], "Alice", [30, 32, 35, 36, 40],
                      last_day=clock.now().date())
    sent = await fake_discord.dispatch_interaction(slash("history"))
    await _callback(fake_discord, sent)
    edit = await fake_discord.wait_for_call("PATCH", rf"/webhooks/\d+/{sent.token}/messages/"
                                                     "@original")
    assert _embed(edit.json)["image"]["url"] == "attachment://klout-history.png"
    (filename, png), = edit.files.values()
    assert filename == "klout-history.png" and png.startswith(b"\x89PNG")


async def test_a_command_slower_than_the_threshold_is_deferred_then_followed_up(
    start_platform: StartPlatform, fake_discord: FakeDiscord, services: Services,
) -> None:
    release = asyncio.Event()

    async def wait(ctx: Context, args: Args) -> Reply:
        await release.wait()
        return Reply(text="finally", visibility=Visibility.CHANNEL)

    slow = CommandSpec(name="wait", summary="Waits for the test", handler=wait,
                       private=False)
    await start_platform(dispatcher_=Dispatcher(services, commands=(*all_commands(), slow)),
                         defer_after=0.05)
    sent = await fake_discord.dispatch_interaction(slash("wait"))
    call = await _callback(fake_discord, sent)
    assert call.json["type"] == 5
    assert not (call.json.get("data") or {}).get("flags", 0) & EPHEMERAL
    release.set()
    edit = await fake_discord.wait_for_call("PATCH", rf"/webhooks/\d+/{sent.token}/messages/"
                                                     "@original")
    assert _embed(edit.json)["description"] == "finally"


async def _seed_board(storage: Storage, clock: FrozenClock, members: int) -> None:
    for index in range(members):
        await seed_scores(storage, TEAM, f"{100000000000000000 + index}",
                          f"member {index:02d} <@&123456789012345678>",
                          [20.0 + index], last_day=clock.now().date())


async def test_a_long_leaderboard_has_a_next_button_that_encodes_its_command(
    platform: DiscordPlatform, fake_discord: FakeDiscord, storage: Storage,
    clock: FrozenClock,
) -> None:
    await _seed_board(storage, clock, 12)
    call = await _callback(fake_discord, await fake_discord.dispatch_interaction(
        slash("leaderboard")))
    data = call.json["data"]
    assert call.json["type"] == 4 and not (data.get("flags") or 0) & EPHEMERAL
    description = _embed(data)["description"]
    assert description.startswith("```") and "member 11" in description
    buttons = [c for row in data["components"] for c in row["components"]]
    assert [b["custom_id"] for b in buttons] == ["klout:leaderboard all page 2"]


async def test_a_page_button_from_before_a_restart_edits_the_message_as_the_clicker(
    platform: DiscordPlatform, fake_discord: FakeDiscord, storage: Storage,
    clock: FrozenClock,
) -> None:
    await _seed_board(storage, clock, 12)
    await seed_scores(storage, TEAM, BOB["id"], "Bob", [5.0], last_day=clock.now().date())
    # This platform never sent the message: only the custom id tells it what to do.
    click = button_click("klout:leaderboard all page 2", invoker=member(BOB))
    call = await _callback(fake_discord, await fake_discord.dispatch_interaction(click))
    assert call.json["type"] == 7
    data = call.json["data"]
    assert data["allowed_mentions"] == NO_PINGS
    embed = _embed(data)
    assert "page 2 of 2" in embed["footer"]["text"]
    assert "▶" in embed["description"] and "Bob" in embed["description"]
    buttons = [c for row in data["components"] for c in row["components"]]
    assert [b["custom_id"] for b in buttons] == ["klout:leaderboard all page 1"]


async def test_the_forget_button_deletes_and_answers_only_the_clicker(
    platform: DiscordPlatform, fake_discord: FakeDiscord, storage: Storage,
    clock: FrozenClock,
) -> None:
    await seed_scores(storage, TEAM, ALICE["id"], "Alice", [30.0], last_day=clock.now().date())
    prompt = await _callback(fake_discord, await fake_discord.dispatch_interaction(
        slash("forget")))
    assert prompt.json["data"]["flags"] & EPHEMERAL
    (button,) = [c for row in prompt.json["data"]["components"] for c in row["components"]]
    assert button["custom_id"] == "klout:forget confirm"
    click = button_click(button["custom_id"], message_flags=EPHEMERAL)
    call = await _callback(fake_discord, await fake_discord.dispatch_interaction(click))
    assert call.json["type"] == 4
    assert call.json["data"]["flags"] & EPHEMERAL
    assert "Done" in _embed(call.json["data"])["description"]
    assert await storage.scores.history(TEAM, ALICE["id"], clock.now().date()
                                        - timedelta(days=30)) == []


async def test_export_arrives_as_a_private_json_file(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    call = await _callback(fake_discord, await fake_discord.dispatch_interaction(
        slash("export")))
    assert call.json["data"]["flags"] & EPHEMERAL
    (filename, body), = call.files.values()
    assert filename == "klout-export.json"
    assert json.loads(body)["member"] == ALICE["id"]


async def test_own_networks_autocomplete_offers_the_callers_registered_networks(
    platform: DiscordPlatform, fake_discord: FakeDiscord, storage: Storage,
    clock: FrozenClock,
) -> None:
    await storage.teams.ensure(TEAM, "discord", "", clock.now())
    await storage.members.ensure(TEAM, ALICE["id"], "Alice", clock.now())
    await storage.handles.add(TEAM, ALICE["id"], "github", "octocat", "id-1", "code",
                              clock.now())
    call = await _callback(fake_discord, await fake_discord.dispatch_interaction(
        autocomplete("verify", "network", "gi")))
    assert call.json == {"type": 8, "data": {"choices": [{"name": "github",
                                                          "value": "github"}]}}


async def test_topic_autocomplete_offers_the_teams_topics(
    platform: DiscordPlatform, fake_discord: FakeDiscord, storage: Storage,
    clock: FrozenClock,
) -> None:
    await storage.teams.ensure(TEAM, "discord", "", clock.now())
    await storage.members.ensure(TEAM, ALICE["id"], "Alice", clock.now())
    await storage.members.ensure(TEAM, BOB["id"], "Bob", clock.now())
    for topic in ("Python", "public speaking", "rust"):
        await storage.endorsements.give(TEAM, (BOB["id"], ""), (ALICE["id"], ""), topic,
                                         clock.now(), LIMITS)
    call = await _callback(fake_discord, await fake_discord.dispatch_interaction(
        autocomplete("give", "topic", "p")))
    assert [c["value"] for c in call.json["data"]["choices"]] == ["public speaking", "python"]


async def test_a_recorded_discord_interaction_envelope_is_answered(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    recorded = json.loads(shared_fixture(
        "discord/interaction_chat_input_int_option_dsharpplus_2025.json").read_text())
    recorded["data"] = {"id": recorded["data"]["id"], "name": "klout", "type": 1,
                        "options": [{"name": "goal", "type": 1, "options": [
                            {"name": "target", "type": 4, "value": 60}]}]}
    recorded.setdefault("attachment_size_limit", 10485760)
    call = await _callback(fake_discord, await fake_discord.dispatch_interaction(recorded))
    assert call.json["data"]["allowed_mentions"] == NO_PINGS
    assert "60" in _all_text(_embed(call.json["data"]))


async def test_a_recorded_resolved_member_is_picked_by_id_with_its_name(
    platform: DiscordPlatform, fake_discord: FakeDiscord, storage: Storage,
    clock: FrozenClock,
) -> None:
    recorded = json.loads(shared_fixture(
        "discord/interaction_user_command_resolved_docs.json").read_text())
    target = recorded["data"]["target_id"]
    await seed_scores(storage, TEAM, target, "", [44.0], last_day=clock.now().date())
    payload = slash("score", [{"name": "user", "type": 6, "value": target}])
    resolved = recorded["data"]["resolved"]
    for shown in resolved["members"].values():
        shown.setdefault("flags", 0)  # the 2021 example predates member flags (2023)
    payload["data"]["resolved"] = resolved
    call = await _callback(fake_discord, await fake_discord.dispatch_interaction(payload))
    assert "VoltyDemo" in _all_text(_embed(call.json["data"]))


async def test_a_member_unknown_to_storage_is_named_from_discord(
    platform: DiscordPlatform, fake_discord: FakeDiscord, storage: Storage,
    clock: FrozenClock,
) -> None:
    carol = user("222222222222222222", "carol", "Carol")
    fake_discord.users[carol["id"]] = carol
    await seed_scores(storage, TEAM, carol["id"], "", [44.0], last_day=clock.now().date())
    click = button_click(f"klout:explain <@{carol['id']}>")
    call = await _callback(fake_discord, await fake_discord.dispatch_interaction(click))
    assert "Carol" in _all_text(_embed(call.json["data"]))


async def test_an_option_discord_could_not_resolve_still_gets_a_private_answer(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    payload = slash("give", [{"name": "user", "type": 6, "value": "999999999999999999"},
                             {"name": "topic", "type": 3, "value": "python"}])
    call = await _callback(fake_discord, await fake_discord.dispatch_interaction(payload))
    assert call.json["data"]["flags"] & EPHEMERAL
    assert call.json["data"]["allowed_mentions"] == NO_PINGS
    assert "couldn't read that command's options" in _embed(call.json["data"])["description"]


async def test_a_slow_button_click_is_acknowledged_then_the_message_edited(
    start_platform: StartPlatform, fake_discord: FakeDiscord, services: Services,
) -> None:
    release = asyncio.Event()

    async def wait(ctx: Context, args: Args) -> Reply:
        await release.wait()
        return Reply(text="page ready", visibility=Visibility.CHANNEL)

    slow = CommandSpec(name="wait", summary="Waits for the test", handler=wait,
                       private=False)
    await start_platform(dispatcher_=Dispatcher(services, commands=(*all_commands(), slow)),
                         defer_after=0.05)
    sent = await fake_discord.dispatch_interaction(button_click("klout:wait"))
    call = await _callback(fake_discord, sent)
    assert call.json["type"] == 6
    release.set()
    edit = await fake_discord.wait_for_call("PATCH", rf"/webhooks/\d+/{sent.token}/messages/"
                                                     "@original")
    assert _embed(edit.json)["description"] == "page ready"
