"""Answers Discord slash commands and button clicks through the command core, within the
3 s Discord gives an interaction (acknowledging first when the answer takes longer)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Coroutine, Mapping
from typing import Any

import discord

from chatbot.admission import busy_reply
from chatbot.i18n import Translator
from chatbot.platforms.caller_language import KnownLanguage, quick_translator, translator_for
from chatbot.platforms.discord_commands import (
    OptionError,
    convert_options,
    team_id_for,
)
from chatbot.platforms.discord_render import (
    render,
)
from chatbot.values.message import N_
from chatbot.values.reply import Reply, Visibility, error
from commands.context import Caller, NameLookup
from commands.registry import Dispatcher
from commands.spec import CommandSpec

log = logging.getLogger(__name__)

DEFER_AFTER_SECONDS = 2.0
"""Discord drops an interaction not answered within 3 s; past this we acknowledge."""
USE_IN_A_SERVER = N_("Kloutbot scores members of a server, so /klout works in a server's "
                     "channels, not in direct messages.")
STOPPING = N_("Kloutbot is restarting; please try again in a moment.")
FAILED = N_("Something went wrong on my side and it was logged.")

_USER_MENTION = re.compile(r"^<@!?(\d{15,22})>$")


def resolve_mention(token: str) -> str | None:
    """`<@123>` in a button's command text is member 123."""
    match = _USER_MENTION.match(token)
    return match.group(1) if match else None


class InteractionResponder:
    """Answers slash commands and button clicks within Discord's deadline."""

    def __init__(self, client: discord.Client, dispatcher: Dispatcher, *,
                 defer_after: float = DEFER_AFTER_SECONDS) -> None:
        self._client = client
        self._dispatcher = dispatcher
        self._defer_after = defer_after
        self._in_flight: set[asyncio.Task[Any]] = set()
        self.accepting = True

    def _accept(self) -> bool:
        """Whether to take this interaction; while stopping, no. Tracks the ones taken."""
        if not self.accepting:
            return False
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return True

    async def drain(self, within: float) -> None:
        """Take nothing new; give the answers in flight up to `within` seconds."""
        self.accepting = False
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=within)

    def quick_translator(self, interaction: discord.Interaction) -> Translator:
        """The member's client language (else the server's) without a query: for answers
        that can't or needn't ask the database (refusals, a direct message)."""
        guild_locale = interaction.guild_locale
        return quick_translator(self._dispatcher, interaction.locale.value,
                                guild_locale.value if guild_locale else None)

    def caller(self, interaction: discord.Interaction) -> Caller | None:
        if interaction.guild_id is None:
            return None
        permissions = interaction.permissions
        guild_name = getattr(interaction.guild, "name", None) or ""
        return Caller(
            team_id=team_id_for(interaction.guild_id),
            platform="discord",
            user_id=str(interaction.user.id),
            display_name=interaction.user.display_name,
            is_admin=permissions.manage_guild or permissions.administrator,
            team_name=guild_name,
            channel_id=str(interaction.channel_id) if interaction.channel_id else None,
            locale=interaction.locale.value,
            team_locale=interaction.guild_locale.value if interaction.guild_locale else None,
        )

    def name_lookup(self, known: Mapping[str, str]) -> NameLookup:
        """Names Discord resolved in this interaction first, then the API."""

        async def lookup(user_id: str) -> str | None:
            if user_id in known:
                return known[user_id]
            if not user_id.isdigit():
                return None
            user = self._client.get_user(int(user_id))
            if user is None:
                try:
                    user = await self._client.fetch_user(int(user_id))
                except discord.HTTPException:
                    return None
            return user.display_name

        return lookup

    async def _accepted_caller(self, interaction: discord.Interaction,
                               quick: Translator) -> Caller | None:
        """Who is asking, or None once they have been told why nothing runs (stopping, or
        not in a server)."""
        if not self._accept():
            await self._send(interaction, error(quick._(STOPPING)), quick)
            return None
        caller = self.caller(interaction)
        if caller is None:
            await self._send(interaction, error(quick._(USE_IN_A_SERVER)), quick)
        return caller

    async def run_command(self, interaction: discord.Interaction, spec: CommandSpec,
                          values: Mapping[str, Any]) -> None:
        quick = self.quick_translator(interaction)
        caller = await self._accepted_caller(interaction, quick)
        if caller is None:
            return
        try:
            arguments = convert_options(spec, values)
        except OptionError as exc:
            tr = await translator_for(self._dispatcher, caller)
            await self._send(interaction, error(tr.msg(exc.message)), tr)
            return
        slot = self._dispatcher.admission.admit()
        if slot is None:
            await self._send_busy(interaction, quick)
            return
        with slot:
            language = KnownLanguage(quick)
            work = slot.reply(self._run(caller, spec, arguments.values,
                                        self.name_lookup(arguments.names), language),
                              language.get)
            await self._answer(interaction, work, language, slow=spec.slow,
                               private=spec.private)

    async def _run(self, caller: Caller, spec: CommandSpec, values: Mapping[str, Any],
                   lookup: NameLookup, language: KnownLanguage) -> Reply:
        tr = language.learn(await translator_for(self._dispatcher, caller))
        return await self._dispatcher.run(caller, spec, values, lookup, tr=tr)

    async def _run_text(self, caller: Caller, command: str, language: KnownLanguage) -> Reply:
        tr = language.learn(await translator_for(self._dispatcher, caller))
        return await self._dispatcher.run_text(caller, command, resolve_mention,
                                               self.name_lookup({}), tr=tr)

    async def run_button(self, interaction: discord.Interaction, command: str) -> None:
        """A click runs the command as the clicker: a public answer (a leaderboard page)
        replaces the message, anything private comes back ephemerally."""
        quick = self.quick_translator(interaction)
        caller = await self._accepted_caller(interaction, quick)
        if caller is None:
            return
        slot = self._dispatcher.admission.admit()
        if slot is None:
            await self._send_busy(interaction, quick)
            return
        with slot:
            language = KnownLanguage(quick)
            await self._answer_click(interaction, command, slot.reply(
                self._run_text(caller, command, language), language.get), language)

    async def _answer_click(self, interaction: discord.Interaction, command: str,
                            work: Coroutine[Any, Any, Reply], language: KnownLanguage) -> None:
        task = asyncio.ensure_future(work)
        try:
            done, _ = await asyncio.wait({task}, timeout=self._defer_after)
            if done:
                reply = await self._finish(task, language.tr)
                if reply.visibility is Visibility.CHANNEL:
                    await interaction.response.edit_message(
                        **render(reply, language.tr).edit_kwargs())
                else:
                    await self._send(interaction, reply, language.tr)
                return
            await interaction.response.defer()
            reply = await self._finish(task, language.tr)
            if reply.visibility is Visibility.CHANNEL:
                await interaction.edit_original_response(
                    **render(reply, language.tr).edit_kwargs())
            else:
                await interaction.followup.send(ephemeral=True,
                                                **render(reply, language.tr).send_kwargs())
        except discord.HTTPException:
            log.exception("could not answer a button click (%s)", command)

    async def _answer(self, interaction: discord.Interaction,
                      work: Coroutine[Any, Any, Reply], language: KnownLanguage, *, slow: bool,
                      private: bool) -> None:
        task = asyncio.ensure_future(work)
        try:
            if not slow:
                done, _ = await asyncio.wait({task}, timeout=self._defer_after)
                if done:
                    await self._send(interaction, await self._finish(task, language.tr),
                                     language.tr)
                    return
            await interaction.response.defer(ephemeral=private, thinking=True)
            reply = await self._finish(task, language.tr)
            await self._follow_up(interaction, reply, language.tr,
                                  deferred_privately=private)
        except discord.HTTPException:
            log.exception("could not answer /klout on Discord")

    @staticmethod
    async def _finish(task: asyncio.Future[Reply], tr: Translator) -> Reply:
        """The work is the admission slot's: it ends by the answer deadline, which the
        settings keep inside the 15 minutes an interaction token lasts."""
        try:
            return await task
        except Exception:
            log.exception("a /klout command failed on Discord")
            return error(tr._(FAILED))

    @staticmethod
    async def _send_busy(interaction: discord.Interaction, tr: Translator) -> None:
        try:
            await InteractionResponder._send(interaction, busy_reply(tr), tr)
        except discord.HTTPException:
            log.exception("could not say busy on Discord")

    @staticmethod
    async def _send(interaction: discord.Interaction, reply: Reply, tr: Translator) -> None:
        await interaction.response.send_message(
            ephemeral=reply.visibility is Visibility.PRIVATE, **render(reply, tr).send_kwargs())

    @staticmethod
    async def _follow_up(interaction: discord.Interaction, reply: Reply, tr: Translator, *,
                         deferred_privately: bool) -> None:
        """A public "thinking…" placeholder can't turn ephemeral: when the answer is
        private (an error, personal data) the placeholder goes and the answer follows
        only for the caller."""
        message = render(reply, tr)
        if reply.visibility is Visibility.PRIVATE and not deferred_privately:
            with contextlib.suppress(discord.NotFound):
                await interaction.delete_original_response()
            await interaction.followup.send(ephemeral=True, **message.send_kwargs())
            return
        await interaction.edit_original_response(**message.edit_kwargs())

