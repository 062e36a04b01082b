"""Every /klout command through the console session against a real database."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest

from chatbot.platforms.console import ConsoleSession
from chatbot.storage import Storage
from chatbot.values.reply import Tone, Visibility
from commands.registry import Dispatcher
from tests.support.fakes import FakeEngine, FrozenClock, seed_scores

TEAM = "console:acme"


def everything(reply: object) -> str:
    """All text a reply would show, for assertions."""
    return json.dumps(reply, default=lambda o: getattr(o, "__dict__", str(o)), ensure_ascii=False)


async def test_help_lists_every_command(console: ConsoleSession) -> None:
    reply = await console.handle("help")
    text = everything(reply)
    for name in ("register", "verify", "leaderboard", "explain", "history", "goal", "give",
                 "topics", "followfriday", "forget", "export", "config"):
        assert f"/klout {name}" in text


async def test_register_checks_the_account_exists_and_stores_nothing_otherwise(
    console: ConsoleSession, engine: FakeEngine, storage: Storage
) -> None:
    missing = await console.handle("register github ghost-user")
    assert missing.tone is Tone.ERROR and missing.visibility is Visibility.PRIVATE
    assert "couldn't find" in missing.text
    assert await storage.handles.for_team(TEAM) == []

    engine.add("github", "octocat", followers=10)
    ok = await console.handle("register github octocat")
    assert ok.tone is Tone.SUCCESS
    assert "klout-TEST-0000" in ok.text and "/klout verify github" in ok.text
    assert engine.refreshed == [(TEAM, "alice")]
    [handle] = await storage.handles.for_team(TEAM)
    assert (handle.user_id, handle.network, handle.handle, handle.verified) == (
        "alice", "github", "octocat", False)


async def test_unreachable_network_is_a_clear_error_and_stores_nothing(
    console: ConsoleSession, engine: FakeEngine, storage: Storage
) -> None:
    engine.unreachable.add("bluesky")
    reply = await console.handle("register bluesky alice.bsky.social")
    assert reply.tone is Tone.ERROR and "Nothing was saved" in reply.text
    assert await storage.handles.for_team(TEAM) == []


async def test_malformed_handles_are_refused(console: ConsoleSession, storage: Storage) -> None:
    for bad in ("'; DROP TABLE handles;--", "@everyone", "<!channel>", "a" * 300):
        reply = await console.handle(f"register github {bad}")
        assert reply.tone is Tone.ERROR, bad
    assert await storage.handles.for_team(TEAM) == []


async def test_disabled_network_says_which_setting_enables_it(
    console: ConsoleSession, engine: FakeEngine
) -> None:
    engine.disabled["x"] = "X is not enabled on this bot: the admin must set X_BEARER_TOKEN."
    reply = await console.handle("register x jack")
    assert reply.tone is Tone.ERROR and "X_BEARER_TOKEN" in reply.text


async def test_an_account_belongs_to_one_member(
    dispatcher: Dispatcher, engine: FakeEngine, storage: Storage
) -> None:
    engine.add("github", "octocat")
    alice = ConsoleSession(dispatcher, "alice", "acme")
    bob = ConsoleSession(dispatcher, "bob", "acme")
    await alice.handle("register github octocat")
    reply = await bob.handle("register github octocat")
    assert reply.tone is Tone.WARNING and "registered by another member" in reply.text
    assert await storage.handles.for_member(TEAM, "bob") == []


async def test_verify_finds_the_code_in_the_bio(
    console: ConsoleSession, engine: FakeEngine, storage: Storage
) -> None:
    engine.add("github", "octocat", bio="hello")
    await console.handle("register github octocat")
    not_yet = await console.handle("verify github")
    assert not_yet.tone is Tone.ERROR and "klout-TEST-0000" in not_yet.text
    engine.add("github", "octocat", bio="hello klout-TEST-0000")
    done = await console.handle("verify github")
    assert done.tone is Tone.SUCCESS
    handle = await storage.handles.get(TEAM, "alice", "github")
    assert handle is not None and handle.verified
    listing = await console.handle("handles")
    assert "verified" in everything(listing) and "unverified" not in everything(listing)


async def test_unregister_removes_the_account(
    console: ConsoleSession, engine: FakeEngine, storage: Storage
) -> None:
    engine.add("github", "octocat")
    await console.handle("register github octocat")
    assert (await console.handle("unregister github")).tone is Tone.SUCCESS
    assert await storage.handles.for_team(TEAM) == []
    assert (await console.handle("unregister github")).tone is Tone.ERROR


async def test_score_card_shows_score_changes_rank_networks_and_trend(
    console: ConsoleSession, storage: Storage, clock: FrozenClock
) -> None:
    today = clock.now().date()
    await seed_scores(storage, TEAM, "alice", "Alice", [40 + i * 0.2 for i in range(40)],
                      last_day=today, networks={"github": 47.8, "bluesky": 30.0})
    await seed_scores(storage, TEAM, "bob", "Bob", [60.0] * 10, last_day=today)
    await storage.members.mark_refreshed_many([(TEAM, "alice")], clock.now() - timedelta(hours=2))
    reply = await console.handle("")
    text = everything(reply)
    assert reply.title == "alice — Klout 48"  # the console name is the display name
    assert reply.visibility is Visibility.CHANNEL
    fields = {field.label: field.value for field in reply.fields}
    assert fields["7 days"] == "+1" and fields["30 days"] == "+6"
    assert fields["Team rank"] == "#2 of 2"
    assert "refreshed 2 h ago" in reply.footer
    assert "Last 90 days" in fields and len(fields["Last 90 days"]) >= 10
    assert "not a hiring metric" in text


async def test_a_card_whose_points_are_older_than_its_chart_still_shows_the_last_score(
    console: ConsoleSession, storage: Storage, clock: FrozenClock
) -> None:
    today = clock.now().date()
    # Last scored 100 days ago, and 20 days before that: both older than the 90-day chart.
    await seed_scores(storage, TEAM, "alice", "Alice", [30.0], last_day=today - timedelta(120))
    await seed_scores(storage, TEAM, "alice", "Alice", [40.0, 43.0],
                      last_day=today - timedelta(days=100))
    reply = await console.handle("")
    assert reply.title == "alice — Klout 43"
    fields = {field.label: field.value for field in reply.fields}
    assert fields["7 days"] == "–" and fields["30 days"] == "–"
    assert "Last 90 days" not in fields


async def test_score_card_of_someone_without_accounts(
    console: ConsoleSession, storage: Storage, clock: FrozenClock
) -> None:
    await storage.teams.ensure(TEAM, "console", "acme", clock.now())
    await storage.members.ensure(TEAM, "carol", "carol", clock.now())
    reply = await console.handle("@carol")
    assert "carol has not registered" in reply.text


async def test_a_name_nobody_in_the_team_has_is_not_a_member(
    console: ConsoleSession, storage: Storage
) -> None:
    """The console has no directory: `@AnyName` must not create a member who never spoke."""
    for command in ("give @AnyName python", "@AnyName", "topics @AnyName"):
        reply = await console.handle(command)
        assert reply.tone is Tone.ERROR and "not a member I can find" in reply.text, command
    assert [m.user_id for m in await storage.members.all(TEAM)] == []
    assert (await console.handle("give @alice python")).text.startswith("You can't endorse")


async def test_leaderboard_ranks_pages_and_pins_your_row(
    dispatcher: Dispatcher, storage: Storage, clock: FrozenClock
) -> None:
    today = clock.now().date()
    for i in range(25):
        await seed_scores(storage, TEAM, f"m{i:02d}", f"Member {i:02d}", [float(90 - i)] * 8,
                          last_day=today)
    me = ConsoleSession(dispatcher, "m24", "acme")
    first = await me.handle("leaderboard")
    assert first.table is not None
    assert first.table.rows[0][2] == "Member 00"
    assert first.table.rows[-1][2] == "m24"  # pinned, under the name the caller uses
    assert first.table.highlight == len(first.table.rows) - 1
    assert [b.command for b in first.buttons] == ["leaderboard all page 2"]
    third = await me.handle("leaderboard page 3")
    assert third.table is not None and third.table.rows[-1][2] == "m24"
    assert [b.command for b in third.buttons] == ["leaderboard all page 2"]


async def test_movers_rank_by_gain_not_score(
    console: ConsoleSession, storage: Storage, clock: FrozenClock
) -> None:
    today = clock.now().date()
    await seed_scores(storage, TEAM, "alice", "Alice", [30.0] * 8 + [40.0], last_day=today)
    await seed_scores(storage, TEAM, "bob", "Bob", [80.0] * 9, last_day=today)
    reply = await console.handle("leaderboard week")
    assert reply.table is not None
    assert [row[1] for row in reply.table.rows] == ["alice", "Bob"]
    assert reply.table.rows[0][2] == "+10"


async def test_goal_validates_and_projects(
    console: ConsoleSession, storage: Storage, clock: FrozenClock
) -> None:
    today = clock.now().date()
    await seed_scores(storage, TEAM, "alice", "Alice", [40 + i * 0.5 for i in range(30)],
                      last_day=today)
    past = await console.handle(f"goal 60 by {(today - timedelta(days=1)).isoformat()}")
    assert past.tone is Tone.ERROR and "not in the future" in past.text
    reply = await console.handle("goal 60 by 2027-01-31")
    assert reply.tone is Tone.SUCCESS
    assert "+3.5 a week" in reply.text and "on track" in reply.text
    card = await console.handle("")
    assert any(field.label == "Goal" for field in card.fields)


async def test_endorsements_have_caps_and_no_self_endorsement(
    dispatcher: Dispatcher, storage: Storage, clock: FrozenClock
) -> None:
    await storage.teams.ensure(TEAM, "console", "acme", clock.now())
    for name in ("bob", "carol"):
        await storage.members.ensure(TEAM, name, name, clock.now())
    alice = ConsoleSession(dispatcher, "alice", "acme")
    assert (await alice.handle("give @alice python")).tone is Tone.ERROR
    ok = await alice.handle("give @bob python")
    assert ok.tone is Tone.SUCCESS and "+K" in ok.text
    again = await alice.handle("give @bob Python")
    assert again.tone is Tone.ERROR and "this week" in again.text
    for topic in ("go", "rust", "sql", "docs"):
        assert (await alice.handle(f"give @bob {topic}")).tone is Tone.SUCCESS
    capped = await alice.handle("give @carol python")
    assert capped.tone is Tone.ERROR and "daily maximum" in capped.text
    clock.advance(days=1, minutes=1)
    assert (await alice.handle("give @carol python")).tone is Tone.SUCCESS
    clock.advance(days=7)
    assert (await alice.handle("give @bob python")).tone is Tone.SUCCESS
    topics = await alice.handle("topics @bob")
    assert "python · +2" in everything(topics)


async def test_hostile_topics_are_refused(console: ConsoleSession, storage: Storage,
                                          clock: FrozenClock) -> None:
    await storage.teams.ensure(TEAM, "console", "acme", clock.now())
    await storage.members.ensure(TEAM, "bob", "bob", clock.now())
    for topic in ("@everyone", "<!channel>", "<@U123>", "x" * 41):
        assert (await console.handle(f"give @bob {topic}")).tone is Tone.ERROR, topic


async def test_forget_asks_first_then_deletes_every_row_about_you(
    dispatcher: Dispatcher, engine: FakeEngine, storage: Storage, clock: FrozenClock
) -> None:
    engine.add("github", "octocat")
    alice = ConsoleSession(dispatcher, "alice", "acme")
    bob = ConsoleSession(dispatcher, "bob", "acme")
    await alice.handle("register github octocat")
    await seed_scores(storage, TEAM, "alice", "alice", [50.0] * 3, last_day=clock.now().date())
    await alice.handle("goal 70")
    await alice.handle("give @bob python")
    await bob.handle("give @alice rust")
    asked = await alice.handle("forget")
    assert [b.command for b in asked.buttons] == ["forget confirm"]
    assert await storage.handles.for_team(TEAM)
    done = await alice.handle("forget confirm")
    assert done.tone is Tone.SUCCESS
    db = storage.db
    for table in ("members", "handles", "scores", "network_scores", "goals", "posts",
                  "metric_snapshots"):
        rows = await db.fetch_all(f"SELECT * FROM {table} WHERE user_id = 'alice'")
        assert rows == [], table
    rows = await db.fetch_all(
        "SELECT * FROM endorsements WHERE giver_id = 'alice' OR receiver_id = 'alice'")
    assert rows == []
    dump = await db.fetch_all("SELECT * FROM members")
    assert all("alice" not in tuple(row) for row in dump)


async def test_export_contains_all_your_data_as_json(
    console: ConsoleSession, engine: FakeEngine, storage: Storage, clock: FrozenClock
) -> None:
    engine.add("github", "octocat")
    await console.handle("register github octocat")
    await seed_scores(storage, TEAM, "alice", "alice", [50.0, 51.0], last_day=clock.now().date())
    reply = await console.handle("export")
    assert reply.attachment is not None
    name, body = reply.attachment
    document = json.loads(body)
    assert name.endswith(".json")
    assert document["data"]["handles"][0]["handle"] == "octocat"
    assert len(document["data"]["scores"]) == 2


async def test_config_is_for_admins_and_validates(dispatcher: Dispatcher) -> None:
    guest = ConsoleSession(dispatcher, "guest", "acme", admin=False)
    refused = await guest.handle("config timezone Europe/Berlin")
    assert refused.tone is Tone.ERROR and "admins" in refused.text
    admin = ConsoleSession(dispatcher, "boss", "acme")
    bad = await admin.handle("config timezone Mars/Olympus")
    assert bad.tone is Tone.ERROR and "IANA" in bad.text
    for line in ("config timezone Europe/Berlin", "config weekday thursday",
                 "config time 9:30", "config channel #general", "config unverified count",
                 "config networks mastodon, bluesky"):
        assert (await admin.handle(line)).tone is Tone.SUCCESS, line
    shown = everything(await admin.handle("config"))
    for expected in ("Thursday 09:30 Europe/Berlin", "#general", "count (labelled)",
                     "Mastodon, Bluesky"):
        assert expected in shown
    switched_off = await admin.handle("register github octocat")
    assert switched_off.tone is Tone.ERROR and "switched off" in switched_off.text


async def test_teams_never_see_each_others_data(
    dispatcher: Dispatcher, storage: Storage, clock: FrozenClock
) -> None:
    await seed_scores(storage, "console:other", "eve", "Eve", [70.0] * 3,
                      last_day=clock.now().date())
    mine = ConsoleSession(dispatcher, "alice", "acme")
    board = await mine.handle("leaderboard")
    assert "Eve" not in everything(board)
    card = await mine.handle("@eve")
    assert card.tone is Tone.ERROR and "Klout 70" not in everything(card)


async def test_renames_follow_the_id(dispatcher: Dispatcher, storage: Storage,
                                     clock: FrozenClock) -> None:
    await seed_scores(storage, TEAM, "alice", "Alice", [50.0] * 3, last_day=clock.now().date())
    session = ConsoleSession(dispatcher, "alice", "acme")
    renamed = session.caller.__class__(**{**session.caller.__dict__, "display_name": "Alicia"})
    session.caller = renamed
    reply = await session.handle("")
    assert reply.title.startswith("Alicia")


async def test_followfriday_preview_shows_copyable_line(
    dispatcher: Dispatcher, engine: FakeEngine
) -> None:
    engine.add("bluesky", "alice.bsky.social")
    engine.add("bluesky", "bob.bsky.social")
    await ConsoleSession(dispatcher, "alice", "acme").handle("register bluesky alice.bsky.social")
    await ConsoleSession(dispatcher, "bob", "acme").handle("register bluesky bob.bsky.social")
    reply = await ConsoleSession(dispatcher, "alice", "acme").handle("followfriday")
    assert "#FollowFriday @bob.bsky.social" in everything(reply)


async def test_image_teams_get_a_leaderboard_picture_with_the_table(
    console: ConsoleSession, storage: Storage, clock: FrozenClock
) -> None:
    await seed_scores(storage, TEAM, "alice", "alice", [50.0] * 3, last_day=clock.now().date())
    plain = await console.handle("leaderboard")
    assert plain.image is None and plain.table is not None
    await console.handle("config card image")
    pictured = await console.handle("leaderboard")
    assert pictured.table is not None
    assert pictured.image is not None and pictured.image.data.startswith(b"\x89PNG")
    card = await console.handle("")
    assert card.image is not None and card.fields


async def test_repeated_commands_write_nothing_when_no_name_changed(
    console: ConsoleSession, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[str] = []

    async def ensure(team_id: str, *args: object) -> object:
        writes.append(team_id)
        return await original_ensure(team_id, *args)  # type: ignore[arg-type]

    async def follow_rename(team_id: str, user_id: str, name: str) -> None:
        writes.append(user_id)
        await original_rename(team_id, user_id, name)

    original_ensure, original_rename = storage.teams.ensure, storage.members.follow_rename
    monkeypatch.setattr(storage.teams, "ensure", ensure)
    monkeypatch.setattr(storage.members, "follow_rename", follow_rename)
    await console.handle("help")
    await console.handle("help")
    await console.handle("leaderboard")
    assert writes == [TEAM, "alice"]


async def test_after_a_restart_known_names_cost_no_check_and_a_new_name_is_written(
    dispatcher: Dispatcher, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ConsoleSession(dispatcher, user="alice", team="acme").handle("help")
    await seed_scores(storage, TEAM, "alice", "alice", [50.0], last_day=date(2026, 11, 30))
    restarted = Dispatcher(dispatcher.services)
    calls: list[str] = []
    original_ensure, original_rename = storage.teams.ensure, storage.members.follow_rename

    async def ensure(team_id: str, *args: object) -> object:
        calls.append(team_id)
        return await original_ensure(team_id, *args)  # type: ignore[arg-type]

    async def follow_rename(team_id: str, user_id: str, name: str) -> None:
        calls.append(name)
        await original_rename(team_id, user_id, name)

    monkeypatch.setattr(storage.teams, "ensure", ensure)
    monkeypatch.setattr(storage.members, "follow_rename", follow_rename)
    await ConsoleSession(restarted, user="alice", team="acme").handle("help")
    assert calls == [], "the names read with the caller's language were the same"

    renamed = ConsoleSession(restarted, user="alice", team="acme")
    renamed.caller = replace(renamed.caller, display_name="Alice Liddell")
    await renamed.handle("help")
    assert calls == ["Alice Liddell"]
    member = await storage.members.get(TEAM, "alice")
    assert member is not None and member.display_name == "Alice Liddell"
