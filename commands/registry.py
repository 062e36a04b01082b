"""Every command, and the dispatcher that runs one for any platform."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from chatbot.admission import Admission
from chatbot.i18n import Translator, choose_language, language_of
from chatbot.storage.database import DatabaseUnavailable
from chatbot.values.message import N_
from chatbot.values.network_errors import NetworkError
from chatbot.values.reply import Reply, error
from commands import (
    config,
    endorse,
    explain,
    followfriday,
    goal,
    history,
    language,
    leaderboard,
    privacy,
    register,
    score,
    web,
)
from commands.context import Caller, Context, NameLookup, Services
from commands.help import build_help_spec
from commands.notices import with_notices
from commands.parser import MentionResolver, Parser, UsageError
from commands.recent_names import NAMES_REMEMBERED, RecentNames
from commands.spec import CommandSpec

log = logging.getLogger(__name__)

UNAVAILABLE = N_("Kloutbot's database is temporarily unavailable, so I can't answer that "
                 "right now. Please try again in a minute.")

_COMMANDS: tuple[CommandSpec, ...] = (
    score.SPEC,
    register.REGISTER,
    register.VERIFY,
    register.UNREGISTER,
    register.HANDLES,
    leaderboard.SPEC,
    explain.SPEC,
    history.SPEC,
    goal.SPEC,
    endorse.GIVE,
    endorse.TOPICS,
    followfriday.SPEC,
    privacy.FORGET,
    privacy.EXPORT,
    config.SPEC,
    language.SPEC,
    web.SPEC,
)


def all_commands() -> tuple[CommandSpec, ...]:
    names = (*(spec.name for spec in _COMMANDS), "help")
    return (*_COMMANDS, build_help_spec(names))


async def _no_name(user_id: str) -> str | None:
    return None


CommandObserver = Callable[[str, str, float], None]
"""Told (command name, platform, seconds) after every command, for latency metrics."""


class Dispatcher:
    """Runs a command for a caller; never raises for anything a user can type."""

    def __init__(self, services: Services, commands: tuple[CommandSpec, ...] | None = None,
                 *, admission: Admission | None = None,
                 observe: CommandObserver | None = None,
                 timer: Callable[[], float] = time.perf_counter,
                 names_remembered: int = NAMES_REMEMBERED):
        self.services = services
        self.admission = admission or Admission()
        """Shared by every platform adapter: the process's one cap on commands in flight."""
        self._observe = observe
        self._timer = timer
        self.commands = commands if commands is not None else all_commands()
        self._by_name = {spec.name: spec for spec in self.commands}
        # What each team's and member's stored name is (last written, or read with the
        # caller's language), so a command writes only when a name changed: two write
        # transactions per command would queue every answer behind refresh writes.
        self._team_names: RecentNames[str] = RecentNames(names_remembered)
        self._member_names: RecentNames[tuple[str, str]] = RecentNames(names_remembered)
        self.team_languages: dict[str, str] = {}
        """Each team's language as last read; kept fresh by every command in the team."""

    async def learn_team_languages(self) -> None:
        """Every team's language, for answers that may not wait for the database (a Slack
        ack) to a member whose own language is not known yet."""
        for team in await self.services.storage.teams.list_all():
            self.team_languages[team.team_id] = team.language

    def spec(self, name: str) -> CommandSpec:
        return self._by_name[name]

    def parse(self, text: str, resolve_mention: MentionResolver,
              tr: Translator | None = None) -> tuple[CommandSpec, dict[str, Any]]:
        parser = Parser(self.commands, resolve_mention, tr)
        invocation = parser.parse(text)
        return invocation.spec, invocation.args

    async def translator_for(self, caller: Caller) -> Translator:
        """The member's own choice, else their client's language, else the team's; a new
        team's language is its server's (Discord's guild locale)."""
        record = await self.services.storage.teams.as_seen_by(caller.team_id, caller.user_id)
        team_language = record.team_language
        if team_language is not None:
            self.team_languages[caller.team_id] = team_language
        else:
            team_language = language_of(caller.team_locale)
        # The stored names come with the same read: a command then writes (or checks) a
        # name only when the platform shows another one.
        if record.team_name is not None:
            self._team_names.remember(caller.team_id, record.team_name)
        if record.member_name is not None:
            self._member_names.remember((caller.team_id, caller.user_id), record.member_name)
        return self.services.catalogs.translator(
            choose_language(record.member_language, caller.locale, team_language))

    async def run_text(
        self,
        caller: Caller,
        text: str,
        resolve_mention: MentionResolver,
        lookup_name: NameLookup = _no_name,
        *,
        tr: Translator | None = None,
    ) -> Reply:
        """`tr`: the caller's translator when the adapter already asked `translator_for`
        (it needs the language for its own texts), so it is not looked up twice."""
        with self.services.foreground.answering_command():
            return await self._run_text(caller, text, resolve_mention, lookup_name, tr)

    async def _run_text(self, caller: Caller, text: str, resolve_mention: MentionResolver,
                        lookup_name: NameLookup, tr: Translator | None) -> Reply:
        if tr is None:
            try:
                tr = await self.translator_for(caller)
            except DatabaseUnavailable:
                tr = self.services.catalogs.translator(language_of(caller.locale))
                return error(tr._(UNAVAILABLE))
        try:
            spec, args = self.parse(text, resolve_mention, tr)
        except UsageError as exc:
            return error(str(exc))
        return await self.run(caller, spec, args, lookup_name, tr=tr)

    async def run(
        self,
        caller: Caller,
        spec: CommandSpec,
        args: Mapping[str, Any],
        lookup_name: NameLookup = _no_name,
        *,
        tr: Translator | None = None,
    ) -> Reply:
        started = self._timer()
        try:
            with self.services.foreground.answering_command():
                if tr is None:
                    tr = await self.translator_for(caller)
                return await self._run(caller, spec, args, lookup_name, tr)
        except DatabaseUnavailable:
            # The pool reconnects by itself on a later command; nothing to log per command.
            log.warning("command %s: the database is unreachable", spec.name)
            tr = tr or self.services.catalogs.translator(language_of(caller.locale))
            return error(tr._(UNAVAILABLE))
        finally:
            if self._observe is not None:
                self._observe(spec.name, caller.platform, self._timer() - started)

    async def _run(
        self,
        caller: Caller,
        spec: CommandSpec,
        args: Mapping[str, Any],
        lookup_name: NameLookup,
        tr: Translator,
    ) -> Reply:
        if spec.admin_only and not caller.is_admin:
            if caller.platform == "slack":
                return error(tr._("/klout {command} is for admins of this workspace.",
                                  command=spec.name))
            return error(tr._("/klout {command} is for admins of this server.",
                              command=spec.name))
        storage = self.services.storage
        now = self.services.clock.now()
        if self._team_names.changed(caller.team_id, caller.team_name):
            await storage.teams.ensure(caller.team_id, caller.platform, caller.team_name, now,
                                       language_of(caller.team_locale) or "en")
            self._team_names.remember(caller.team_id, caller.team_name)
        member = (caller.team_id, caller.user_id)
        if self._member_names.changed(member, caller.display_name):
            await storage.members.follow_rename(caller.team_id, caller.user_id,
                                                caller.display_name)
            self._member_names.remember(member, caller.display_name)
        ctx = Context(caller=caller, services=self.services, commands=self.commands,
                      lookup_name=lookup_name, tr=tr)
        try:
            reply = await spec.handler(ctx, args)
        except UsageError as exc:
            reply = error(str(exc))
        except NetworkError as exc:
            reply = error(tr.msg(exc.message))
        except DatabaseUnavailable:
            raise
        except Exception:
            log.exception("command %s failed", spec.name)
            reply = error(tr._("Something went wrong on my side and it was logged. "
                               "Please try again, and tell an admin if it keeps happening."))
        if await storage.notices.pending(caller.team_id, caller.user_id):
            reply = with_notices(tr, reply, await storage.notices.take(caller.team_id,
                                                                       caller.user_id))
        return reply
