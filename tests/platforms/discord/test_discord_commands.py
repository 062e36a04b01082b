"""The /klout app-command tree is generated from the same specs as every other platform."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

from chatbot.platforms.discord_commands import (
    OptionError,
    SyncState,
    build_klout_group,
    convert_options,
)
from chatbot.values.reply import Reply
from commands.context import Context, Services
from commands.registry import Dispatcher, all_commands
from commands.spec import Args, CommandSpec, Kind, Param

USER, STRING, INTEGER = 6, 3, 4


async def _nothing(interaction: discord.Interaction, spec: CommandSpec,
                   values: Mapping[str, Any]) -> None:
    return None


def _payload(dispatcher: Dispatcher) -> dict[str, Any]:
    client = discord.Client(intents=discord.Intents.none())
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    group = build_klout_group(dispatcher, _nothing)
    tree.add_command(group)
    return group.to_dict(tree)


def _subcommand(payload: dict[str, Any], name: str) -> dict[str, Any]:
    return next(option for option in payload["options"] if option["name"] == name)


def _option(payload: dict[str, Any], command: str, name: str) -> dict[str, Any]:
    return next(o for o in _subcommand(payload, command)["options"] if o["name"] == name)


def test_every_command_spec_is_a_klout_subcommand_and_nothing_else(
    dispatcher: Dispatcher,
) -> None:
    payload = _payload(dispatcher)
    assert payload["name"] == "klout"
    names = [option["name"] for option in payload["options"]]
    assert names == [spec.name for spec in dispatcher.commands]
    assert "score" in names  # `/klout [@user]` is `/klout score [user]` on Discord
    for option in payload["options"]:
        assert option["type"] == 1
        assert 0 < len(option["description"]) <= 100


def test_a_new_command_spec_appears_on_discord_without_other_changes(
    services: Services,
) -> None:
    async def ping(ctx: Context, args: Args) -> Reply:
        return Reply(text="pong")

    extra = CommandSpec(name="ping", summary="Check the bot answers", handler=ping,
                        params=(Param("times", Kind.INT, "how often", min_value=1,
                                      max_value=3),))
    payload = _payload(Dispatcher(services, commands=(*all_commands(), extra)))
    assert _option(payload, "ping", "times") == {
        "type": INTEGER, "name": "times", "description": "how often", "required": False,
        "min_value": 1, "max_value": 3}


def test_members_are_picked_with_a_user_picker(dispatcher: Dispatcher) -> None:
    payload = _payload(dispatcher)
    assert _option(payload, "give", "user")["type"] == USER
    assert _option(payload, "give", "user")["required"] is True
    assert _option(payload, "score", "user")["required"] is False


def test_networks_and_choices_are_offered_as_choices(dispatcher: Dispatcher) -> None:
    payload = _payload(dispatcher)
    network = _option(payload, "register", "network")
    assert [(c["name"], c["value"]) for c in network["choices"]] == [
        ("Mastodon", "mastodon"), ("Bluesky", "bluesky"), ("GitHub", "github"), ("X", "x"),
        ("YouTube", "youtube")]
    period = _option(payload, "leaderboard", "period")
    assert [c["value"] for c in period["choices"]] == ["week", "month", "all"]


def test_numbers_dates_and_text_have_discord_side_limits(dispatcher: Dispatcher) -> None:
    payload = _payload(dispatcher)
    target = _option(payload, "goal", "target")
    assert (target["type"], target["min_value"], target["max_value"]) == (INTEGER, 1, 100)
    by = _option(payload, "goal", "by")
    assert (by["type"], by["max_length"]) == (STRING, 10)
    assert "YYYY-MM-DD" in by["description"]
    topic = _option(payload, "give", "topic")
    assert (topic["type"], topic["max_length"]) == (STRING, 40)


def test_topics_and_own_networks_autocomplete(dispatcher: Dispatcher) -> None:
    payload = _payload(dispatcher)
    assert _option(payload, "give", "topic")["autocomplete"] is True
    verify = _option(payload, "verify", "network")
    assert verify["autocomplete"] is True and "choices" not in verify


def test_required_options_come_first(dispatcher: Dispatcher) -> None:
    for command in _payload(dispatcher)["options"]:
        required = [o.get("required", False) for o in command.get("options", [])]
        assert required == sorted(required, reverse=True), command["name"]


class _Picked:
    def __init__(self, user_id: int, display_name: str) -> None:
        self.id = user_id
        self.display_name = display_name


def test_options_convert_to_what_the_command_core_expects(dispatcher: Dispatcher) -> None:
    give = convert_options(dispatcher.spec("give"),
                           {"user": _Picked(42, "Bob"), "topic": "python"})
    assert give.values == {"user": "42", "topic": "python"}
    assert give.names == {"42": "Bob"}
    goal = convert_options(dispatcher.spec("goal"), {"target": 60, "by": "2026-12-31"})
    assert goal.values == {"target": 60, "by": date(2026, 12, 31)}
    verify = convert_options(dispatcher.spec("verify"), {"network": "Twitter"})
    assert verify.values == {"network": "x"}


def test_a_malformed_date_is_a_clear_error(dispatcher: Dispatcher) -> None:
    with pytest.raises(OptionError, match="YYYY-MM-DD"):
        convert_options(dispatcher.spec("goal"), {"target": 60, "by": "31/12/2026"})


def test_an_unknown_typed_network_is_a_clear_error(dispatcher: Dispatcher) -> None:
    with pytest.raises(OptionError, match="Unknown network"):
        convert_options(dispatcher.spec("verify"), {"network": "myspace"})


def test_a_damaged_sync_state_file_means_sync_again(tmp_path: Path) -> None:
    path = tmp_path / "discord-commands.json"
    path.write_text("{not json")
    state = SyncState(path)
    assert state.load() == {}
    state.save("1:global", "abc")
    assert SyncState(path).load() == {"1:global": "abc"}


def test_more_choices_than_discord_allows_are_offered_by_autocomplete(
    services: Services,
) -> None:
    async def pick(ctx: Context, args: Args) -> Reply:
        return Reply(text=args["letter"])

    many = tuple(f"choice{i:02d}" for i in range(30))
    extra = CommandSpec(name="pick", summary="Pick one", handler=pick,
                        params=(Param("letter", Kind.CHOICE, "one of many", required=True,
                                      choices=many),))
    option = _option(_payload(Dispatcher(services, commands=(*all_commands(), extra))),
                     "pick", "letter")
    assert option["autocomplete"] is True and "choices" not in option
