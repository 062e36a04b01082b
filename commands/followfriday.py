"""`/klout followfriday [week W] [dm on|off]`: the caller's part of a week's #FollowFriday,
and whether it also comes by direct message.

The weekly post's button runs `followfriday week 2026-W48` as whoever presses it, so the
answer is the presser's own part of the week the post was for.
"""

from __future__ import annotations

import re
from datetime import date

from chatbot.followfriday.post import expired_reply, member_reply, not_yet_reply
from chatbot.values.message import N_
from chatbot.values.outcomes import WeekState
from chatbot.values.reply import Reply, Tone, error
from commands.context import Context
from commands.spec import Args, CommandSpec, Kind, Param

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def _valid_week(text: str) -> bool:
    match = _WEEK.match(text)
    if match is None:
        return False
    try:
        date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return False
    return True


async def followfriday(ctx: Context, args: Args) -> Reply:
    tr = ctx.tr
    dm = args.get("dm")
    week = args.get("week")
    if dm is not None and week is not None:
        return error(tr._("Give either dm on|off or a week, not both."))
    if dm is not None:
        return await _set_dm(ctx, dm == "on")
    if week is not None:
        week = str(week).upper()
        if not _valid_week(week):
            return error(tr._("“{week}” is not a week: write it as 2026-W48.", week=week))
    answer = await ctx.services.followfriday.member_week(
        ctx.team_id, ctx.caller.user_id, week, ctx.services.clock.now())
    if answer.state is WeekState.EXPIRED:
        return expired_reply(tr, answer.period)
    if answer.state is WeekState.NOT_YET or answer.part is None:
        return not_yet_reply(tr, answer.period)
    return member_reply(tr, answer.part, answer.period,
                        current=answer.state is WeekState.CURRENT)


async def _set_dm(ctx: Context, wanted: bool) -> Reply:
    tr = ctx.tr
    await ctx.storage.followfriday_dms.set_opt_in(ctx.team_id, ctx.caller.user_id, wanted,
                                                 ctx.services.clock.now())
    if wanted:
        text = tr._("From now on I send you your #FollowFriday suggestions by direct message "
                    "when the weekly post goes out. /klout followfriday dm off stops them.")
    else:
        text = tr._("No more #FollowFriday direct messages; the weekly post's button and "
                    "/klout followfriday still show your suggestions.")
    return Reply(title="#FollowFriday", text=text, tone=Tone.SUCCESS)


SPEC = CommandSpec(
    name="followfriday",
    summary=N_("This week's #FollowFriday suggestions for you"),
    handler=followfriday,
    params=(
        Param("week", Kind.WORD, N_("a past week's suggestions, as 2026-W48"), keyword="week",
              placeholder="YYYY-Www", max_length=8),
        Param("dm", Kind.CHOICE, N_("on: get your suggestions by direct message every week"),
              keyword="dm", choices=("on", "off")),
    ),
    slow=True,
    examples=("/klout followfriday", "/klout followfriday dm on"),
)
