"""`/klout history [@user]`: the score over time as a chart, with a text fallback."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from chatbot.render.text import signed, sparkline
from chatbot.values.message import N_
from chatbot.values.reply import Image, Reply, Table, Visibility
from commands.common import TARGET, label, target_of
from commands.context import Context
from commands.spec import Args, CommandSpec
from commands.summary import summarize


async def history(ctx: Context, args: Args) -> Reply:
    # Imported here: Pillow costs start-up time and only this command needs it.
    from chatbot.render.charts import HistoryPoint, render_history_chart

    tr = ctx.tr
    user_id = target_of(ctx, args)
    summary = await summarize(ctx, user_id)
    if not summary.history:
        return Reply(title=tr._("No history yet"),
                     text=tr._("{name} has no score history yet; it starts with the first "
                               "refresh after registering.", name=summary.name))
    today = summary.today
    per_network_raw = await ctx.storage.scores.network_history(
        ctx.team_id, user_id, today - timedelta(days=ctx.services.score_window_days)
    )
    per_network = {
        label(net): [HistoryPoint(day, value) for day, value in series]
        for net, series in per_network_raw.items()
    }
    points = [HistoryPoint(point.day, point.raw) for point in summary.history]
    goal = summary.goal
    png = await asyncio.to_thread(
        render_history_chart,
        name=summary.name,
        points=points,
        per_network=per_network or None,
        goal=float(goal.target) if goal else None,
        goal_date=goal.by_date if goal else None,
        today=today,
        tr=ctx.tr,
    )
    weekly = []
    for weeks_back in range(0, 13):
        day = today - timedelta(days=7 * weeks_back)
        point = next((p for p in reversed(summary.history) if p.day <= day), None)
        if point is None:
            break
        weekly.append((tr.date(point.day, "medium"), str(point.score)))
    first, last = summary.history[0], summary.history[-1]
    return Reply(
        title=tr.n_("{name}: score over {n} day", "{name}: score over {n} days",
                    (last.day - first.day).days + 1, name=summary.name),
        text=f"{sparkline([p.raw for p in summary.history])}  "
             f"{first.score} → {last.score} ({signed(last.raw - first.raw)})",
        table=Table(columns=(tr._("Week of"), tr._("Score")), rows=tuple(weekly),
                    align=("l", "r")),
        image=Image(png, "klout-history.png",
                    tr.n_("Line chart of {name}'s score over the last {n} day",
                          "Line chart of {name}'s score over the last {n} days",
                          ctx.services.score_window_days, name=summary.name)),
        visibility=Visibility.CHANNEL,
    )


SPEC = CommandSpec(
    name="history",
    summary=N_("A chart of the score over the score window (90 days unless the admin "
               "changed it)"),
    handler=history,
    params=(TARGET,),
    private=False,
    slow=True,
)
