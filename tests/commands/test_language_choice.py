"""Which language a member reads: their own choice, their app's, their team's, in that order."""

from __future__ import annotations

from chatbot.storage import Storage
from commands.registry import Dispatcher
from tests.commands.german import GermanMember

TEAM = "console:acme"
GERMAN_HELP = "Kloutbot – was ich kann"
ENGLISH_HELP = "Kloutbot — what I can do"


async def title_of_help(member: GermanMember) -> str:
    return (await member.says("help")).title


async def test_a_member_who_chooses_german_reads_german_from_then_on(
    dispatcher: Dispatcher, storage: Storage
) -> None:
    member = GermanMember(dispatcher, "alice", locale=None)
    assert await title_of_help(member) == ENGLISH_HELP
    chosen = await member.says("language de")
    assert chosen.title == "Sprache gespeichert"
    assert chosen.text.startswith("Kloutbot spricht ab jetzt Deutsch mit dir")
    assert await title_of_help(member) == GERMAN_HELP
    stored = await storage.members.get(TEAM, "alice")
    assert stored is not None and stored.language == "de"


async def test_an_english_choice_beats_a_german_app(dispatcher: Dispatcher) -> None:
    member = GermanMember(dispatcher, "alice", locale="de-DE")
    assert await title_of_help(member) == GERMAN_HELP
    chosen = await member.says("language en")
    assert chosen.title == "Language saved"
    assert await title_of_help(member) == ENGLISH_HELP


async def test_auto_follows_the_app_again_then_the_team(
    dispatcher: Dispatcher, storage: Storage
) -> None:
    member = GermanMember(dispatcher, "alice", locale="de")
    await member.says("language en")
    back = await member.says("language auto")
    assert back.text.startswith("Kloutbot richtet sich jetzt nach der Sprache deiner App")
    assert await title_of_help(member) == GERMAN_HELP
    stored = await storage.members.get(TEAM, "alice")
    assert stored is not None and stored.language is None
    member.locale = None  # an app that says nothing: the team's language, English here
    assert await title_of_help(member) == ENGLISH_HELP


async def test_the_team_language_set_by_an_admin_is_what_members_read(
    dispatcher: Dispatcher, storage: Storage
) -> None:
    admin = GermanMember(dispatcher, "boss", admin=True, locale=None)
    member = GermanMember(dispatcher, "alice", locale=None)
    assert await title_of_help(member) == ENGLISH_HELP
    saved = await admin.says("config language de")
    # The admin reads the team's new language at once, and the overview names it.
    assert saved.title == "language gespeichert"
    assert {item.label: item.value for item in saved.fields}["Sprache"] == "Deutsch"
    assert await title_of_help(member) == GERMAN_HELP
    team = await storage.teams.get(TEAM)
    assert team is not None and team.language == "de"
    refused = await admin.says("config language fr")
    assert refused.text == "Die Sprache ist de (Deutsch) oder en (English)."


async def test_a_member_choice_beats_the_team_language(dispatcher: Dispatcher) -> None:
    admin = GermanMember(dispatcher, "boss", admin=True, locale=None)
    await admin.says("config language de")
    member = GermanMember(dispatcher, "alice", locale=None)
    await member.says("language en")
    assert await title_of_help(member) == ENGLISH_HELP
    assert await title_of_help(admin) == GERMAN_HELP


async def test_a_german_app_beats_an_english_team(dispatcher: Dispatcher) -> None:
    member = GermanMember(dispatcher, "alice", locale="de_AT.UTF-8")
    assert await title_of_help(member) == GERMAN_HELP
    english = GermanMember(dispatcher, "bob", locale="en-GB")
    assert await title_of_help(english) == ENGLISH_HELP


async def test_a_new_team_on_a_german_server_starts_german(
    dispatcher: Dispatcher, storage: Storage
) -> None:
    first = GermanMember(dispatcher, "alice", locale=None, team_locale="de")
    assert await title_of_help(first) == GERMAN_HELP
    team = await storage.teams.get(TEAM)
    assert team is not None and team.language == "de"
    # The server's locale chose the start only: an admin's later choice stays.
    admin = GermanMember(dispatcher, "boss", admin=True, locale=None, team_locale="de")
    await admin.says("config language en")
    assert await title_of_help(first) == ENGLISH_HELP
