"""`/klout [@user]`: the score card."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from chatbot.i18n import Translator
from chatbot.render.text import ago, signed, sparkline
from chatbot.values.reply import Field, Image, Reply, Tone, Visibility
from commands.common import TARGET, label, target_of, whose
from commands.context import Context
from commands.goal import goal_progress_line
from commands.spec import Args, CommandSpec
from commands.summary import MemberSummary, summarize


async def score_card(ctx: Context, args: Args) -> Reply:
    user_id = target_of(ctx, args)
    summary = await summarize(ctx, user_id)
    now = ctx.services.clock.now()
    own = user_id == ctx.caller.user_id
    provisional = own and bool(summary.provisional)
    shown = (await ctx.services.engine.provisional_score(ctx.team_id, user_id)
             if provisional else None)
    if summary.current is None:
        if provisional:
            return _provisional_card(summary, shown)
        return _no_score_yet(ctx, summary)
    current = summary.current
    fields = [
        Field("Score", f"{current.score} / 100"),
        Field("7 days", signed(summary.change_7d)),
        Field("30 days", signed(summary.change_30d)),
        Field("Team rank", f"#{summary.rank} of {summary.team_size}" if summary.rank else "–"),
    ]
    if provisional:
        fields.append(Field("Provisional score", _provisional_line(summary, shown),
                            inline=False))
    fields.extend(_network_fields(summary))
    history = [point.raw for point in summary.history]
    if len(history) >= 2:
        fields.append(Field(f"Last {ctx.services.score_window_days} days", sparkline(history),
                            inline=False))
    if summary.goal is not None:
        fields.append(Field("Goal", goal_progress_line(summary), inline=False))
    stale = summary.stale_handles(now)
    refreshed = f"refreshed {ago(summary.refreshed_at, now)}"
    footer = refreshed
    if stale:
        reasons = "; ".join(
            f"{label(h.network)}: {h.stale_reason or 'not refreshed lately'}" for h in stale
        )
        footer += f" · stale data — {reasons}"
    footer += f" · score v{current.version} · not a hiring metric"
    reply = Reply(
        title=f"{summary.name} — Klout {current.score}",
        fields=tuple(fields),
        footer=footer,
        # A provisional score is for its owner's eyes only, and so is the card showing it.
        visibility=Visibility.PRIVATE if provisional else Visibility.CHANNEL,
        tone=Tone.WARNING if stale else Tone.INFO,
    )
    team = await ctx.storage.teams.get(ctx.team_id)
    if team is not None and team.card_style == "image":
        reply = await _with_card_image(reply, summary, refreshed, stale=bool(stale), tr=ctx.tr)
    return reply


async def _with_card_image(
    reply: Reply, summary: MemberSummary, refreshed: str, *, stale: bool, tr: Translator
) -> Reply:
    # Imported here: Pillow costs start-up time and only image teams need it.
    from chatbot.render.cards import ScoreCardData, render_score_card

    assert summary.current is not None
    data = ScoreCardData(
        name=summary.name,
        score=summary.current.score,
        change_7d=summary.change_7d,
        change_30d=summary.change_30d,
        rank=summary.rank,
        team_size=summary.team_size,
        networks=[(label(net), value) for net, value in sorted(summary.network_scores.items())],
        trend=[point.raw for point in summary.history],
        goal=float(summary.goal.target) if summary.goal else None,
        stale=stale,
        refreshed_label=refreshed,
    )
    png = await asyncio.to_thread(render_score_card, data, tr=tr)
    return replace(reply, image=Image(png, "klout-card.png", f"Score card of {summary.name}"))


def _network_fields(summary: MemberSummary) -> list[Field]:
    fields = []
    for handle in summary.handles:
        value = summary.network_scores.get(handle.network)
        marker = " — stale" if handle.stale_reason else ""
        if handle in summary.provisional:
            state, shown = " (unverified)", "provisional"
        else:
            state = "" if handle.verified else " (unverified)"
            shown = f"{value:.0f}" if value is not None else "no data yet"
        fields.append(Field(f"{label(handle.network)}{state}",
                            f"{shown}  {handle.handle}{marker}"))
    return fields


def _provisional_line(summary: MemberSummary, score: int | None) -> str:
    verify = ", ".join(f"/klout verify {h.network}" for h in summary.provisional)
    if score is None:
        return f"after the next refresh — verify to count: {verify}"
    return f"{score} — verify to count: {verify}"


def _provisional_card(summary: MemberSummary, score: int | None) -> Reply:
    """Only unverified accounts: the owner sees what they would score, nobody else does,
    and the board doesn't rank it."""
    fields = [
        Field("Provisional score", _provisional_line(summary, score), inline=False),
        Field("Team rank", "not ranked until verified"),
        *_network_fields(summary),
    ]
    title = (f"{summary.name} — provisional score {score}" if score is not None
             else f"{summary.name} — provisional")
    return Reply(
        title=title,
        text="Only you see this. Prove an account is yours with the code from "
             "/klout handles; then it counts for your score and rank.",
        fields=tuple(fields),
        footer="provisional · not ranked · not a hiring metric",
        visibility=Visibility.PRIVATE,
    )


def _no_score_yet(ctx: Context, summary: MemberSummary) -> Reply:
    own = summary.user_id == ctx.caller.user_id
    if not own and summary.provisional:
        text = f"{summary.name} has no verified account yet, so there is no score to show."
    elif summary.handles:
        text = (
            f"{whose(ctx, summary.user_id, summary.name)} accounts are registered but not "
            "scored yet; the next refresh will fill this in."
        )
    elif own:
        text = (
            "You have no score yet. Register one of your public accounts, for example\n"
            "/klout register mastodon @you@mastodon.social\n"
            "/klout register bluesky you.bsky.social\n"
            "/klout register github your-login"
        )
    else:
        text = f"{summary.name} has not registered any account, so they have no score."
    return Reply(title="No score yet", text=text)


SPEC = CommandSpec(
    name="score",
    summary="Your score card (or a teammate's): score, changes, rank, networks, trend",
    handler=score_card,
    params=(TARGET,),
    private=False,
    examples=("/klout", "/klout @alice"),
)
