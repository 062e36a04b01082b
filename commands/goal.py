"""`/klout goal SCORE [by DATE]`: a smart goal with progress and a projection."""

from __future__ import annotations

from datetime import date

from chatbot.render.text import progress_bar
from chatbot.values.reply import Field, Reply, Tone, error
from commands.context import Context
from commands.spec import Args, CommandSpec, Kind, Param
from commands.summary import MemberSummary, summarize, trend_per_day


def projection(summary: MemberSummary) -> str:
    """Where the last 30 days' trend leads; honest about flat or falling trends."""
    if summary.current is None or summary.goal is None:
        return ""
    slope = trend_per_day(summary.history)
    target = summary.goal.target
    current = summary.current.raw
    if current >= target:
        return "Goal reached — set a higher one?"
    if slope is None:
        return "Not enough history for a projection yet."
    if summary.goal.by_date is not None:
        days = (summary.goal.by_date - summary.today).days
        expected = max(1.0, min(100.0, current + slope * days))
        verdict = "on track" if expected >= target else "behind"
        return (
            f"At the pace of the last 30 days ({slope * 7:+.1f} a week) you'd be at "
            f"{expected:.0f} by {summary.goal.by_date.isoformat()}: {verdict}."
        )
    if slope <= 0.01:
        return "Your trend is flat or falling; see /klout explain for what would move it."
    eta = summary.today.toordinal() + round((target - current) / slope)
    return f"At the current pace ({slope * 7:+.1f} a week) you'd reach {target} around " \
        f"{date.fromordinal(eta).isoformat()}."


def goal_progress_line(summary: MemberSummary) -> str:
    if summary.goal is None or summary.current is None:
        return ""
    goal = summary.goal
    start = goal.baseline if goal.baseline is not None else 0.0
    current = summary.current.raw
    span = goal.target - start
    fraction = 1.0 if span <= 0 else max(0.0, min(1.0, (current - start) / span))
    deadline = f" by {goal.by_date.isoformat()}" if goal.by_date else ""
    return (
        f"{goal.target}{deadline}: {progress_bar(fraction)} {fraction:.0%} "
        f"(now {current:.0f}). {projection(summary)}"
    )


async def goal(ctx: Context, args: Args) -> Reply:
    team, user = ctx.team_id, ctx.caller.user_id
    if args.get("action") == "clear":
        cleared = await ctx.storage.goals.clear(team, user)
        return Reply(text="Goal cleared." if cleared else "You had no goal set.")
    target = args.get("target")
    by: date | None = args.get("by")
    today = ctx.services.clock.now().date()
    if target is None:
        if by is not None:
            return error("Give a score too, for example /klout goal 60 by 2026-12-31.")
        summary = await summarize(ctx, user)
        if summary.goal is None:
            return Reply(text="You have no goal. Set one: /klout goal 60 by 2026-12-31")
        return Reply(title="Your goal", fields=(Field("Progress", goal_progress_line(summary),
                                                      inline=False),))
    if by is not None and by <= today:
        return error(f"{by.isoformat()} is not in the future; pick a later date.")
    current = await ctx.storage.scores.latest(team, user, today)
    await ctx.storage.members.ensure(team, user, ctx.caller.display_name, ctx.services.clock.now())
    await ctx.storage.goals.set(team, user, int(target), by,
                                current.raw if current else None, ctx.services.clock.now())
    summary = await summarize(ctx, user)
    return Reply(
        title="Goal set",
        text=goal_progress_line(summary) if summary.current else
        f"Goal {target} saved; progress shows once you have a score.",
        tone=Tone.SUCCESS,
    )


SPEC = CommandSpec(
    name="goal",
    summary="Set a smart goal and see progress and a projection",
    handler=goal,
    params=(
        Param("action", Kind.CHOICE, "clear removes your goal", choices=("clear",)),
        Param("target", Kind.INT, "the score to reach (1-100)", min_value=1, max_value=100,
              placeholder="SCORE"),
        Param("by", Kind.DATE, "deadline, YYYY-MM-DD", keyword="by", placeholder="DATE"),
    ),
    examples=("/klout goal 60 by 2026-12-31", "/klout goal", "/klout goal clear"),
)
