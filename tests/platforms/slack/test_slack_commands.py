"""/klout end to end: signed requests into the real AsyncApp over HTTP, answers read back
from what the fake Slack received."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from chatbot.storage import Storage
from tests.conftest import shared_fixture
from tests.platforms.slack.conftest import CHANNEL_ID, SlackSession, sign, slash_body
from tests.platforms.slack.fake_slack_api import TEAM_ID
from tests.support.fakes import FrozenClock, seed_scores

TEAM = f"slack:{TEAM_ID}"
HOSTILE_NAMES = ["<!channel>", "<!here>", "<!everyone>", "<!subteam^S0123|@devs>", "<@U0BOB>",
                 "@everyone", "*bold* _it_", "<https://evil.example|click>", "x" * 10_000]


def all_text(answer: dict[str, Any]) -> str:
    return json.dumps(answer, ensure_ascii=False)


def buttons(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]


async def seed_team(storage: Storage, clock: FrozenClock, names: dict[str, str]) -> None:
    today = clock.now().date()
    for index, (user_id, name) in enumerate(names.items()):
        await seed_scores(storage, TEAM, user_id, name, [30.0 + index, 31.0 + index],
                          last_day=today)


async def test_help_is_answered_privately_with_block_kit(slack: SlackSession) -> None:
    answer = await slack.command("help")
    assert answer["response_type"] == "ephemeral"
    assert answer["blocks"][0]["type"] == "header"
    assert "what I can do" in answer["blocks"][0]["text"]["text"]
    assert "/klout leaderboard" in answer["text"]
    assert all(len(b["text"]["text"]) <= 3000 for b in answer["blocks"] if b["type"] == "section")


async def test_the_acknowledgement_comes_back_at_once_and_the_answer_follows(
    slack: SlackSession,
) -> None:
    body = slash_body("help", user_id="U0ALICE", response_url=slack.fake.response_url("quick"))
    status, text, elapsed = await slack.post(body, sign(body))
    assert status == 200
    assert text == ""  # an empty ack: nothing shown until the answer arrives
    assert elapsed < 1.0
    await slack.fake.wait_for("respond")


async def test_a_slow_command_is_acknowledged_with_a_working_note(slack: SlackSession) -> None:
    body = slash_body("history", user_id="U0ALICE", response_url=slack.fake.response_url("s"))
    status, text, _ = await slack.post(body, sign(body))
    assert status == 200
    assert json.loads(text) == {"response_type": "ephemeral",
                                "text": ":hourglass_flowing_sand: Working on it…"}
    await slack.platform.listeners.drain()


async def test_score_card_of_a_mentioned_member_goes_to_the_channel(
    slack: SlackSession, storage: Storage, clock: FrozenClock,
) -> None:
    await seed_team(storage, clock, {"U0BOB": "Bob"})
    answer = await slack.command("<@U0BOB|bob>")
    assert answer["response_type"] == "in_channel"
    assert answer["blocks"][0]["text"]["text"].startswith("Bob — Klout")
    fields = [f["text"] for b in answer["blocks"] for f in b.get("fields", [])]
    assert any(f.startswith("*Score*\n") for f in fields)
    assert answer["unfurl_links"] is False
    assert "refreshed" in all_text(answer)


async def test_a_mention_without_a_label_resolves_too(
    slack: SlackSession, storage: Storage, clock: FrozenClock,
) -> None:
    await seed_team(storage, clock, {"U0BOB": "Bob"})
    answer = await slack.command("explain <@U0BOB>")
    assert "Bob" in all_text(answer)
    assert "not a member" not in all_text(answer)


async def test_a_typed_at_name_is_refused_privately_with_a_clear_message(
    slack: SlackSession,
) -> None:
    answer = await slack.command("@bob")
    assert answer["response_type"] == "ephemeral"
    assert "not a member I can find" in all_text(answer)
    assert answer["blocks"][0]["text"]["text"].startswith(":x: ")


async def test_hostile_names_never_ping_anyone_on_the_leaderboard(
    slack: SlackSession, storage: Storage, clock: FrozenClock,
) -> None:
    await seed_team(storage, clock, {f"U0H{i}": name for i, name in enumerate(HOSTILE_NAMES)})
    await seed_team(storage, clock, {"U0ALICE": "<!channel> Alice"})
    answer = await slack.command("leaderboard")
    assert answer["response_type"] == "in_channel"
    table = next(b["text"]["text"] for b in answer["blocks"]
                 if b["type"] == "section" and b["text"]["text"].startswith("```"))
    assert "&lt;!channel&gt;" in table and "&lt;@U0BOB&gt;" in table
    assert "← you" in table
    sent = slack.fake.everything_posted()
    assert "<!" not in sent and "<@" not in sent and "<http" not in sent
    assert all(len(b["text"]["text"]) <= 3000 for b in answer["blocks"] if b["type"] == "section")


async def test_a_hostile_name_in_a_score_card_title_is_escaped(
    slack: SlackSession, storage: Storage, clock: FrozenClock,
) -> None:
    await seed_team(storage, clock, {"U0BOB": "<!here> " + "y" * 10_000})
    answer = await slack.command("<@U0BOB>")
    header = answer["blocks"][0]["text"]["text"]
    assert header.startswith("&lt;!here&gt; yyy") and header.endswith("…")
    assert len(header) <= 150
    assert "<!" not in slack.fake.everything_posted()


async def test_leaderboard_next_button_replaces_the_message_with_page_two(
    slack: SlackSession, storage: Storage, clock: FrozenClock,
) -> None:
    await seed_team(storage, clock, {f"U0M{i:02d}": f"Member {i:02d}" for i in range(25)})
    first = await slack.command("leaderboard")
    assert "page 1 of 3" in all_text(first)
    (next_button,) = buttons(first)
    assert next_button["action_id"] == "klout_button_0"
    assert next_button["value"] == "leaderboard all page 2"

    second = await slack.click(first, 0, user_id="U0BOB")
    assert second["replace_original"] is True
    assert second["response_type"] == "in_channel"
    assert "page 2 of 3" in all_text(second)
    assert [b["text"]["text"] for b in buttons(second)] == ["◀ Previous", "Next ▶"]


async def test_forget_asks_first_and_the_button_deletes_privately(
    slack: SlackSession, storage: Storage, clock: FrozenClock,
) -> None:
    await seed_team(storage, clock, {"U0ALICE": "Alice"})
    question = await slack.command("forget")
    assert question["response_type"] == "ephemeral"
    (confirm,) = buttons(question)
    assert confirm["style"] == "danger" and confirm["value"] == "forget confirm"
    assert await storage.scores.latest(TEAM, "U0ALICE") is not None

    done = await slack.click(question, 0, user_id="U0ALICE", ephemeral=True)
    assert done["response_type"] == "ephemeral"
    assert done["replace_original"] is True
    assert "deleted" in all_text(done)
    assert await storage.scores.latest(TEAM, "U0ALICE") is None


async def test_export_arrives_as_a_file_in_a_direct_message(
    slack: SlackSession, storage: Storage, clock: FrozenClock,
) -> None:
    await seed_team(storage, clock, {"U0ALICE": "<!channel> Alice"})
    answer = await slack.command("export")
    assert answer["response_type"] == "ephemeral"
    assert "direct message" in all_text(answer)
    (opened,) = slack.fake.of("conversations.open")
    assert opened.body["users"] == "U0ALICE"
    (url,) = slack.fake.of("files.getUploadURLExternal")
    assert url.body["filename"] == "klout-export.json"
    (upload,) = slack.fake.of("upload")
    assert json.loads(upload.raw)["member"] == "U0ALICE"
    (complete,) = slack.fake.of("files.completeUploadExternal")
    assert complete.body["channel_id"] == "DU0ALICE"
    assert "<!" not in slack.fake.everything_posted()


async def test_export_falls_back_to_a_snippet_when_the_dm_is_not_allowed(
    slack: SlackSession, storage: Storage, clock: FrozenClock,
) -> None:
    await seed_team(storage, clock, {"U0ALICE": "Alice"})
    slack.fake.failures["conversations.open"] = "missing_scope"
    answer = await slack.command("export")
    assert answer["response_type"] == "ephemeral"
    text = all_text(answer)
    assert "couldn't send klout-export.json" in text and "lacks the permission" in text
    assert any(b["type"] == "section" and b["text"]["text"].startswith("```")
               for b in answer["blocks"])
    assert not slack.fake.of("upload")


async def test_history_chart_is_uploaded_into_the_channel(
    slack: SlackSession, storage: Storage, clock: FrozenClock,
) -> None:
    await seed_team(storage, clock, {"U0ALICE": "Alice"})
    answer = await slack.command("history")
    assert answer["response_type"] == "in_channel"
    (upload,) = slack.fake.of("upload")
    assert upload.raw.startswith(b"\x89PNG")
    (url,) = slack.fake.of("files.getUploadURLExternal")
    assert url.body["filename"] == "klout-history.png"
    (complete,) = slack.fake.of("files.completeUploadExternal")
    assert complete.body["channel_id"] == CHANNEL_ID


async def test_a_failed_chart_upload_tells_the_caller_how_to_fix_it(
    slack: SlackSession, storage: Storage, clock: FrozenClock,
) -> None:
    await seed_team(storage, clock, {"U0ALICE": "Alice"})
    slack.fake.failures["files.completeUploadExternal"] = "not_in_channel"
    await slack.command("history")
    answers = slack.fake.of("respond")
    assert len(answers) == 2
    note = json.loads(answers[1].raw)
    assert note["response_type"] == "ephemeral"
    assert "/invite @Kloutbot" in all_text(note)


async def test_admin_commands_need_a_workspace_admin(slack: SlackSession) -> None:
    refused = await slack.command("config", user_id="U0ALICE")
    assert refused["response_type"] == "ephemeral"
    assert "for admins of this workspace" in all_text(refused)
    allowed = await slack.command("config", user_id="U0ADMIN")
    assert "Kloutbot settings" in all_text(allowed)


async def test_a_channel_picked_in_config_is_stored_by_id(
    slack: SlackSession, storage: Storage,
) -> None:
    answer = await slack.command("config channel <#C0FF|followfriday>", user_id="U0ADMIN")
    assert "Saved channel" in all_text(answer)
    team = await storage.teams.get(TEAM)
    assert team is not None and team.post_channel == "C0FF"


async def test_users_info_is_asked_once_per_member_then_cached(slack: SlackSession) -> None:
    await slack.command("help")
    await slack.command("handles")
    lookups = slack.fake.of("users.info")
    assert [call.body["user"] for call in lookups] == ["U0ALICE"]
    assert lookups[0].verb == "GET"


async def test_the_callers_slack_display_name_is_what_the_team_sees(
    slack: SlackSession, storage: Storage, clock: FrozenClock,
) -> None:
    await seed_team(storage, clock, {"U0ALICE": "old name"})
    answer = await slack.command("")
    assert answer["blocks"][0]["text"]["text"].startswith("Alice — Klout")


async def test_an_unknown_member_gets_the_slash_command_user_name(
    slack: SlackSession, storage: Storage, clock: FrozenClock,
) -> None:
    await seed_team(storage, clock, {"U0GHOST": "old"})
    answer = await slack.command("", user_id="U0GHOST")
    assert answer["blocks"][0]["text"]["text"].startswith("u0ghost — Klout")


def _recorded_block_actions() -> dict[str, Any]:
    path = shared_fixture("slack/block_actions_bzapp_2020.json")
    payload: dict[str, Any] = json.loads(path.read_text())
    return payload


async def test_a_recorded_click_on_another_apps_button_is_not_ours(
    slack: SlackSession,
) -> None:
    body = urlencode({"payload": json.dumps(_recorded_block_actions())})
    status, _, _ = await slack.post(body, sign(body))
    assert status == 404  # verified, but bolt has no listener for "edit_events"
    await slack.platform.listeners.drain()
    assert not slack.fake.of("respond")


async def test_our_button_in_a_recorded_interactivity_payload_runs_as_the_clicker(
    slack: SlackSession,
) -> None:
    payload = _recorded_block_actions()
    slack.fake.add_user(payload["user"]["id"], "Recorded Clicker")
    payload["actions"][0].update(action_id="klout_button_0", value="help")
    payload["response_url"] = slack.fake.response_url("recorded")
    body = urlencode({"payload": json.dumps(payload)})
    status, _, _ = await slack.post(body, sign(body))
    assert status == 200
    await slack.platform.listeners.drain()
    answer = slack.response_to("recorded")
    assert answer["response_type"] == "ephemeral"
    assert "what I can do" in all_text(answer)
    (lookup,) = [c for c in slack.fake.of("users.info")
                 if c.body["user"] == payload["user"]["id"]]
    assert lookup.verb == "GET"
