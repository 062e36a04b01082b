from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatbot.platforms.console import ConsoleSession, command_text, resolve_mention
from chatbot.values.reply import Tone
from commands.parser import Parser, UsageError
from commands.registry import all_commands

PARSER = Parser(all_commands(), resolve_mention)


def parse(text: str) -> tuple[str, dict[str, object]]:
    invocation = PARSER.parse(text)
    return invocation.spec.name, invocation.args


def test_empty_text_is_your_own_score_card() -> None:
    assert parse("") == ("score", {})


def test_a_mention_alone_is_that_members_score_card() -> None:
    assert parse("@bob") == ("score", {"user": "bob"})


def test_leaderboard_options_come_in_any_combination() -> None:
    assert parse("leaderboard") == ("leaderboard", {})
    assert parse("leaderboard week") == ("leaderboard", {"period": "week"})
    assert parse("leaderboard Bluesky page 3") == (
        "leaderboard", {"network": "bluesky", "page": 3})
    assert parse("leaderboard page 2 month github") == (
        "leaderboard", {"period": "month", "network": "github", "page": 2})


def test_goal_takes_a_score_and_an_optional_deadline() -> None:
    assert parse("goal 60 by 2026-12-31") == ("goal", {"target": 60, "by": date(2026, 12, 31)})
    assert parse("goal") == ("goal", {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("frobnicate", "I don't know the command"),
        ("register", "Missing NETWORK"),
        ("register myspace tom", "myspace"),
        ("goal 101", "between 1 and 100"),
        ("goal 0", "between 1 and 100"),
        ("goal 60 by tomorrow", "YYYY-MM-DD"),
        ("goal 60 by", "needs a value"),
        ("give @bob", "Missing TOPIC"),
        ("leaderboard week extra", "didn't expect"),
        ("x" * 10_000, "at most"),
        ("help\x00me", "control characters"),
        ("give <!channel> python", "not a member"),
    ],
)
def test_bad_input_gets_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        PARSER.parse(text)


def test_echoed_tokens_are_cut_short() -> None:
    with pytest.raises(UsageError) as caught:
        PARSER.parse("y" * 900)
    assert len(str(caught.value)) < 200


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_either_parses_or_raises_a_usage_error(text: str) -> None:
    try:
        PARSER.parse(text)
    except UsageError as exc:
        assert str(exc)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["leaderboard", "week", "month", "all", "github", "bluesky",
                                 "page", "2", "@bob", "register", "goal", "50", "by",
                                 "2030-01-01", "confirm", "forget", "'; DROP TABLE x;--"]),
                max_size=6))
def test_command_like_token_soup_never_crashes(tokens: list[str]) -> None:
    with contextlib.suppress(UsageError):
        PARSER.parse(" ".join(tokens))


@pytest.mark.parametrize("space", ["\t", "\u00a0", "\u3000", "\u2003", "\x0b", "\x0c", "\x1f",
                                   "\x85", "\u2028", " \t "])
def test_any_unicode_whitespace_separates_words_and_the_command_name(space: str) -> None:
    assert parse(f"/klout{space}leaderboard{space}week") == ("leaderboard",
                                                             {"period": "week"})
    assert parse(f"leaderboard{space}week") == ("leaderboard", {"period": "week"})


async def test_klout_tab_leaderboard_in_the_console_shows_the_leaderboard(
    console: ConsoleSession,
) -> None:
    text = command_text("/klout\tleaderboard")
    assert text is not None
    typed = await console.handle(text)
    spaced = await console.handle("leaderboard")
    assert typed == spaced and typed.tone is not Tone.ERROR


def test_a_control_character_that_is_not_whitespace_is_still_refused() -> None:
    with pytest.raises(UsageError, match="control characters"):
        parse("leaderboard\x07")
