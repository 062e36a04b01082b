"""What a German-speaking member reads from the influence layer: explanations, tips,
network errors, waits, verification results and why an account's data is old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chatbot.i18n import load_catalogs
from chatbot.influence.insights import (
    describe_changes,
    describe_standing,
    explain_components,
    tips,
)
from chatbot.influence.networks import get_network_name, parse_handle
from chatbot.influence.networks.registry import code_place, network_availability
from chatbot.influence.ratelimit import describe_wait
from chatbot.influence.refresh import Refresher
from chatbot.influence.score import combine, score_account
from chatbot.settings import Settings
from chatbot.storage import Storage
from chatbot.values.accounts import AccountSnapshot, Post, Profile
from chatbot.values.message import Msg, Number
from chatbot.values.network_errors import InvalidHandle, NetworkError, UnknownNetwork
from tests.support.fakes import FrozenClock
from tests.support.german import assert_no_english

DE = load_catalogs().translator("de")
EN = load_catalogs().translator("en")
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
TEAM = "console:acme"


def scored(network: str, followers: int, posts: int, likes: int, replies: int = 0,
           reposts: int = 0) -> object:
    items = tuple(
        Post(id=f"p{i}", created_at=NOW - timedelta(days=90 * (i + 0.5) / posts),
             likes=likes, replies=replies, reposts=reposts)
        for i in range(posts)
    )
    profile = Profile(network=network, handle="h", account_id="1", followers=followers)
    return score_account(AccountSnapshot(profile, items, NOW), NOW)


def test_the_check_for_english_finds_an_english_sentence() -> None:
    with pytest.raises(AssertionError):
        assert_no_english([EN._("Your score stayed at {score}.", score=3)])


def test_an_explanation_reads_in_german_with_german_numbers() -> None:
    automated = scored("mastodon", 20_000, 300, likes=1)
    lines = explain_components(DE, combine([automated]))
    text = "\n".join(lines)
    assert "kommt allein von Mastodon (alle starten bei 1)" in lines[0]
    assert "20.000 Follower" in text
    assert "Publikum" in lines[1] and "Beständigkeit" in lines[1]
    assert lines[-1].startswith("Dieser Wert misst, wie Menschen auf öffentliche Beiträge")
    assert_no_english(lines)


def test_changes_and_standing_read_in_german() -> None:
    before = combine([scored("bluesky", 3_000, 60, likes=30, replies=4, reposts=6)])
    after = combine([scored("bluesky", 3_000, 60, likes=60, replies=10, reposts=6)])
    lines = describe_changes(DE, before, after, (48, 51))
    assert lines[0] == "Dein Klout-Wert ist von 48 auf 51 gestiegen (+3)."
    assert any(line.startswith("Am stärksten bewegt: Dein Engagement pro Beitrag auf Bluesky "
                               "ist von ") and "Punkte." in line for line in lines)
    standing = describe_standing(DE, 56.2, 59.4)
    assert "aus deiner heutigen Aktivität ergibt sich 59,4" in standing
    assert "etwa 16\u00a0% der Lücke" in standing
    assert_no_english([*lines, standing])


def test_tips_read_in_german() -> None:
    posts = [Post(id=f"m{i}", created_at=NOW - timedelta(days=i), likes=12, has_media=True)
             for i in range(10)]
    posts += [Post(id=f"t{i}", created_at=NOW - timedelta(days=i), likes=4) for i in range(30)]
    assert tips(DE, {"bluesky": posts}) == [
        "Auf Bluesky bekamen deine Beiträge mit Bild oder Video 3,0-mal so viele Reaktionen "
        "wie die ohne (10 gegen 30 Beiträge)."
    ]
    generic = tips(DE, {})
    assert generic[0].startswith("Noch nicht genug Beiträge")
    assert "mindestens 8 Beiträge" in generic[0]
    assert_no_english(generic)


def test_handle_errors_and_their_hints_read_in_german() -> None:
    with pytest.raises(InvalidHandle) as bad:
        parse_handle("mastodon", "nobody at all")
    assert DE.msg(bad.value.message) == (
        "Ein Handle enthält keine Leerzeichen. Ein Mastodon-Handle sieht aus wie "
        "@name@instance.social.")
    assert str(bad.value) == ("A handle has no spaces. A Mastodon handle looks like "
                              "@name@instance.social.")
    with pytest.raises(UnknownNetwork) as unknown:
        get_network_name("myspace")
    assert DE.msg(unknown.value.message).startswith("Unbekanntes Netzwerk 'myspace'. Nimm eines")


def test_availability_and_code_places_read_in_german() -> None:
    keyless = Settings(_env_file=None)  # type: ignore[call-arg]
    reason = network_availability(keyless)["x"]
    assert reason is not None
    assert DE.msg(reason) == ("X ist in diesem Bot nicht aktiviert: Ein Admin muss "
                              "X_BEARER_TOKEN setzen.")
    assert DE.msg(code_place("youtube")) == "deine Kanalbeschreibung"


def test_waits_follow_the_count_in_german() -> None:
    assert DE._("{where} is unavailable for now; try again in {wait}.", where="GitHub",
                wait=describe_wait(5 * 60)) == (
        "GitHub ist gerade nicht verfügbar; versuch es in etwa 5 Minuten noch einmal.")
    assert DE.msg(describe_wait(3600)) == "etwa einer Stunde"
    assert DE.msg(describe_wait(5 * 3600)) == "etwa 5 Stunden"
    singular = describe_wait(60 * 60)
    assert EN.msg(singular) == "about an hour"


def test_a_number_inside_a_message_is_written_the_readers_way() -> None:
    message = Msg("{host} sent more than {limit} bytes; the rest was not read.",
                  host="mastodon.example", limit=Number(1_234))
    assert DE.msg(message) == ("mastodon.example hat mehr als 1.234 Bytes geschickt; der Rest "
                               "wurde nicht gelesen.")
    assert EN.msg(message) == str(message) == (
        "mastodon.example sent more than 1,234 bytes; the rest was not read.")


async def test_a_stale_reason_is_stored_untranslated_and_read_in_german(
    storage: Storage,
) -> None:
    await storage.teams.ensure(TEAM, "console", "acme", NOW)
    await storage.members.ensure(TEAM, "ada", "Ada", NOW)
    await storage.handles.add(TEAM, "ada", "github", "ada", "1", "c1", NOW)
    reason = NetworkError(Msg("{network}'s rate limit is spent; this account waits for the "
                              "next refresh.", network="GitHub")).message
    await storage.handles.mark_stale(TEAM, "ada", "github", reason, NOW)
    handle = await storage.handles.get(TEAM, "ada", "github")
    assert handle is not None and handle.stale_reason is not None
    assert DE.msg(handle.stale_reason) == (
        "Das Anfragelimit von GitHub ist aufgebraucht; dieses Konto wartet auf die nächste "
        "Aktualisierung.")
    assert EN.msg(handle.stale_reason) == (
        "GitHub's rate limit is spent; this account waits for the next refresh.")


async def test_a_stale_reason_with_nested_messages_and_numbers_survives_storage(
    storage: Storage,
) -> None:
    await storage.teams.ensure(TEAM, "console", "acme", NOW)
    await storage.members.ensure(TEAM, "ada", "Ada", NOW)
    await storage.handles.add(TEAM, "ada", "github", "ada", "1", "c1", NOW)
    reason = Msg("{where} is unavailable for now; try again in {wait}.",
                 where="GitHub (api.github.com)", wait=describe_wait(5 * 60))
    await storage.handles.mark_stale(TEAM, "ada", "github", reason, NOW)
    handle = await storage.handles.get(TEAM, "ada", "github")
    assert handle is not None and handle.stale_reason == reason
    assert DE.msg(handle.stale_reason).endswith("versuch es in etwa 5 Minuten noch einmal.")
    too_large = Msg("{where} sent an answer larger than {limit} bytes; it was not read.",
                    where="Mastodon (big.example)", limit=Number(5_000_000))
    await storage.handles.mark_stale(TEAM, "ada", "github", too_large, NOW)
    handle = await storage.handles.get(TEAM, "ada", "github")
    assert handle is not None and handle.stale_reason is not None
    assert DE.msg(handle.stale_reason) == ("Mastodon (big.example) hat eine Antwort größer als "
                                           "5.000.000 Bytes geschickt; sie wurde nicht gelesen.")


async def test_an_english_stale_reason_from_before_is_shown_as_it_was(storage: Storage) -> None:
    await storage.teams.ensure(TEAM, "console", "acme", NOW)
    await storage.members.ensure(TEAM, "ada", "Ada", NOW)
    await storage.handles.add(TEAM, "ada", "github", "ada", "1", "c1", NOW)
    await storage.handles.mark_stale(TEAM, "ada", "github", "GitHub timed out", NOW)
    handle = await storage.handles.get(TEAM, "ada", "github")
    assert handle is not None and handle.stale_reason == "GitHub timed out"
    assert DE.msg(handle.stale_reason) == "GitHub timed out"


async def test_a_refresh_stores_why_it_failed_for_the_member_to_read_in_german(
    storage: Storage, clock: FrozenClock
) -> None:
    now = clock.now()
    await storage.teams.ensure(TEAM, "console", "acme", now)
    await storage.members.ensure(TEAM, "ada", "Ada", now)
    await storage.handles.add(TEAM, "ada", "github", "ada", None, "code", now)
    report = await Refresher(storage, {}, clock).refresh_due(timedelta(0))
    assert [DE.msg(reason) for reason in report.errors.values()] == [
        "github ist in diesem Bot nicht verfügbar"]
    handle = await storage.handles.get(TEAM, "ada", "github")
    assert handle is not None and handle.stale_reason is not None
    assert DE.msg(handle.stale_reason) == "github ist in diesem Bot nicht verfügbar"
    assert str(handle.stale_reason) == "github is not available on this bot"
