"""The `/klout` app-command group, generated from the dispatcher's command specs.

There is no list of Discord commands anywhere: each CommandSpec becomes a
subcommand and each Param a typed option (a user picker, choices, an integer
range, autocomplete), through discord.py's public Transformer API, so a new
command in `commands/` shows up on Discord after the next start. Discord groups
have no default subcommand, so the bare `/klout [@user]` card is the spec's own
name there: `/klout score [user]`.

Syncing uploads the whole tree in one bulk overwrite, and only when its
payload changed since the last sync (a hash kept in a small file next to the
database): Discord rate-limits command registration, and restarting the bot
should not touch it.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from chatbot.influence.networks import network_names
from chatbot.values.message import N_, Msg
from commands.common import label
from commands.param_values import InvalidValue, param_value
from commands.registry import Dispatcher
from commands.spec import CommandSpec, Kind, Param

log = logging.getLogger(__name__)

GROUP_NAME = "klout"
GROUP_DESCRIPTION = N_("Kloutbot: transparent influence scores, leaderboards and "
                       "#FollowFriday")
DESCRIPTION_MAX = 100
CHOICES_MAX = 25

CommandRunner = Callable[[discord.Interaction, CommandSpec, Mapping[str, Any]], Awaitable[None]]
"""Runs a spec for an interaction with the raw option values (the adapter answers)."""


def team_id_for(guild_id: int) -> str:
    return f"discord:{guild_id}"


def describe(text: str) -> str:
    """One line within Discord's 100 characters, in whichever language."""
    text = " ".join(text.split()) or "…"
    return text if len(text) <= DESCRIPTION_MAX else text[: DESCRIPTION_MAX - 1] + "…"


def localized(text: str) -> app_commands.locale_str:
    """A description Discord shows in the client's language: the English text as sent,
    with the catalog's id for the translator (discord_translation.py)."""
    return app_commands.locale_str(describe(text), msgid=text)


class Suggestions:
    """What autocomplete offers while a member types, read from the team's data."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._storage = dispatcher.services.storage

    async def suggest(self, source: str, interaction: discord.Interaction,
                      current: str) -> list[str]:
        if interaction.guild_id is None:
            return []
        team_id = team_id_for(interaction.guild_id)
        if source == "topics":
            found = await self._storage.endorsements.team_topics(team_id)
            options = sorted({topic for topics in found.values() for topic in topics})
        elif source == "own_networks":
            handles = await self._storage.handles.for_member(team_id, str(interaction.user.id))
            options = [handle.network for handle in handles]
        else:
            return []
        wanted = current.casefold().strip()
        starts = [o for o in options if o.casefold().startswith(wanted)]
        contains = [o for o in options if wanted in o.casefold() and o not in starts]
        return (starts + contains)[:CHOICES_MAX]


class OptionTransformer(app_commands.Transformer):
    """One Param as a Discord option: its type, range and choices."""

    def __init__(self, param: Param, network_choices: tuple[str, ...]) -> None:
        super().__init__()
        self.param = param
        self._choices = self._choice_values(param, network_choices)

    @staticmethod
    def _choice_values(param: Param, networks: tuple[str, ...]) -> list[tuple[str, str]]:
        if param.autocomplete:
            return []
        if param.kind is Kind.NETWORK:
            return [(label(name), name) for name in networks]
        if param.kind is Kind.CHOICE and len(param.choices) <= CHOICES_MAX:
            return [(choice, choice) for choice in param.choices]
        return []

    @property
    def type(self) -> discord.AppCommandOptionType:
        if self.param.kind is Kind.INT:
            return discord.AppCommandOptionType.integer
        return discord.AppCommandOptionType.string

    @property
    def min_value(self) -> int | None:
        return self.param.min_value if self.param.kind is Kind.INT else None

    @property
    def max_value(self) -> int | None:
        if self.param.kind is Kind.INT:
            return self.param.max_value
        if self.param.kind is Kind.DATE:
            return len("YYYY-MM-DD")
        if self.param.kind in (Kind.WORD, Kind.TEXT):
            return self.param.max_length
        return None

    @property
    def choices(self) -> list[app_commands.Choice[str | int | float]] | None:
        if not self._choices:
            return None
        return [app_commands.Choice(name=shown, value=value) for shown, value in self._choices]

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> Any:
        return value


class SuggestingTransformer(OptionTransformer):
    """An option that offers suggestions as the member types (topics, own networks,
    or a choice list longer than Discord's 25)."""

    def __init__(self, param: Param, network_choices: tuple[str, ...],
                 suggestions: Suggestions) -> None:
        super().__init__(param, network_choices)
        self._suggestions = suggestions

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: int | float | str, /
    ) -> list[app_commands.Choice[str]]:
        current = str(value)
        if self.param.autocomplete:
            try:
                found = await self._suggestions.suggest(self.param.autocomplete, interaction,
                                                        current)
            except Exception:
                log.exception("autocomplete %s failed", self.param.autocomplete)
                found = []
        else:
            found = [c for c in self.param.choices if c.startswith(current.casefold())]
        return [app_commands.Choice(name=describe(item), value=item[:100])
                for item in found[:CHOICES_MAX]]


def _annotation(param: Param, networks: tuple[str, ...], suggestions: Suggestions) -> Any:
    if param.kind is Kind.USER:
        return discord.User
    needs_suggestions = param.autocomplete is not None or (
        param.kind is Kind.CHOICE and len(param.choices) > CHOICES_MAX
    )
    if needs_suggestions:
        return SuggestingTransformer(param, networks, suggestions)
    return OptionTransformer(param, networks)


def _callback(spec: CommandSpec, run: CommandRunner, networks: tuple[str, ...],
              suggestions: Suggestions) -> Callable[..., Coroutine[Any, Any, None]]:
    """A coroutine whose signature lists the spec's options, which is what discord.py
    reads to build the command (names, types, defaults, required-ness)."""

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await run(interaction, spec, values)

    parameters = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    annotation=discord.Interaction)]
    for param in spec.params:
        parameters.append(inspect.Parameter(
            param.name, inspect.Parameter.KEYWORD_ONLY,
            annotation=_annotation(param, networks, suggestions),
            default=inspect.Parameter.empty if param.required else None,
        ))
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = f"klout_{spec.name}"
    descriptions = {param.name: localized(param.help) for param in spec.params}
    return app_commands.describe(**descriptions)(callback)


def build_klout_group(dispatcher: Dispatcher, run: CommandRunner) -> app_commands.Group:
    """`/klout <name> ...` for every spec; guild-only because a team is a server."""
    suggestions = Suggestions(dispatcher)
    networks = network_names()
    group = app_commands.Group(name=GROUP_NAME, description=localized(GROUP_DESCRIPTION),
                               guild_only=True)
    for spec in dispatcher.commands:
        command: app_commands.Command[Any, ..., None] = app_commands.Command(
            name=spec.name,
            description=localized(spec.summary),
            callback=_callback(spec, run, networks, suggestions),
        )
        group.add_command(command)
    return group


@dataclass(frozen=True)
class Arguments:
    """Option values converted to what the command core expects, plus the display
    names Discord already resolved for any members picked."""

    values: dict[str, Any]
    names: dict[str, str]


class OptionError(ValueError):
    """Shown to the caller ephemerally, in their language (`tr.msg(exc.message)`)."""

    def __init__(self, message: Msg | str) -> None:
        super().__init__(str(message))
        self.message = message


def convert_options(spec: CommandSpec, values: Mapping[str, Any]) -> Arguments:
    args: dict[str, Any] = {}
    names: dict[str, str] = {}
    for param in spec.params:
        value = values.get(param.name)
        if value is None:
            continue
        if param.kind is Kind.USER:
            args[param.name] = str(value.id)
            names[str(value.id)] = value.display_name
        else:
            try:
                args[param.name] = param_value(param, value)
            except InvalidValue as exc:
                raise OptionError(exc.message) from None
    return Arguments(args, names)


def payload_digest(payload: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class SyncState:
    """The digest of what was last synced, per application and target, in a JSON file
    (written atomically so a crash mid-write can't leave half a file)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def save(self, key: str, digest: str) -> None:
        data = self.load()
        data[key] = digest
        self._write(data)

    def forget(self, key: str) -> None:
        data = self.load()
        if data.pop(key, None) is not None:
            self._write(data)

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-",
                                             suffix=self.path.name)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(data, stream, indent=2, sort_keys=True)
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


async def sync_commands(tree: app_commands.CommandTree[Any], state: SyncState,
                        application_id: int, guild_id: int | None) -> bool:
    """Bulk-overwrites the commands on Discord when they changed; True if it synced.

    With a guild id the global commands are copied to that guild, which Discord
    updates instantly (global commands can take a while to appear). Back on global
    sync, the copies left in development guilds are removed, or those servers would
    list every command twice."""
    guild = discord.Object(id=guild_id) if guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    # With a translator the German descriptions are part of what is compared, so a new
    # translation is synced like a new command.
    translator = tree.translator
    payload = [await command.get_translated_payload(tree, translator) if translator
               else command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    key = _state_key(application_id, guild_id)
    digest = payload_digest(payload)
    stored = state.load()
    synced = False
    if stored.get(key) != digest:
        await tree.sync(guild=guild)
        state.save(key, digest)
        log.info("synced %d Discord command(s) to %s", len(payload), key)
        synced = True
    else:
        log.info("Discord commands unchanged (%s); not syncing", key)
    if guild is None:
        await _clear_development_guilds(tree, state, application_id, stored)
    return synced


def _state_key(application_id: int, guild_id: int | None) -> str:
    return f"{application_id}:{f'guild:{guild_id}' if guild_id else 'global'}"


async def _clear_development_guilds(tree: app_commands.CommandTree[Any], state: SyncState,
                                    application_id: int, stored: Mapping[str, str]) -> None:
    prefix = f"{application_id}:guild:"
    for key in stored:
        if not key.startswith(prefix) or not key[len(prefix):].isdigit():
            continue
        guild = discord.Object(id=int(key[len(prefix):]))
        tree.clear_commands(guild=guild)
        try:
            await tree.sync(guild=guild)
        except discord.HTTPException as exc:
            log.warning("could not remove the development commands from guild %s: %s",
                        guild.id, exc)
            continue
        state.forget(key)
        log.info("removed the development copy of the commands from guild %s", guild.id)
