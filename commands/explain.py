"""`/klout explain [@user]`: what drives the score, what changed, how to improve.

It speaks of the number the card shows (the smoothed score, `ScorePoint.score`)
and says where today's computed score (the stored result) is and which way
the shown one is heading, so "score of 59" never appears under a card that
says 56.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta

from chatbot.i18n import Translator
from chatbot.influence.insights import (
    describe_changes,
    describe_standing,
    explain_components,
    tips,
)
from chatbot.influence.score import ScoreResult, result_from_json
from chatbot.storage.models import ScorePoint
from chatbot.values.message import N_, Msg
from chatbot.values.reply import Field, Reply
from commands.common import TARGET, target_of
from commands.context import Context
from commands.formula_versions import recompute
from commands.spec import Args, CommandSpec
from commands.summary import MemberSummary, summarize


async def explain(ctx: Context, args: Args) -> Reply:
    user_id = target_of(ctx, args)
    return await explained(ctx, user_id, await summarize(ctx, user_id))


async def explained(ctx: Context, user_id: str, summary: MemberSummary) -> Reply:
    """The explanation of a summary already read (the web profile shows both)."""
    tr = ctx.tr
    if summary.current is None:
        return Reply(title=tr._("Nothing to explain yet"),
                     text=tr._("{name} has no score yet. Register an account with "
                               "/klout register.", name=summary.name))
    current = summary.current
    after = result_from_json(json.loads(current.components_json))
    now = ctx.services.clock.now()
    posts = await ctx.storage.activity.posts(ctx.team_id, user_id,
                                             now - timedelta(days=ctx.services.score_window_days))
    changes: list[Msg | str] = []
    before = None
    shown_before = None
    if summary.week_ago is not None:
        before, shown_before, note = await _comparable(ctx, user_id, summary.week_ago, after)
        changes.extend(note)
    drivers = explain_components(ctx.tr, after, shown=current.score)
    standing = describe_standing(ctx.tr, current.raw, after.raw) if after.networks else ""
    changes.extend(describe_changes(
        ctx.tr, before, after,
        (shown_before, current.score) if shown_before is not None else None))
    advice = tips(ctx.tr, posts)
    own = user_id == ctx.caller.user_id
    fields = [
        Field(tr._("Where it stands"), tr.msg(standing) or "–", inline=False),
        Field(tr._("What drives it"), _bullets(tr, drivers) or "–", inline=False),
        Field(tr._("Since last week"), _bullets(tr, changes) or tr._("No change."),
              inline=False),
        Field(tr._("Tips from your own posts") if own else tr._("Tips"),
              _bullets(tr, advice) or "–", inline=False),
    ]
    title = (tr._("Your score: {score}, explained", score=current.score) if own else
             tr._("{name}'s score: {score}, explained", name=summary.name,
                  score=current.score))
    return Reply(
        title=title,
        fields=tuple(fields),
        footer=tr._("score formula v{version} · the score measures reactions per post, not "
                    "follower counts · it is not a hiring metric", version=after.version),
    )


def _bullets(tr: Translator, lines: Sequence[Msg | str]) -> str:
    """The insights hand up sentences; each is read in the caller's language."""
    return "\n".join(f"• {tr.msg(line)}" for line in lines)


async def _comparable(
    ctx: Context, user_id: str, point: ScorePoint, after: ScoreResult
) -> tuple[ScoreResult, int, list[Msg]]:
    """Last week's result, its shown number and a note, comparable with today's.

    A point stored by an older formula is recomputed with today's from the
    stored posts, so the formula change does not read as a real change; the
    old number is still named, with its version.
    """
    stored = result_from_json(json.loads(point.components_json))
    if stored.version == after.version or not stored.networks:
        return stored, point.score, []
    # The summary shifted this point onto today's formula; the note names the stored one.
    original = await ctx.storage.scores.latest(ctx.team_id, user_id, point.day) or point
    rescored = await recompute(ctx, user_id, stored, point.computed_at)
    note = Msg("Last week's score was {old} under formula v{old_version}. Recomputed with "
               "v{version} from your stored posts it was {score}, and that is what today is "
               "compared with.", old=original.score, old_version=stored.version,
               version=after.version, score=rescored.score)
    return rescored, rescored.score, [note]


SPEC = CommandSpec(
    name="explain",
    summary=N_("What drives a score, what changed since last week and why, and tips"),
    handler=explain,
    params=(TARGET,),
)
