"""Every command answered in German through the dispatcher, with no English left over."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chatbot.i18n import load_catalogs
from chatbot.storage import Storage
from chatbot.values.delivery import DeliveryError
from chatbot.values.message import Msg
from chatbot.values.reply import Tone
from commands.registry import Dispatcher, all_commands
from tests.commands.german import GermanMember, english_left_in, shown
from tests.support.fakes import FakeEngine, FrozenClock, seed_scores

TEAM = "console:acme"


@pytest.fixture
def alice(dispatcher: Dispatcher) -> GermanMember:
    return GermanMember(dispatcher, "alice", admin=True)


def assert_no_english(member: GermanMember) -> None:
    for text in member.seen:
        assert english_left_in(text) == [], text


async def test_help_and_one_commands_help_are_german(alice: GermanMember) -> None:
    overview = await alice.says("help")
    assert overview.title == "Kloutbot – was ich kann"
    text = shown(overview)
    assert "Deine Klout-Karte (oder die eines Teammitglieds)" in text
    assert "/klout register" in text  # command names stay what people type
    goal = shown(await alice.says("help goal"))
    assert "Aufruf: /klout goal [clear] [SCORE] [by DATE]" in goal
    assert "by DATE: Frist, JJJJ-MM-TT" in goal and "Beispiele:" in goal
    assert_no_english(alice)


def test_every_summary_and_option_help_has_german() -> None:
    """They are constants marked with N_: one left unmarked would show English in German
    help and in Discord's command picker."""
    german = load_catalogs().translator("de")
    untranslated = [text for spec in all_commands()
                    for text in (spec.summary, *(param.help for param in spec.params))
                    if german._(text) == text]
    assert untranslated == []


async def test_parser_mistakes_are_explained_in_german(alice: GermanMember) -> None:
    unknown = await alice.says("frobnicate")
    assert unknown.tone is Tone.ERROR
    assert unknown.text == "Den Befehl „frobnicate“ kenne ich nicht. Mit /klout help " \
                           "bekommst du die Liste."
    too_long = await alice.says("give @bob " + "x" * 1224)
    assert too_long.text == "Das sind 1.234 Zeichen; Befehle haben höchstens 1.000."
    missing = await alice.says("register")
    assert missing.text.startswith("Es fehlt NETWORK: mastodon, bluesky, github, x oder youtube.")
    bad_page = await alice.says("leaderboard page zero")
    assert bad_page.text == "PAGE muss eine ganze Zahl sein, nicht „zero“."
    extra = await alice.says("handles please")
    assert extra.text == "„please“ habe ich an dieser Stelle nicht erwartet. Aufruf: " \
                         "/klout handles"
    date = await alice.says("goal 60 by tomorrow")
    assert date.text == "„tomorrow“ ist kein Datum; schreib es als JJJJ-MM-TT, z. B. 2026-12-31."
    number = await alice.says("goal 200")
    assert number.text == "TARGET muss zwischen 1 und 100 liegen."
    assert_no_english(alice)


async def test_registering_and_verifying_in_german(
    dispatcher: Dispatcher, alice: GermanMember, engine: FakeEngine
) -> None:
    missing = await alice.says("register github ghost-user")
    assert missing.text == "Ich konnte ghost-user auf GitHub nicht finden. Prüf die " \
                           "Schreibweise; es wurde nichts gespeichert."
    engine.add("github", "octocat", bio="hallo")
    registered = await alice.says("register github octocat")
    assert registered.title == "octocat auf GitHub registriert"
    assert "Um zu zeigen, dass das Konto dir gehört" in registered.text
    assert "klout-TEST-0000" in registered.text
    not_yet = await alice.says("verify github")
    assert not_yet.title == "Noch nicht verifiziert"
    listing = shown(await alice.says("handles"))
    assert "Deine Konten" in listing and "nicht verifiziert – trag klout-TEST-0000" in listing
    engine.add("github", "octocat", bio="hallo klout-TEST-0000")
    done = await alice.says("verify github")
    assert done.text.startswith("Verifiziert: octocat auf GitHub gehört dir.")
    removed = await alice.says("unregister github")
    assert removed.text.startswith("Dein GitHub-Konto und seine Daten sind entfernt.")
    assert (await alice.says("unregister github")).text == \
        "Du hast kein GitHub-Konto registriert."
    assert_no_english(alice)


async def test_a_lost_claim_is_told_in_german(
    dispatcher: Dispatcher, alice: GermanMember, engine: FakeEngine
) -> None:
    bob = GermanMember(dispatcher, "bob")
    engine.add("github", "octocat", bio="")
    await bob.says("register github octocat")
    challenged = await alice.says("register github octocat")
    assert challenged.title == "Ein anderes Mitglied hat das Konto registriert"
    engine.add("github", "octocat", bio="klout-TEST-0001")
    taken = await alice.says("verify github")
    assert "hat seinen Anspruch verloren und wird benachrichtigt" in taken.text
    told = await bob.says("help")
    assert told.text.startswith("⚠ Ein anderes Mitglied dieses Teams hat octocat auf GitHub "
                                "verifiziert")
    assert_no_english(alice)
    assert_no_english(bob)


async def test_score_card_in_german(
    alice: GermanMember, storage: Storage, clock: FrozenClock
) -> None:
    today = clock.now().date()
    await seed_scores(storage, TEAM, "alice", "Alice", [40 + i * 0.2 for i in range(40)],
                      last_day=today, networks={"github": 47.8, "bluesky": 30.0})
    await seed_scores(storage, TEAM, "bob", "Bob", [60.0] * 10, last_day=today)
    await storage.members.mark_refreshed_many([(TEAM, "alice")], clock.now() - timedelta(hours=2))
    card = await alice.says("")
    fields = {item.label: item.value for item in card.fields}
    assert fields["Rang im Team"] == "#2 von 2"
    assert fields["7 Tage"] == "+1" and "Letzte 90 Tage" in fields
    assert card.footer == "zuletzt aktualisiert: vor 2 Stunden · Formel v1.0 · " \
                          "kein Einstellungskriterium"
    other = await alice.says("@carol")
    assert other.text == "carol hat kein Konto registriert und hat deshalb keinen Klout-Wert."
    assert_no_english(alice)


async def test_leaderboard_in_german_counts_one_and_five_members(
    dispatcher: Dispatcher, alice: GermanMember, storage: Storage, clock: FrozenClock
) -> None:
    empty = await alice.says("leaderboard")
    assert empty.text == "Noch niemand hat einen Klout-Wert. Sei die oder der Erste: " \
                         "/klout register"
    today = clock.now().date()
    await seed_scores(storage, TEAM, "alice", "Alice", [50.0] * 8, last_day=today)
    one = await alice.says("leaderboard")
    assert one.title == "Rangliste"
    assert one.footer == "Seite 1 von 1 · 1 Mitglied · Pfeile: Veränderung des Rangs in 7 Tagen"
    assert one.table is not None and one.table.columns == ("#", "", "Mitglied", "Klout-Wert")
    for i in range(4):
        await seed_scores(storage, TEAM, f"m{i}", f"M{i}", [40.0 + i] * 8, last_day=today)
    five = await alice.says("leaderboard week github")
    assert five.title == "Aufsteiger der Woche auf GitHub"
    assert five.footer == "Seite 1 von 1 · 5 Mitglieder"
    assert_no_english(alice)


async def test_goal_shows_german_dates_and_numbers(
    alice: GermanMember, storage: Storage, clock: FrozenClock
) -> None:
    today = clock.now().date()  # 25 November 2026
    await seed_scores(storage, TEAM, "alice", "Alice", [40 + i * 0.5 for i in range(30)],
                      last_day=today)
    past = await alice.says("goal 60 by 2026-11-24")
    assert past.text == "Der 24. November 2026 liegt nicht in der Zukunft; wähle ein " \
                        "späteres Datum."
    goal = await alice.says("goal 60 by 2026-12-01")
    assert goal.title == "Ziel gesetzt"
    assert goal.text.startswith("60 bis zum 1. Dezember 2026: ")
    assert "(jetzt 54). Im Tempo der letzten 30 Tage (+3,5 pro Woche) lägst du am " \
           "1. Dezember 2026 bei 58: im Rückstand." in goal.text
    assert (await alice.says("goal clear")).text == "Ziel gelöscht."
    assert_no_english(alice)


async def test_endorsements_in_german_count_one_and_five(
    dispatcher: Dispatcher, alice: GermanMember, storage: Storage, clock: FrozenClock
) -> None:
    await storage.teams.ensure(TEAM, "console", "acme", clock.now())
    await storage.members.ensure(TEAM, "bob", "bob", clock.now())
    first = await alice.says("give @bob python")
    assert first.text == "+K! alice empfiehlt bob für python (bisher 1 Empfehlung)."
    for giver in ("carol", "dave", "erin", "frank"):
        last = await GermanMember(dispatcher, giver).says("give @bob python")
    assert last.text == "+K! frank empfiehlt bob für python (bisher 5 Empfehlungen)."
    again = await alice.says("give @bob python")
    assert again.text == "Du hast diese Person diese Woche schon für python empfohlen; ab dem " \
                         "2. Dezember 2026 geht es wieder."
    topics = await alice.says("topics @bob")
    assert topics.title == "Stärken von bob"
    assert topics.fields[0].value == "von alice, carol, dave, erin, frank"
    assert (await alice.says("give @alice python")).text == \
        "Du kannst dich nicht selbst empfehlen – frag ein Teammitglied!"
    assert_no_english(alice)


async def test_explain_history_followfriday_in_german(
    dispatcher: Dispatcher, alice: GermanMember, storage: Storage, clock: FrozenClock,
    engine: FakeEngine,
) -> None:
    today = clock.now().date()
    await seed_scores(storage, TEAM, "alice", "Alice", [40 + i * 0.2 for i in range(40)],
                      last_day=today)
    explained = await alice.says("explain")
    assert explained.title == "Dein Klout-Wert 48, erklärt"
    assert [item.label for item in explained.fields] == [
        "Wo er steht", "Was ihn antreibt", "Seit letzter Woche",
        "Tipps aus deinen eigenen Beiträgen"]
    # The fields' sentences are the insights' (chatbot/influence, influence.po): only what
    # this command writes itself is checked here.
    alice.seen[-1] = "\n".join([explained.title, explained.footer,
                                *(item.label for item in explained.fields)])
    history = await alice.says("history")
    assert history.title == "alice: Klout-Wert über 40 Tage"
    assert history.table is not None and history.table.columns == ("Woche vom", "Klout-Wert")
    assert history.table.rows[0] == ("25.11.2026", "48")
    lonely = await alice.says("followfriday")
    assert lonely.text.startswith("Diese Woche gibt es keine Vorschläge für dich")
    engine.add("bluesky", "alice.bsky.social")
    engine.add("bluesky", "bob.bsky.social")
    await alice.says("register bluesky alice.bsky.social")
    await GermanMember(dispatcher, "bob").says("register bluesky bob.bsky.social")
    week = await alice.says("followfriday")
    assert week.title == "Deine #FollowFriday-Tipps diese Woche"
    assert [item.label for item in week.fields] == ["bob auf Bluesky",
                                                    "Fertig zum Posten auf Bluesky"]
    assert_no_english(alice)


async def test_forget_and_export_in_german(alice: GermanMember, engine: FakeEngine) -> None:
    engine.add("github", "octocat")
    await alice.says("register github octocat")
    exported = await alice.says("export")
    assert exported.title == "Deine Daten"
    assert exported.text == "2 Datensätze in 2 Tabellen, als JSON."
    asked = await alice.says("forget")
    assert asked.title == "Alle deine Klout-Daten in diesem Team löschen?"
    assert [(b.label, b.command) for b in asked.buttons] == [("Alles löschen",
                                                              "forget confirm")]
    done = await alice.says("forget confirm")
    assert done.text.startswith("Erledigt: ") and "Datensätze über dich wurden" in done.text
    assert (await alice.says("forget confirm")).text == \
        "Über dich war in diesem Team nichts gespeichert."
    assert_no_english(alice)


async def test_config_in_german(dispatcher: Dispatcher, alice: GermanMember) -> None:
    guest = GermanMember(dispatcher, "guest")
    refused = await guest.says("config time 10:00")
    assert refused.text == "/klout config ist den Admins dieses Servers vorbehalten."
    bad = await alice.says("config timezone Mars/Olympus")
    assert bad.text == "„Mars/Olympus“ ist keine IANA-Zeitzone wie Europe/Berlin oder " \
                       "America/New_York."
    unknown = await alice.says("config networks myspace")
    assert unknown.tone is Tone.ERROR
    saved = await alice.says("config weekday thursday")
    assert saved.title == "weekday gespeichert"
    fields = {item.label: item.value for item in saved.fields}
    assert fields["Wöchentlicher Beitrag"].startswith("Donnerstag ")
    assert fields["Nicht verifizierte Konten"].startswith("vorläufig")
    assert fields["Letzter #FollowFriday"] == "noch nie gepostet"
    assert fields["Sprache"] == "English"  # the team's, while alice's app reads German
    assert_no_english(alice)


async def test_a_provisional_card_in_german(alice: GermanMember, engine: FakeEngine) -> None:
    engine.add("github", "octocat")
    await alice.says("register github octocat")
    engine.provisional[(TEAM, "alice")] = 42
    card = await alice.says("")
    assert card.title == "alice – vorläufiger Klout-Wert 42"
    fields = {item.label: item.value for item in card.fields}
    assert fields["Vorläufiger Klout-Wert"] == "42 – verifiziere, damit es zählt: " \
                                               "/klout verify github"
    assert fields["Rang im Team"] == "nicht in der Rangliste, bis verifiziert"
    assert fields["GitHub (nicht verifiziert)"] == "vorläufig  octocat"
    assert card.footer == "vorläufig · nicht in der Rangliste · kein Einstellungskriterium"
    assert_no_english(alice)


async def test_why_the_weekly_post_failed_reads_in_german(
    alice: GermanMember, storage: Storage, clock: FrozenClock
) -> None:
    """The reason is stored untranslated and read in the admin's language."""
    await alice.says("config")
    assert await storage.schedule.claim(TEAM, "followfriday", "2026-W48", clock.now(), "me")
    await storage.schedule.mark_failed(
        TEAM, "followfriday", "2026-W48",
        DeliveryError(Msg("no channel configured (/klout config channel #name)")).message)
    fields = {item.label: item.value for item in (await alice.says("config")).fields}
    assert fields["Letzter #FollowFriday"] == (
        "2026-W48: fehlgeschlagen — kein Kanal eingestellt (/klout config channel #name) "
        "(Versuch 1)")
    assert_no_english(alice)
