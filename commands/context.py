"""Who is asking, from where, and the services a handler may use."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chatbot.clock import Clock
from chatbot.foreground import Foreground
from chatbot.i18n import Catalogs, Translator, load_catalogs
from chatbot.influence.leaderboards import Leaderboards
from chatbot.influence.score import WINDOW_DAYS_DEFAULT
from chatbot.storage import Storage
from chatbot.storage.models import Team
from commands.ports import Engine, FollowFriday, WebLinks

if TYPE_CHECKING:
    from commands.spec import CommandSpec


@dataclass(frozen=True)
class Caller:
    team_id: str
    """Namespaced by platform: slack:T…, discord:…, console:…"""
    platform: str
    user_id: str
    display_name: str
    is_admin: bool = False
    team_name: str = ""
    channel_id: str | None = None
    locale: str | None = None
    """The language the member's client runs in, where the platform says (Discord's
    interaction locale, Slack's user locale, the console's --lang or LANG)."""
    team_locale: str | None = None
    """The server's own locale (Discord's guild locale): a new team starts in it."""


@dataclass(frozen=True)
class Services:
    storage: Storage
    engine: Engine
    followfriday: FollowFriday
    clock: Clock
    boards: Leaderboards
    """The process's one ranking service: its caches are shared by every command."""
    score_window_days: int = WINDOW_DAYS_DEFAULT
    """KLOUT_SCORE_WINDOW_DAYS: how far back posts count, and how much history is shown."""
    catalogs: Catalogs = field(default_factory=load_catalogs)
    web_links: WebLinks | None = None
    """Links to the web pages; None where no web server runs (the console)."""
    foreground: Foreground = field(default_factory=Foreground)
    """What this process is answering (commands, web pages): its refresh steps aside."""


NameLookup = Callable[[str], Awaitable[str | None]]
"""Fetches a member's display name from the platform (Slack users.info, …)."""


async def _no_lookup(user_id: str) -> str | None:
    return None


@dataclass(frozen=True)
class Context:
    caller: Caller
    services: Services
    commands: Sequence[CommandSpec]
    lookup_name: NameLookup = _no_lookup
    tr: Translator = field(default_factory=lambda: load_catalogs().translator("en"))
    """The caller's language (commands/registry.py chooses it before parsing)."""
    _team: list[Team | None] = field(default_factory=list, compare=False, repr=False)

    async def team(self) -> Team | None:
        """The caller's team as this command first read it: a card and the summary it
        shows both need it, and one read is half the cost."""
        if not self._team:
            self._team.append(await self.storage.teams.get(self.team_id))
        return self._team[0]

    @property
    def team_id(self) -> str:
        return self.caller.team_id

    @property
    def storage(self) -> Storage:
        return self.services.storage

    async def name_of(self, user_id: str) -> str:
        """Stored name first (cheap), then the platform, then the raw id."""
        member = await self.storage.members.get(self.team_id, user_id)
        if member and member.display_name:
            return member.display_name
        fetched = await self.lookup_name(user_id)
        return fetched or user_id
