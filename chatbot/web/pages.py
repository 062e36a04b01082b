"""What each page shows, read through the same storage queries and command helpers as
the chat answers, so a page and `/klout leaderboard` or `/klout` never disagree.

Only ranked members appear: the board holds members whose accounts count, so an
unverified (provisional), hidden or forgotten member has no row, no profile (404) and
no place among the #FollowFriday suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from chatbot.i18n import Translator
from chatbot.influence.leaderboards import Standing
from chatbot.influence.networks.registry import network_label
from chatbot.render.text import STALE_AFTER
from chatbot.storage.models import Goal, Team, TopicCount
from chatbot.values.reply import Reply
from chatbot.web.chart import HistoryChart, history_chart
from commands import explain as explain_command
from commands.context import Caller, Context, Services
from commands.goal import projection
from commands.leaderboard import PAGE_SIZE, PERIOD_DAYS
from commands.summary import MemberSummary, summarize

PERIODS = ("all", "week", "month")


@dataclass(frozen=True)
class Viewer:
    """Who looks: a member through their personal link, or anyone through a public one."""

    team: Team
    user_id: str | None
    web_id: str | None
    ranked: bool
    """Whether the viewer is on the board (and so has a profile page to link to)."""
    tr: Translator


@dataclass(frozen=True)
class BoardRow:
    standing: Standing
    web_id: str
    own: bool


@dataclass(frozen=True)
class BoardView:
    period: str
    network: str | None
    rows: tuple[BoardRow, ...]
    own_row: BoardRow | None
    """The viewer's row when it is on another page (pinned below the table)."""
    page: int
    pages: int
    total: int

    def query(self, page: int) -> str:
        """The query string of another page of this same board."""
        wanted = {"period": self.period, "network": self.network, "page": str(page)}
        return urlencode({key: value for key, value in wanted.items() if value})


@dataclass(frozen=True)
class NetworkView:
    network: str
    label: str
    handle: str
    verified: bool
    score: float | None
    fetched_at: datetime | None
    stale: bool


@dataclass(frozen=True)
class GoalView:
    goal: Goal
    fraction: float
    projection: str


@dataclass(frozen=True)
class ProfileView:
    summary: MemberSummary
    networks: tuple[NetworkView, ...]
    chart: HistoryChart | None
    explanation: Reply
    topics: tuple[TopicCount, ...]
    goal: GoalView | None
    history_days: int


@dataclass(frozen=True)
class SuggestionView:
    name: str
    network: str
    handle: str
    reasons: tuple[str, ...]
    web_id: str


def _context(services: Services, viewer: Viewer) -> Context:
    # Nobody is "own" on a page: a link may be passed on, so every profile shows what
    # teammates see in chat, never an owner's provisional accounts.
    caller = Caller(team_id=viewer.team.team_id, platform=viewer.team.platform, user_id="",
                    display_name="")
    return Context(caller=caller, services=services, commands=(), tr=viewer.tr)


async def leaderboard(services: Services, viewer: Viewer, *, period: str, network: str | None,
                      page: int) -> BoardView:
    storage = services.storage
    team_id = viewer.team.team_id
    today = services.clock.now().date()
    since = today - timedelta(days=PERIOD_DAYS[period]) if period in PERIOD_DAYS else None
    board = await services.boards.page(
        team_id, today, page=page, size=PAGE_SIZE, caller=viewer.user_id or "", since=since,
        network=network)
    shown = [*board.standings, *([board.caller] if board.caller else [])]
    web_ids = await storage.web.member_web_ids(team_id, [s.user_id for s in shown])

    def row(standing: Standing) -> BoardRow:
        return BoardRow(standing, web_ids[standing.user_id], standing.user_id == viewer.user_id)

    return BoardView(period=period, network=network,
                     rows=tuple(row(s) for s in board.standings if s.user_id in web_ids),
                     own_row=row(board.caller) if board.caller else None,
                     page=board.page, pages=board.pages, total=board.total)


async def is_ranked(services: Services, team_id: str, user_id: str) -> bool:
    rank, _ = await services.boards.rank_of(team_id, user_id)
    return rank is not None


async def profile(services: Services, viewer: Viewer, user_id: str) -> ProfileView | None:
    """None for anyone who is not on the team's board."""
    team_id = viewer.team.team_id
    if not await is_ranked(services, team_id, user_id):
        return None
    ctx = _context(services, viewer)
    summary = await summarize(ctx, user_id)
    if summary.current is None:
        return None
    now = services.clock.now()
    networks = tuple(
        NetworkView(
            network=h.network, label=network_label(h.network), handle=h.handle,
            verified=h.verified, score=summary.network_scores.get(h.network),
            fetched_at=h.last_fetched_at,
            stale=bool(h.stale_reason) or (h.last_fetched_at is not None
                                           and now - h.last_fetched_at > STALE_AFTER))
        for h in summary.handles)
    days = services.score_window_days
    goal = None
    if summary.goal is not None:
        start = summary.goal.baseline if summary.goal.baseline is not None else 0.0
        span = summary.goal.target - start
        fraction = 1.0 if span <= 0 else (summary.current.raw - start) / span
        goal = GoalView(summary.goal, max(0.0, min(1.0, fraction)), projection(viewer.tr, summary))
    return ProfileView(
        summary=summary,
        networks=networks,
        chart=history_chart(viewer.tr, summary.history, summary.today, days,
                            summary.goal.target if summary.goal else None),
        explanation=await explain_command.explained(ctx, user_id, summary),
        topics=tuple(await services.storage.endorsements.topics(team_id, user_id)),
        goal=goal,
        history_days=days,
    )


async def followfriday(services: Services, viewer: Viewer) -> tuple[SuggestionView, ...]:
    """The viewer's suggestions this week, as `/klout followfriday` gives them."""
    assert viewer.user_id is not None
    team_id = viewer.team.team_id
    part = await services.followfriday.preview(team_id, viewer.user_id, services.clock.now())
    ranked = [s for s in part.suggestions if await is_ranked(services, team_id, s.user_id)]
    web_ids = await services.storage.web.member_web_ids(team_id, [s.user_id for s in ranked])
    return tuple(SuggestionView(s.display_name, network_label(s.network), s.handle,
                                tuple(viewer.tr.msg(r) for r in s.reasons), web_ids[s.user_id])
                 for s in ranked if s.user_id in web_ids)
