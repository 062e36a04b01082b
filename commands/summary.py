"""A member's standing assembled from storage, shared by card, explain, history and goal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chatbot.render.text import STALE_AFTER
from chatbot.storage.models import Goal, Handle, ScorePoint
from commands.context import Context
from commands.formula_versions import align


@dataclass(frozen=True)
class MemberSummary:
    user_id: str
    name: str
    today: date
    current: ScorePoint | None
    week_ago: ScorePoint | None
    month_ago: ScorePoint | None
    history: list[ScorePoint]
    network_scores: dict[str, float]
    handles: list[Handle]
    rank: int | None
    team_size: int
    refreshed_at: datetime | None
    goal: Goal | None
    provisional: list[Handle]
    """Unverified accounts a provisional team doesn't count; listed only to their owner."""

    @property
    def change_7d(self) -> float | None:
        if self.current is None or self.week_ago is None:
            return None
        return self.current.raw - self.week_ago.raw

    @property
    def change_30d(self) -> float | None:
        if self.current is None or self.month_ago is None:
            return None
        return self.current.raw - self.month_ago.raw

    def stale_handles(self, now: datetime) -> list[Handle]:
        return [
            handle
            for handle in self.handles
            if handle.stale_reason
            or (handle.last_fetched_at is not None and now - handle.last_fetched_at > STALE_AFTER)
        ]


async def summarize(ctx: Context, user_id: str) -> MemberSummary:
    """Everything the score, history, goal and explain answers show about one member; the
    history covers the score window."""
    storage = ctx.storage
    now = ctx.services.clock.now()
    today = now.date()
    since = today - timedelta(days=ctx.services.score_window_days)
    # One read holds the chart and, nearly always, today's, last week's and last month's
    # points as well.
    points = await storage.scores.history(ctx.team_id, user_id,
                                          min(since, today - timedelta(days=30)))
    current, week_ago, month_ago = await _points_on(ctx, user_id, points, (
        today, today - timedelta(days=7), today - timedelta(days=30)))
    history = [point for point in points if point.day >= since]
    rank, team_size = await ctx.services.boards.rank_of(ctx.team_id, user_id)
    member = await storage.members.get(ctx.team_id, user_id)
    team = await ctx.team()
    count_unverified = team.count_unverified if team else False
    handles = await storage.handles.for_member(ctx.team_id, user_id)
    counted = [h for h in handles if h.verified or count_unverified]
    provisional = [h for h in handles if h not in counted]
    own = user_id == ctx.caller.user_id
    if not counted:
        # A stored point from before nothing counted (accounts removed, a claim lost,
        # the team turned provisional) is not a score anyone should see now.
        current = week_ago = month_ago = None
        if not own:
            history = []
    if current is not None:
        # A formula change is not a change in anyone's accounts: older versions'
        # points are shifted onto the current formula before anything compares them.
        week_ago, month_ago, *shifted = await align(
            ctx, user_id, [week_ago, month_ago, *history], current.version)
        history = [point for point in shifted if point is not None]
    latest_network: dict[str, float] = {}
    if current is not None:
        latest = await storage.scores.network_history(ctx.team_id, user_id, current.day)
        latest_network = {net: series[-1][1] for net, series in latest.items() if series}
    return MemberSummary(
        user_id=user_id,
        name=member.display_name if member and member.display_name
        else await ctx.name_of(user_id),
        today=today,
        current=current,
        week_ago=week_ago if week_ago and current and week_ago.day < current.day else None,
        month_ago=month_ago if month_ago and current and month_ago.day < current.day else None,
        history=history,
        network_scores=latest_network,
        handles=handles if own else counted,
        rank=rank,
        team_size=team_size,
        refreshed_at=member.last_refreshed_at if member else None,
        goal=await storage.goals.get(ctx.team_id, user_id),
        provisional=provisional,
    )


async def _points_on(ctx: Context, user_id: str, points: list[ScorePoint],
                     days: tuple[date, ...]) -> list[ScorePoint | None]:
    """The newest point on or before each day (newest day first), from `points` (read
    from some day on, in order) where they settle it; a day before all of them may have
    an older point, which only storage knows."""
    found: list[ScorePoint | None] = []
    for day in days:
        before = [point for point in points if point.day <= day]
        if before:
            found.append(before[-1])
        elif found and found[-1] is None:
            found.append(None)  # nothing on or before a later day: nothing before this one
        else:
            found.append(await ctx.storage.scores.latest(ctx.team_id, user_id, day))
    return found


def trend_per_day(points: list[ScorePoint], days: int = 30) -> float | None:
    """Least-squares slope of the last `days` of history, in points per day."""
    if len(points) < 3:
        return None
    cutoff = points[-1].day - timedelta(days=days)
    recent = [p for p in points if p.day >= cutoff]
    if len(recent) < 3:
        return None
    xs = [float(p.day.toordinal()) for p in recent]
    ys = [p.raw for p in recent]
    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
