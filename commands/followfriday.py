"""`/klout followfriday`: the caller's part of this week's #FollowFriday."""

from __future__ import annotations

from chatbot.values.message import N_
from chatbot.values.reply import Field, Reply
from commands.common import label
from commands.context import Context
from commands.spec import Args, CommandSpec


async def followfriday(ctx: Context, args: Args) -> Reply:
    tr = ctx.tr
    part = await ctx.services.followfriday.preview(
        ctx.team_id, ctx.caller.user_id, ctx.services.clock.now()
    )
    if not part.suggestions:
        return Reply(
            title="#FollowFriday",
            text=tr._("No suggestions for you this week: teammates need an account on a "
                      "network you have registered too. /klout handles shows yours."),
        )
    fields = [
        Field(tr._("{name} on {network}", name=s.display_name, network=label(s.network)),
              " · ".join((s.handle, *(tr.msg(reason) for reason in s.reasons))),
              inline=False)
        for s in part.suggestions
    ]
    for network, line in sorted(part.copy_lines.items()):
        fields.append(Field(tr._("Ready to post on {network}", network=label(network)), line,
                            inline=False))
    return Reply(title=tr._("Your #FollowFriday this week"), fields=tuple(fields),
                 footer=tr._("Follow, share, say hello: this is the week's list for the "
                             "whole team."))


SPEC = CommandSpec(
    name="followfriday",
    summary=N_("This week's #FollowFriday suggestions for you"),
    handler=followfriday,
    slow=True,
)
