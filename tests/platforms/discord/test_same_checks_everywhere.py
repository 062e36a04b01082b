"""A value the text parser refuses (Slack, console) is refused on Discord with the same
words: Discord's client-side option limits are not a guard, any client can send past them."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatbot.platforms.discord_commands import OptionError, convert_options
from commands.endorse import TOPIC_MAX
from commands.parser import Parser, UsageError
from commands.registry import Dispatcher


class _Picked:
    id = 42
    display_name = "Bob"


def _text_refusal(dispatcher: Dispatcher, line: str) -> str | None:
    try:
        Parser(dispatcher.commands, lambda token: "42").parse(line)
    except UsageError as error:
        return str(error)
    return None


def _discord_refusal(dispatcher: Dispatcher, name: str, values: dict[str, object]) -> str | None:
    try:
        convert_options(dispatcher.spec(name), values)
    except OptionError as error:
        return str(error)
    return None


_FIXTURE_OK = [HealthCheck.function_scoped_fixture]


@settings(max_examples=60, deadline=None, suppress_health_check=_FIXTURE_OK)
@given(letter=st.sampled_from("abcxyz"), length=st.integers(min_value=1, max_value=80))
def test_a_topic_is_refused_on_both_paths_past_the_same_length(
    dispatcher: Dispatcher, letter: str, length: int
) -> None:
    topic = letter * length
    text = _text_refusal(dispatcher, f"give @bob {topic}")
    discord = _discord_refusal(dispatcher, "give", {"user": _Picked(), "topic": topic})
    assert text == discord
    assert (text is None) == (len(topic) <= TOPIC_MAX)


@settings(max_examples=60, deadline=None, suppress_health_check=_FIXTURE_OK)
@given(target=st.integers(min_value=-1000, max_value=1000))
def test_a_goal_is_refused_on_both_paths_outside_the_same_range(
    dispatcher: Dispatcher, target: int
) -> None:
    text = _text_refusal(dispatcher, f"goal {target}")
    discord = _discord_refusal(dispatcher, "goal", {"target": target})
    assert text == discord
    assert (text is None) == (1 <= target <= 100)


def test_the_shared_messages_say_what_is_wrong(dispatcher: Dispatcher) -> None:
    with pytest.raises(OptionError, match=r"Topic is too long \(41 characters; at most 40\)"):
        convert_options(dispatcher.spec("give"), {"user": _Picked(), "topic": "p" * 41})
    with pytest.raises(OptionError, match="TARGET must be between 1 and 100"):
        convert_options(dispatcher.spec("goal"), {"target": 101})
