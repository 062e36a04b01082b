"""`/klout forget` and `/klout export`: the member owns their data."""

from __future__ import annotations

import json

from chatbot.values.message import N_
from chatbot.values.reply import Button, Reply, Tone
from commands.context import Context
from commands.spec import Args, CommandSpec, Kind, Param


async def forget(ctx: Context, args: Args) -> Reply:
    tr = ctx.tr
    if args.get("confirm") != "confirm":
        return Reply(
            title=tr._("Delete all your Klout data in this team?"),
            text=tr._("This removes your accounts, scores, history, goal, endorsements you "
                      "gave and received, and #FollowFriday suggestions. It cannot be undone. "
                      "Type /klout forget confirm, or use the button."),
            buttons=(Button(tr._("Delete everything"), "forget confirm", style="danger"),),
            tone=Tone.WARNING,
        )
    deleted = await ctx.storage.privacy.forget(ctx.team_id, ctx.caller.user_id)
    if deleted == 0:
        return Reply(text=tr._("There was nothing stored about you in this team."))
    return Reply(text=tr.n_("Done: {n} record about you was deleted from this team. You are "
                            "no longer scored or suggested.",
                            "Done: {n} records about you were deleted from this team. You "
                            "are no longer scored or suggested.", deleted),
                 tone=Tone.SUCCESS)


async def export(ctx: Context, args: Args) -> Reply:
    data = await ctx.storage.privacy.export(ctx.team_id, ctx.caller.user_id)
    document = {
        "team": ctx.team_id,
        "member": ctx.caller.user_id,
        "exported_at": ctx.services.clock.now().isoformat(),
        "data": data,
    }
    body = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True).encode()
    rows = sum(len(rows) for rows in data.values())
    tables = sum(1 for r in data.values() if r)
    tr = ctx.tr
    return Reply(
        title=tr._("Your data"),
        text=tr.n_("{n} record in {tables}, as JSON.", "{n} records in {tables}, as JSON.",
                   rows, tables=tr.n_("{n} table", "{n} tables", tables)),
        attachment=("klout-export.json", body),
    )


FORGET = CommandSpec(
    name="forget",
    summary=N_("Delete all your data in this team (asks first; `forget confirm` doesn't)"),
    handler=forget,
    params=(Param("confirm", Kind.CHOICE, N_("skip the question"), choices=("confirm",)),),
)
EXPORT = CommandSpec(name="export", summary=N_("Get all your data as JSON"), handler=export)
