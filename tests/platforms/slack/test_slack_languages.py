"""German and English on Slack, end to end: the member's Slack locale (users.info with
include_locale) chooses the language of the answer and of everything the adapter adds;
an English member sees exactly what they saw before."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from chatbot.admission import BUSY_TEXT
from chatbot.i18n import load_catalogs
from chatbot.platforms.slack_identity import SlackDirectory
from chatbot.platforms.slack_render import render_reply, table_lines
from chatbot.storage import Storage
from chatbot.values.reply import Field, Reply, Table
from tests.platforms.slack.conftest import SlackSession, button_payload
from tests.platforms.slack.fake_slack_api import TEAM_ID, FakeSlack, sign, slash_body
from tests.platforms.slack.test_slack_busy import CAP, StartSlack, answers_to, gate, start_slack
from tests.platforms.slack.test_slack_socket_mode import slash_payload
from tests.support.english_leaks import english_in
from tests.support.fakes import FrozenClock, seed_scores
from tests.support.gate import Gate
from tests.test_admission import traced

__all__ = ["gate", "start_slack"]  # fixtures, used by name

TEAM = f"slack:{TEAM_ID}"
GERMAN_BUSY = "Ich habe gerade sehr viele Anfragen auf einmal. Bitte versuch es gleich noch einmal."


def shown(answer: dict[str, Any]) -> str:
    return json.dumps(answer, ensure_ascii=False)


def add_hans(fake: FakeSlack) -> None:
    fake.add_user("U0HANS", "Hans", locale="de-DE")


async def test_a_member_whose_slack_is_german_reads_the_answer_in_german(
    slack: SlackSession,
) -> None:
    add_hans(slack.fake)
    answer = await slack.command("language auto", user_id="U0HANS")
    assert answer["blocks"][0]["text"]["text"] == ":white_check_mark: Sprache gespeichert"
    assert "Du liest Deutsch." in shown(answer)
    assert english_in(shown(answer)) == []
    (lookup,) = slack.fake.of("users.info")
    assert lookup.body["include_locale"] in ("1", "true")


async def test_an_english_member_reads_exactly_the_english_text(slack: SlackSession) -> None:
    answer = await slack.command("language auto", user_id="U0ALICE")
    assert answer["blocks"][0]["text"]["text"] == ":white_check_mark: Language saved"
    assert answer["text"] == (
        "Language saved\nKloutbot now follows your app's language, and the team's where your "
        "app doesn't say: you read English.")


async def test_the_adapters_own_notes_are_german_for_a_german_member(
    slack: SlackSession, storage: Storage, clock: FrozenClock,
) -> None:
    add_hans(slack.fake)
    await seed_scores(storage, TEAM, "U0HANS", "Hans", [30.0, 31.0],
                      last_day=clock.now().date())
    answer = await slack.command("export", user_id="U0HANS")
    assert "Ich habe dir klout-export.json als Direktnachricht geschickt." in shown(answer)
    assert english_in(shown(answer), files=("platforms.po",)) == []


async def test_the_working_note_in_the_ack_is_german_once_the_members_language_is_known(
    slack: SlackSession,
) -> None:
    add_hans(slack.fake)
    await slack.command("language auto", user_id="U0HANS")
    body = slash_body("history", user_id="U0HANS", response_url=slack.fake.response_url("h"))
    status, ack, _ = await slack.post(body, sign(body))
    await slack.platform.listeners.drain()
    assert status == 200
    assert json.loads(ack) == {"response_type": "ephemeral",
                               "text": ":hourglass_flowing_sand: Ich bin dran …"}


async def test_a_members_own_choice_reaches_the_ack_in_an_english_slack(
    slack: SlackSession,
) -> None:
    await slack.command("language de", user_id="U0ALICE")  # her Slack runs in English
    await slack.command("handles", user_id="U0ALICE")  # answered in her choice
    body = slash_body("history", user_id="U0ALICE", response_url=slack.fake.response_url("h"))
    _, ack, _ = await slack.post(body, sign(body))
    await slack.platform.listeners.drain()
    assert json.loads(ack)["text"] == ":hourglass_flowing_sand: Ich bin dran …"


async def test_when_users_info_fails_the_answer_comes_in_the_teams_language(
    slack: SlackSession, storage: Storage, clock: FrozenClock,
) -> None:
    add_hans(slack.fake)
    await storage.teams.ensure(TEAM, "slack", "acme", clock.now(), "de")
    slack.fake.failures["users.info"] = "ratelimited"
    answer = await slack.command("language auto", user_id="U0HANS")
    assert "Sprache gespeichert" in shown(answer)
    assert "Du liest Deutsch." in shown(answer)


async def test_the_busy_refusal_speaks_the_members_language_without_any_query(
    start_slack: StartSlack, gate: Gate, storage: Storage, fake_slack: FakeSlack,
) -> None:
    add_hans(fake_slack)
    slack = await start_slack()
    await slack.command("language auto", user_id="U0HANS")
    for n in range(CAP):
        body = slash_body("wait", user_id="U0ALICE", response_url=fake_slack.response_url(f"w{n}"))
        await slack.post(body, sign(body))
    await gate.wait_entered(CAP)
    german = slash_body("leaderboard", user_id="U0HANS", response_url=fake_slack.response_url("de"))
    english = slash_body("leaderboard", user_id="U0ALICE",
                         response_url=fake_slack.response_url("en"))
    async with traced(storage) as statements:
        (_, german_ack, _), (_, english_ack, _) = await asyncio.gather(
            slack.post(german, sign(german)), slack.post(english, sign(english)))
    assert statements == []
    assert json.loads(german_ack)["text"] == GERMAN_BUSY
    assert json.loads(english_ack)["text"] == BUSY_TEXT
    gate.open()
    await slack.platform.listeners.drain()
    assert answers_to(fake_slack, "de") == []


async def test_the_too_long_answer_is_german_for_a_german_member(
    start_slack: StartSlack, gate: Gate, fake_slack: FakeSlack,
) -> None:
    add_hans(fake_slack)
    slack = await start_slack(deadline=0.05)
    async with asyncio.timeout(5):
        answer = await slack.command("wait", user_id="U0HANS")
    assert "Das hat zu lange gedauert, deshalb habe ich aufgehört." in shown(answer)
    assert gate.cancelled == 1


async def test_the_directory_keeps_the_locale_with_the_name_for_its_time_to_live(
    fake_slack: FakeSlack, web_client: AsyncWebClient,
) -> None:
    add_hans(fake_slack)
    now = [0.0]
    directory = SlackDirectory(web_client, ttl_seconds=600, clock=lambda: now[0])
    assert directory.cached("U0HANS") is None
    first = await directory.get("U0HANS")
    assert first is not None and first.locale == "de-DE"
    assert directory.cached("U0HANS") == first
    await directory.get("U0HANS")
    assert len(fake_slack.of("users.info")) == 1
    now[0] = 601.0
    assert directory.cached("U0HANS") is None
    await directory.get("U0HANS")
    assert len(fake_slack.of("users.info")) == 2


async def test_over_socket_mode_the_busy_ack_speaks_the_members_language(
    start_slack: StartSlack, gate: Gate, fake_slack: FakeSlack,
) -> None:
    add_hans(fake_slack)
    await start_slack(cap=1, socket_mode=True)

    async def from_hans(text: str, token: str) -> str:
        return await fake_slack.push_envelope(
            "slash_commands", slash_payload(text, fake_slack.response_url(token)) | {
                "user_id": "U0HANS", "user_name": "hans"})

    await from_hans("language auto", "first")
    await fake_slack.wait_until(lambda: bool(answers_to(fake_slack, "first")))
    await from_hans("wait", "held")
    await gate.wait_entered(1)
    envelope_id = await from_hans("help", "busy")
    await fake_slack.wait_until(
        lambda: any(ack.get("envelope_id") == envelope_id for ack in fake_slack.socket_acks))
    (ack,) = [ack for ack in fake_slack.socket_acks if ack.get("envelope_id") == envelope_id]
    assert ack["payload"]["text"] == GERMAN_BUSY
    gate.open()


def test_what_rendering_adds_is_german_in_a_german_message() -> None:
    german = load_catalogs().translator("de")
    big = Reply(title="Groß", fields=tuple(Field(f"f{i}", "v" * 1500, inline=False)
                                           for i in range(80)))
    note = render_reply(big, tr=german).blocks[-1]["elements"][0]["text"]
    assert note.startswith("… ") and "weitere Teile werden nicht angezeigt" in note
    assert render_reply(Reply(), tr=german).blocks[0]["text"]["text"] == "(leere Antwort)"
    table = Table(("#", "Mitglied"), (("1", "Hans"),), highlight=0)
    assert table_lines(table, german)[1].endswith("  ← du")
    snippet = render_reply(Reply(title="Deine Daten"), snippet=("export.json", b"x" * 5000),
                           tr=german)
    assert "export.json: der erste Teil von 5.000 Bytes" in json.dumps(snippet.payload(),
                                                                      ensure_ascii=False)
    english = render_reply(Reply(title="Your data"), snippet=("export.json", b"x" * 5000))
    assert "export.json: the first part of 5,000 bytes" in json.dumps(english.payload())


async def test_a_failed_direct_message_is_explained_in_german(
    slack: SlackSession, storage: Storage, clock: FrozenClock,
) -> None:
    add_hans(slack.fake)
    await seed_scores(storage, TEAM, "U0HANS", "Hans", [30.0], last_day=clock.now().date())
    slack.fake.failures["conversations.open"] = "restricted_action"
    answer = await slack.command("export", user_id="U0HANS")
    assert ("Ich konnte dir klout-export.json nicht als Direktnachricht schicken (Die "
            "Einstellungen dieses Workspaces erlauben mir nicht, in dieser Unterhaltung zu "
            "posten.); hier ist die Datei stattdessen.") in shown(answer)


async def test_a_click_told_busy_hears_it_in_the_members_language(
    start_slack: StartSlack, gate: Gate, fake_slack: FakeSlack,
) -> None:
    add_hans(fake_slack)
    slack = await start_slack(cap=1)
    await slack.command("language auto", user_id="U0HANS")
    held = slash_body("wait", user_id="U0ALICE", response_url=fake_slack.response_url("held"))
    await slack.post(held, sign(held))
    await gate.wait_entered(1)
    blocks = [{"type": "actions", "elements": [{
        "type": "button", "action_id": "klout_button_0", "value": "leaderboard page 2",
        "text": {"type": "plain_text", "text": "Weiter"}}]}]
    payload = button_payload(blocks, 0, user_id="U0HANS", ephemeral=False,
                             response_url=fake_slack.response_url("click"))
    body = urlencode({"payload": json.dumps(payload)})
    await slack.post(body, sign(body))
    await fake_slack.wait_until(lambda: bool(answers_to(fake_slack, "click")))
    (busy,) = answers_to(fake_slack, "click")
    assert busy["text"] == GERMAN_BUSY
    gate.open()


async def test_the_apology_for_a_crash_is_german_for_a_german_member(
    slack: SlackSession, monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_hans(slack.fake)

    async def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(slack.platform.listeners.dispatcher, "run_text", crash)
    answer = await slack.command("help", user_id="U0HANS")
    assert answer["text"] == ("Bei mir ist etwas schiefgegangen; das wurde protokolliert. "
                              "Bitte versuch es noch einmal.")


async def test_a_member_never_answered_before_is_refused_in_the_teams_language(
    start_slack: StartSlack, storage: Storage, clock: FrozenClock,
) -> None:
    """Nothing known of the member after a restart: the ack, which may not wait for Slack
    or the database, speaks the team's language, read when the platform started."""
    await storage.teams.ensure(TEAM, "slack", "Acme", clock.now(), "de")
    slack = await start_slack()
    newcomer = slash_body("leaderboard", user_id="U0NEW", response_url="https://hooks.example/n")
    assert slack.platform.listeners.busy_ack_for(newcomer)["text"] == GERMAN_BUSY
    await storage.teams.update(TEAM, language="en")
    await slack.command("help", user_id="U0NEW")  # every command refreshes what is known
    assert slack.platform.listeners.busy_ack_for(newcomer)["text"] == BUSY_TEXT
