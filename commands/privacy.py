"""`/klout forget` and `/klout export`: the member owns their data."""

from __future__ import annotations

import json

from chatbot.values.reply import Button, Reply, Tone
from commands.context import Context
from commands.spec import Args, CommandSpec, Kind, Param


async def forget(ctx: Context, args: Args) -> Reply:
    if args.get("confirm") != "confirm":
        return Reply(
            title="Delete all your Klout data in this team?",
            text="This removes your accounts, scores, history, goal, endorsements you gave and "
                 "received, and #FollowFriday suggestions. It cannot be undone. "
                 "Type /klout forget confirm, or use the button.",
            buttons=(Button("Delete everything", "forget confirm", style="danger"),),
            tone=Tone.WARNING,
        )
    deleted = await ctx.storage.privacy.forget(ctx.team_id, ctx.caller.user_id)
    if deleted == 0:
        return Reply(text="There was nothing stored about you in this team.")
    return Reply(text=f"Done: {deleted} records about you were deleted from this team. "
                      "You are no longer scored or suggested.", tone=Tone.SUCCESS)


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
    return Reply(
        title="Your data",
        text=f"{rows} records in {sum(1 for r in data.values() if r)} tables, as JSON.",
        attachment=("klout-export.json", body),
    )


FORGET = CommandSpec(
    name="forget",
    summary="Delete all your data in this team (asks first; `forget confirm` doesn't)",
    handler=forget,
    params=(Param("confirm", Kind.CHOICE, "skip the question", choices=("confirm",)),),
)
EXPORT = CommandSpec(name="export", summary="Get all your data as JSON", handler=export)
