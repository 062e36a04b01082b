"""The helper every German end-to-end test relies on finds English where it hides."""

from __future__ import annotations

from chatbot.admission import BUSY_TEXT
from chatbot.i18n import load_catalogs
from tests.support.english_leaks import english_in, german_in, patterns_of, pieces_of


def test_an_english_sentence_in_german_output_is_found() -> None:
    german = load_catalogs().translator("de")
    text = german._("Saved to {path}", path="/tmp/x") + "\n" + BUSY_TEXT
    assert {"I'm busy with a lot of requests right now",
            "Please try again in a moment"} <= set(english_in(text))
    assert not any("Saved to" in piece for piece in english_in(text))


def test_english_glued_around_a_placeholder_or_wrapped_in_a_terminal_is_found() -> None:
    assert "to you in a direct message with me" in english_in(
        "Ich habe dir x.json to you in a direct\nmessage with me geschickt.")
    assert english_in("Slack: it was") == []  # fewer than three words say nothing
    assert "it was deleted, is private without me in it, or belongs to another workspace" \
        in english_in("Slack findet C0FF nicht: it was deleted, is private without me in "
                      "it, or belongs to another workspace.")


def test_translated_output_and_the_words_german_keeps_are_not_leaks() -> None:
    german = load_catalogs().translator("de")
    text = "\n".join([german._("Channel {channel} is archived; choose another with /klout "
                               "config channel.", channel="C0FF"),
                      german._(BUSY_TEXT)])
    assert english_in(text) == []
    assert german_in(text) != []
    assert german_in(BUSY_TEXT) == []


def test_slack_escaping_hides_nothing() -> None:
    piece = ("add it under OAuth & Permissions (or recreate the app from "
             "slack-manifest.yml) and reinstall it")
    assert english_in("Der App fehlt etwas: " + piece.replace("&", "&amp;")) == [piece]


def test_a_piece_some_german_translation_keeps_is_not_looked_for() -> None:
    messages = (
        ("commands.po", ("Change one: /klout config SETTING VALUE",),
         ("Ändere eine: /klout config SETTING VALUE",)),
        ("platforms.po", ("Then type /klout config SETTING VALUE again.",),
         ("Tippe dann noch einmal /klout config SETTING VALUE.",)),
        ("platforms.po", ("Saved your goal for later.",), ("Dein Ziel ist gespeichert.",)),
    )
    assert pieces_of(messages) == ("Then type /klout config SETTING VALUE again",
                                   "Saved your goal for later")
    assert pieces_of(messages, ("commands.po",)) == ()
    assert pieces_of(messages, german=True) == (
        "Tippe dann noch einmal /klout config SETTING VALUE", "Dein Ziel ist gespeichert",
        "Ändere eine")


def test_a_message_with_short_words_between_placeholders_is_found_whole() -> None:
    german = load_catalogs().translator("de")
    glued = "+K! Hans endorsed Bob for python (1 endorsement so far)."
    messages = (
        ("commands.po", ("+K! {giver} endorsed {member} for {topic} ({n} endorsement so far).",),
         ("+K! {giver} empfiehlt {member} für {topic} (bisher {n} Empfehlung).",)),
    )
    (english,) = patterns_of(messages)
    assert english[1].search(glued)
    (found,) = patterns_of(messages, german=True)
    assert found[1].search("+K! Hans empfiehlt Bob für python (bisher 1 Empfehlung).")
    answer = german.n_("+K! {giver} endorsed {name} for {topic} ({n} endorsement so far).",
                       "+K! {giver} endorsed {name} for {topic} ({n} endorsements so far).",
                       1, giver="Hans", name="Bob", topic="python")
    assert answer == "+K! Hans empfiehlt Bob für python (bisher 1 Empfehlung)."
    assert german_in(answer) != []
