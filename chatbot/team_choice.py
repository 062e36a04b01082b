"""`--team T` on the command line: a team's id or the name its members know."""

from __future__ import annotations

from collections.abc import Sequence

from chatbot.storage.models import Team


class TeamChoiceError(ValueError):
    """Unknown or ambiguous; the message lists the teams to choose from."""


def _listed(teams: Sequence[Team]) -> str:
    if not teams:
        return "There are no teams in this database yet."
    shown = ", ".join(f"{team.name or '(no name)'} ({team.team_id})" for team in teams)
    return f"Teams: {shown}."


def choose_team(teams: Sequence[Team], wanted: str) -> Team:
    """The id wins; then the platform's own id (`T0123`), then the name, ignoring case.

    Names are what people type (`acme`, the Slack workspace, the Discord server),
    and two teams may share one, so a name that fits several is refused.
    """
    for team in teams:
        if team.team_id == wanted:
            return team
    native = [t for t in teams if t.team_id.partition(":")[2] == wanted]
    if len(native) == 1:
        return native[0]
    folded = wanted.strip().casefold()
    named = [t for t in teams if t.name.strip().casefold() == folded and folded]
    if len(named) == 1:
        return named[0]
    if len(named) > 1 or len(native) > 1:
        several = named or native
        raise TeamChoiceError(
            f"“{wanted}” names {len(several)} teams; use the id. {_listed(several)}")
    raise TeamChoiceError(f"No team “{wanted}”. {_listed(teams)}")
