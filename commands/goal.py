"""`/klout goal SCORE [by DATE]`: a smart goal with progress and a projection."""

from __future__ import annotations

from datetime import date

from chatbot.i18n import Translator
from chatbot.render.text import progress_bar
from chatbot.values.message import N_
from chatbot.values.reply import Field, Reply, Tone, error
from commands.context import Context
from commands.spec import Args, CommandSpec, Kind, Param
from commands.summary import MemberSummary, summarize, trend_per_day


def projection(tr: Translator, summary: MemberSummary) -> str:
    """Where the last 30 days' trend leads; honest about flat or falling trends."""
    if summary.current is None or summary.goal is None:
        return ""
    slope = trend_per_day(summary.history)
    target = summary.goal.target
    current = summary.current.raw
    if current >= target:
        return tr._("Goal reached — set a higher one?")
    if slope is None:
        return tr._("Not enough history for a projection yet.")
    if summary.goal.by_date is not None:
        days = (summary.goal.by_date - summary.today).days
        expected = max(1.0, min(100.0, current + slope * days))
        params = {"pace": tr.signed(slope * 7, 1), "expected": tr.number(expected),
                  "date": tr.date(summary.goal.by_date)}
        if expected >= target:
            return tr._("At the pace of the last 30 days ({pace} a week) you'd be at "
                        "{expected} by {date}: on track.", **params)
        return tr._("At the pace of the last 30 days ({pace} a week) you'd be at "
                    "{expected} by {date}: behind.", **params)
    if slope <= 0.01:
        return tr._("Your trend is flat or falling; see /klout explain for what would "
                    "move it.")
    eta = summary.today.toordinal() + round((target - current) / slope)
    return tr._("At the current pace ({pace} a week) you'd reach {target} around {date}.",
                pace=tr.signed(slope * 7, 1), target=target, date=tr.date(date.fromordinal(eta)))


def goal_progress_line(tr: Translator, summary: MemberSummary) -> str:
    if summary.goal is None or summary.current is None:
        return ""
    goal = summary.goal
    start = goal.baseline if goal.baseline is not None else 0.0
    current = summary.current.raw
    span = goal.target - start
    fraction = 1.0 if span <= 0 else max(0.0, min(1.0, (current - start) / span))
    params = {"target": goal.target, "bar": progress_bar(fraction),
              "percent": tr.percent(fraction), "now": tr.number(current),
              "projection": projection(tr, summary)}
    if goal.by_date:
        return tr._("{target} by {date}: {bar} {percent} (now {now}). {projection}",
                    date=tr.date(goal.by_date), **params)
    return tr._("{target}: {bar} {percent} (now {now}). {projection}", **params)


async def goal(ctx: Context, args: Args) -> Reply:
    tr = ctx.tr
    team, user = ctx.team_id, ctx.caller.user_id
    if args.get("action") == "clear":
        cleared = await ctx.storage.goals.clear(team, user)
        return Reply(text=tr._("Goal cleared.") if cleared else tr._("You had no goal set."))
    target = args.get("target")
    by: date | None = args.get("by")
    today = ctx.services.clock.now().date()
    if target is None:
        if by is not None:
            return error(tr._("Give a score too, for example /klout goal 60 by 2026-12-31."))
        summary = await summarize(ctx, user)
        if summary.goal is None:
            return Reply(text=tr._("You have no goal. Set one: /klout goal 60 by 2026-12-31"))
        return Reply(title=tr._("Your goal"),
                     fields=(Field(tr._("Progress"), goal_progress_line(tr, summary),
                                   inline=False),))
    if by is not None and by <= today:
        return error(tr._("{date} is not in the future; pick a later date.",
                          date=tr.date(by)))
    current = await ctx.storage.scores.latest(team, user, today)
    await ctx.storage.members.ensure(team, user, ctx.caller.display_name, ctx.services.clock.now())
    await ctx.storage.goals.set(team, user, int(target), by,
                                current.raw if current else None, ctx.services.clock.now())
    summary = await summarize(ctx, user)
    return Reply(
        title=tr._("Goal set"),
        text=goal_progress_line(tr, summary) if summary.current else
        tr._("Goal {target} saved; progress shows once you have a score.", target=target),
        tone=Tone.SUCCESS,
    )


SPEC = CommandSpec(
    name="goal",
    summary=N_("Set a smart goal and see progress and a projection"),
    handler=goal,
    params=(
        Param("action", Kind.CHOICE, N_("clear removes your goal"), choices=("clear",)),
        Param("target", Kind.INT, N_("the score to reach (1-100)"), min_value=1,
              max_value=100, placeholder="SCORE"),
        Param("by", Kind.DATE, N_("deadline, YYYY-MM-DD"), keyword="by", placeholder="DATE"),
    ),
    examples=("/klout goal 60 by 2026-12-31", "/klout goal", "/klout goal clear"),
)
