"""German and English on Discord, end to end with the real discord.py client against the
fake Discord: the interaction's locale picks the member's language, the guild's locale a
new server's, and the synced command list carries German descriptions for German
clients while names and choice values stay what people type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import discord
import pytest
from discord import app_commands
from discord_fake_server import Call, Dispatched, FakeDiscord
from discord_harness import StartPlatform
from discord_payloads import GUILD_ID, slash, slash_in_dm

from chatbot.admission import BUSY_TEXT, Admission
from chatbot.i18n import load_catalogs
from chatbot.platforms.discord_commands import (
    GROUP_DESCRIPTION,
    SyncState,
    build_klout_group,
    sync_commands,
)
from chatbot.platforms.discord_platform import DiscordPlatform
from chatbot.platforms.discord_render import render
from chatbot.platforms.discord_translation import CatalogTranslator
from chatbot.storage import Storage
from chatbot.values.reply import Field, Reply, Table
from commands.context import Services
from commands.registry import Dispatcher, all_commands
from commands.spec import CommandSpec
from tests.support.english_leaks import english_in
from tests.support.gate import Gate
from tests.test_admission import traced

SYNC = r"^/applications/\d+(/guilds/\d+)?/commands$"
EPHEMERAL = 64
TEAM = f"discord:{GUILD_ID}"


def in_locale(payload: dict[str, Any], locale: str,
              guild_locale: str | None = None) -> dict[str, Any]:
    """An interaction from a client running in `locale` (and a server in `guild_locale`)."""
    payload["locale"] = locale
    if guild_locale is not None:
        payload["guild_locale"] = guild_locale
        payload["guild"]["locale"] = guild_locale
    return payload


async def answer_to(fake: FakeDiscord, sent: Dispatched) -> dict[str, Any]:
    call = await fake.wait_for_call("POST", rf"/interactions/{sent.interaction_id}/.+/callback")
    data: dict[str, Any] = call.json["data"]
    return data


def embed_text(data: dict[str, Any]) -> str:
    (embed,) = data["embeds"]
    parts = [embed.get("title", ""), embed.get("description", "")]
    parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


def _subcommand(sync: Call, name: str) -> dict[str, Any]:
    (klout,) = sync.json
    return next(o for o in klout["options"] if o["name"] == name)


async def test_a_german_client_sees_german_descriptions_and_the_names_people_type(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    (sync,) = fake_discord.calls_to("PUT", SYNC)
    (klout,) = sync.json
    german = load_catalogs().translator("de")
    assert klout["name"] == "klout" and not klout["name_localizations"]
    assert klout["description_localizations"] == {"de": german._(GROUP_DESCRIPTION)}
    assert klout["description_localizations"]["de"] == (
        "Kloutbot: nachvollziehbare Klout-Werte, Ranglisten und #FollowFriday")
    language = _subcommand(sync, "language")
    assert language["description_localizations"]["de"].startswith(
        "Deine Sprache für Kloutbot: de (Deutsch), en (English) oder auto")
    assert len(language["description_localizations"]["de"]) <= 100
    (option,) = language["options"]
    assert option["name"] == "language" and "name_localizations" not in option
    assert option["description_localizations"] == {"de": "de, en oder auto"}
    assert [choice["value"] for choice in option["choices"]] == ["de", "en", "auto"]
    assert all("name_localizations" not in choice for choice in option["choices"])
    assert option["description"] == "de, en or auto"  # English clients: as before


async def test_a_german_client_gets_the_answer_in_german_in_an_english_server(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    payload = in_locale(slash("language", [{"name": "language", "type": 3, "value": "auto"}]),
                        "de", guild_locale="en-US")
    data = await answer_to(fake_discord, await fake_discord.dispatch_interaction(payload))
    text = embed_text(data)
    assert data["embeds"][0]["title"] == "Sprache gespeichert"
    assert "Du liest Deutsch." in text
    assert english_in(text) == []


async def test_an_english_client_gets_exactly_the_english_answer(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    payload = slash("language", [{"name": "language", "type": 3, "value": "auto"}])
    data = await answer_to(fake_discord, await fake_discord.dispatch_interaction(payload))
    assert data["embeds"][0]["title"] == "Language saved"
    assert data["embeds"][0]["description"] == (
        "Kloutbot now follows your app's language, and the team's where your app doesn't "
        "say: you read English.")


async def test_a_new_german_server_starts_in_german_for_clients_in_other_languages(
    platform: DiscordPlatform, fake_discord: FakeDiscord, storage: Storage,
) -> None:
    payload = in_locale(slash("language", [{"name": "language", "type": 3, "value": "auto"}]),
                        "fr", guild_locale="de")
    data = await answer_to(fake_discord, await fake_discord.dispatch_interaction(payload))
    assert "Du liest Deutsch." in embed_text(data)
    team = await storage.teams.get(TEAM)
    assert team is not None and team.language == "de"


async def test_a_direct_message_is_refused_in_the_clients_language(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    german = await answer_to(fake_discord, await fake_discord.dispatch_interaction(
        in_locale(slash_in_dm("help"), "de")))
    assert german["flags"] & EPHEMERAL
    assert embed_text(german).strip() == (
        "Kloutbot bewertet die Mitglieder eines Servers, deshalb funktioniert /klout in den "
        "Kanälen eines Servers, nicht in Direktnachrichten.")
    english = await answer_to(fake_discord, await fake_discord.dispatch_interaction(
        slash_in_dm("help")))
    assert "works in a server's channels, not in direct messages" in embed_text(english)


async def test_the_busy_refusal_is_german_for_a_german_client_without_any_query(
    start_platform: StartPlatform, fake_discord: FakeDiscord, services: Services,
    storage: Storage,
) -> None:
    gate = Gate()
    dispatcher = Dispatcher(services, commands=(*all_commands(), gate.spec),
                            admission=Admission(1, deadline_seconds=60))
    await start_platform(dispatcher_=dispatcher, defer_after=0.05)
    await fake_discord.dispatch_interaction(slash("wait"))
    await gate.wait_entered(1)
    async with traced(storage) as statements:
        german = await answer_to(fake_discord, await fake_discord.dispatch_interaction(
            in_locale(slash("leaderboard"), "de")))
        english = await answer_to(fake_discord, await fake_discord.dispatch_interaction(
            slash("leaderboard")))
    assert statements == []
    assert embed_text(german).strip() == (
        "Ich habe gerade sehr viele Anfragen auf einmal. Bitte versuch es gleich noch einmal.")
    assert embed_text(english).strip() == BUSY_TEXT
    gate.open()


class RecordingTree(app_commands.CommandTree[discord.Client]):
    """Records syncs instead of calling Discord."""

    synced = 0

    async def sync(self, *, guild: discord.abc.Snowflake | None = None
                   ) -> list[app_commands.AppCommand]:
        self.synced += 1
        return []


class Reworded(app_commands.Translator):
    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        return "Neu formuliert" if locale is discord.Locale.german else None


async def _nothing(interaction: discord.Interaction, spec: CommandSpec,
                   values: Mapping[str, Any]) -> None:
    return None


async def test_a_changed_translation_is_synced_like_a_changed_command(
    dispatcher: Dispatcher, tmp_path: Any,
) -> None:
    state = SyncState(tmp_path / "sync.json")
    client = discord.Client(intents=discord.Intents.none())
    tree = RecordingTree(client)
    tree.add_command(build_klout_group(dispatcher, _nothing))
    await tree.set_translator(CatalogTranslator(dispatcher.services.catalogs))
    assert await sync_commands(tree, state, 1, None)
    assert not await sync_commands(tree, state, 1, None)
    await tree.set_translator(Reworded())
    assert await sync_commands(tree, state, 1, None)
    assert tree.synced == 2


async def test_names_and_choices_are_never_translated_even_when_a_catalog_has_the_word(
    dispatcher: Dispatcher,
) -> None:
    """discord.py offers names and choice names to the translator as well; "Language saved"
    stands for any English text that happens to be a catalog id."""
    translator = CatalogTranslator(dispatcher.services.catalogs)
    context = app_commands.TranslationContext(
        location=app_commands.TranslationContextLocation.command_name, data=None)
    plain = app_commands.locale_str("Language saved")
    marked = app_commands.locale_str("Language saved", msgid="Language saved")
    assert await translator.translate(plain, discord.Locale.german, context) is None
    assert await translator.translate(marked, discord.Locale.german, context) == \
        "Sprache gespeichert"
    assert await translator.translate(marked, discord.Locale.american_english, context) is None


def test_what_rendering_adds_is_german_in_a_german_embed() -> None:
    german = load_catalogs().translator("de")
    fields = tuple(Field(f"f{i}", "v") for i in range(40))
    assert render(Reply(fields=fields), german).embed.fields[-1].value == \
        "16 weitere nicht angezeigt"
    rows = tuple((str(i), f"member-{i:04d}-" + "x" * 40, "50") for i in range(200))
    description = render(Reply(table=Table(("#", "Mitglied", "Wert"), rows)),
                         german).embed.description
    assert description is not None and "weitere Zeilen\n```" in description


async def test_an_option_discord_could_not_resolve_is_explained_in_german(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    payload = in_locale(slash("give", [{"name": "user", "type": 6,
                                        "value": "999999999999999999"},
                                       {"name": "topic", "type": 3, "value": "python"}]), "de")
    data = await answer_to(fake_discord, await fake_discord.dispatch_interaction(payload))
    assert embed_text(data).strip() == (
        "Ich konnte die Optionen dieses Befehls nicht lesen; bitte versuch es noch einmal.")


async def test_a_refused_option_is_explained_in_the_members_language(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    """Discord's client limits are a convenience; the same check as on Slack refuses 500."""
    payload = in_locale(slash("goal", [{"name": "target", "type": 4, "value": 500}]), "de")
    data = await answer_to(fake_discord, await fake_discord.dispatch_interaction(payload))
    assert data["flags"] & EPHEMERAL
    assert embed_text(data).strip() == "TARGET muss zwischen 1 und 100 liegen."


async def test_the_apology_for_a_crash_is_german_in_a_german_client(
    platform: DiscordPlatform, fake_discord: FakeDiscord, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(dispatcher, "run", crash)
    data = await answer_to(fake_discord, await fake_discord.dispatch_interaction(
        in_locale(slash("help"), "de")))
    assert embed_text(data).strip() == "Bei mir ist etwas schiefgegangen; das wurde protokolliert."


async def test_while_restarting_a_german_client_is_told_so_in_german(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    platform.client.responder.accepting = False  # what stop() sets before draining
    data = await answer_to(fake_discord, await fake_discord.dispatch_interaction(
        in_locale(slash("help"), "de")))
    assert embed_text(data).strip() == \
        "Kloutbot startet gerade neu; bitte versuch es gleich noch einmal."
