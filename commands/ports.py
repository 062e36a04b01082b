"""What commands need from the influence engine and the #FollowFriday planner.

Commands depend on these protocols, not on the implementations, so they can
be tested against stored data and the engine can evolve on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from chatbot.values.accounts import Profile
from chatbot.values.message import Msg
from chatbot.values.outcomes import MemberSuggestions, MemberWeek, RefreshOutcome


class Engine(Protocol):
    def availability(self) -> Mapping[str, Msg | str | None]:
        """network -> None when usable, else the reason (e.g. which setting enables it)."""
        ...

    def parse_handle(self, network: str, raw: str) -> str:
        """Canonical handle or InvalidHandle; no I/O."""
        ...

    def handle_for_humans(self, network: str, handle: str) -> str: ...

    async def lookup(self, network: str, handle: str) -> Profile:
        """The live public profile; AccountNotFound or NetworkUnavailable otherwise."""
        ...

    async def check_code(self, network: str, handle: str, code: str) -> bool:
        """Whether the one-time code is in the account's public bio or fields now."""
        ...

    async def refresh_member(self, team_id: str, user_id: str) -> RefreshOutcome: ...

    async def provisional_score(self, team_id: str, user_id: str) -> int | None:
        """The member's score counting their unverified accounts too, from stored data;
        shown to the owner only, never stored or ranked. None without any data."""
        ...

    async def rescore(self, team_id: str, user_ids: Sequence[str] | None = None) -> None:
        """Score members again from stored data (no fetching), all of the team by default:
        after a verification or a change of what counts."""
        ...

    def new_code(self) -> str: ...


class FollowFriday(Protocol):
    async def preview(self, team_id: str, user_id: str, now: datetime) -> MemberSuggestions:
        """This week's suggestions for one member, as the weekly post will show them."""
        ...

    async def member_week(self, team_id: str, user_id: str, period: str | None,
                          now: datetime) -> MemberWeek:
        """One member's part of a week (None: this week) as its post showed it."""
        ...


class PersonalLink(Protocol):
    @property
    def url(self) -> str: ...

    @property
    def expires_at(self) -> datetime: ...


class WebLinks(Protocol):
    def missing(self) -> tuple[str, ...]:
        """The settings still unset (KLOUT_PUBLIC_URL, KLOUT_WEB_SECRET); empty when ready."""
        ...

    async def personal(self, team_id: str, user_id: str, language: str,
                       now: datetime) -> PersonalLink:
        """A link to the member's team's pages, in `language`, that expires."""
        ...

    async def public(self, team_id: str, language: str) -> str | None:
        """The team's public link, or None while its pages are private."""
        ...
