"""`/klout explain [@user]`: what drives the score, what changed, how to improve."""

from __future__ import annotations

import json
from datetime import timedelta

from chatbot.influence.insights import describe_changes, explain_components, tips
from chatbot.influence.score import result_from_json
from commands.common import TARGET, target_of, whose
from commands.context import Context
from commands.reply import Field, Reply
from commands.spec import Args, CommandSpec
from commands.summary import summarize


async def explain(ctx: Context, args: Args) -> Reply:
    user_id = target_of(ctx, args)
    summary = await summarize(ctx, user_id)
    if summary.current is None:
        return Reply(title="Nothing to explain yet",
                     text=f"{summary.name} has no score yet. Register an account with "
                          "/klout register.")
    after = result_from_json(json.loads(summary.current.components_json))
    before = None
    if summary.week_ago is not None:
        before = result_from_json(json.loads(summary.week_ago.components_json))
    now = ctx.services.clock.now()
    posts = await ctx.storage.activity.posts(ctx.team_id, user_id, now - timedelta(days=90))
    drivers = explain_components(after)
    changes = describe_changes(before, after)
    advice = tips(posts)
    fields = [
        Field("What drives it", "\n".join(f"• {line}" for line in drivers) or "–", inline=False),
        Field("Since last week", "\n".join(f"• {line}" for line in changes) or "No change.",
              inline=False),
        Field("Tips from your own posts" if user_id == ctx.caller.user_id else "Tips",
              "\n".join(f"• {line}" for line in advice) or "–", inline=False),
    ]
    return Reply(
        title=f"{whose(ctx, user_id, summary.name)} score: {summary.current.score}, explained",
        fields=tuple(fields),
        footer=f"score formula v{after.version} · the score measures reactions per post, not "
               "follower counts · it is not a hiring metric",
    )


SPEC = CommandSpec(
    name="explain",
    summary="What drives a score, what changed since last week and why, and tips",
    handler=explain,
    params=(TARGET,),
)
