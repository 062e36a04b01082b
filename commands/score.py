"""`/klout [@user]`: the score card."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from chatbot.i18n import Translator
from chatbot.render.text import signed, sparkline
from chatbot.values.message import N_
from chatbot.values.reply import Field, Image, Reply, Tone, Visibility
from commands.common import TARGET, ago, label, target_of
from commands.context import Context
from commands.goal import goal_progress_line
from commands.spec import Args, CommandSpec
from commands.summary import MemberSummary, summarize


async def score_card(ctx: Context, args: Args) -> Reply:
    tr = ctx.tr
    user_id = target_of(ctx, args)
    summary = await summarize(ctx, user_id)
    now = ctx.services.clock.now()
    own = user_id == ctx.caller.user_id
    provisional = own and bool(summary.provisional)
    shown = (await ctx.services.engine.provisional_score(ctx.team_id, user_id)
             if provisional else None)
    if summary.current is None:
        if provisional:
            return _provisional_card(tr, summary, shown)
        return _no_score_yet(ctx, summary)
    current = summary.current
    fields = [
        Field(tr._("Score"), f"{current.score} / 100"),
        Field(tr._("7 days"), signed(summary.change_7d)),
        Field(tr._("30 days"), signed(summary.change_30d)),
        Field(tr._("Team rank"), tr._("#{rank} of {size}", rank=tr.number(summary.rank or 0),
                                      size=tr.number(summary.team_size))
              if summary.rank else "–"),
    ]
    if provisional:
        fields.append(Field(tr._("Provisional score"), _provisional_line(tr, summary, shown),
                            inline=False))
    fields.extend(_network_fields(tr, summary))
    history = [point.raw for point in summary.history]
    if len(history) >= 2:
        days = ctx.services.score_window_days
        fields.append(Field(tr.n_("Last {n} day", "Last {n} days", days), sparkline(history),
                            inline=False))
    if summary.goal is not None:
        fields.append(Field(tr._("Goal"), goal_progress_line(tr, summary), inline=False))
    stale = summary.stale_handles(now)
    refreshed = tr._("refreshed {when}", when=ago(tr, summary.refreshed_at, now))
    footer = [refreshed]
    if stale:
        lately = tr._("not refreshed lately")
        reasons = "; ".join(f"{label(h.network)}: {tr.msg(h.stale_reason or lately)}"
                            for h in stale)
        footer.append(tr._("stale data — {reasons}", reasons=reasons))
    footer += [tr._("score v{version}", version=current.version), tr._("not a hiring metric")]
    reply = Reply(
        title=f"{summary.name} — Klout {current.score}",
        fields=tuple(fields),
        footer=" · ".join(footer),
        # A provisional score is for its owner's eyes only, and so is the card showing it.
        visibility=Visibility.PRIVATE if provisional else Visibility.CHANNEL,
        tone=Tone.WARNING if stale else Tone.INFO,
    )
    team = await ctx.team()
    if team is not None and team.card_style == "image":
        reply = await _with_card_image(tr, reply, summary, refreshed, stale=bool(stale))
    return reply


async def _with_card_image(
    tr: Translator, reply: Reply, summary: MemberSummary, refreshed: str, *, stale: bool
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
    return replace(reply, image=Image(png, "klout-card.png",
                                      tr._("Score card of {name}", name=summary.name)))


def _network_fields(tr: Translator, summary: MemberSummary) -> list[Field]:
    fields = []
    for handle in summary.handles:
        value = summary.network_scores.get(handle.network)
        if handle in summary.provisional:
            verified, shown = False, tr._("provisional")
        else:
            verified = handle.verified
            shown = tr.number(value) if value is not None else tr._("no data yet")
        name = (label(handle.network) if verified
                else tr._("{network} (unverified)", network=label(handle.network)))
        line = f"{shown}  {handle.handle}"
        if handle.stale_reason:
            line = tr._("{line} — stale", line=line)
        fields.append(Field(name, line))
    return fields


def _provisional_line(tr: Translator, summary: MemberSummary, score: int | None) -> str:
    verify = ", ".join(f"/klout verify {h.network}" for h in summary.provisional)
    if score is None:
        return tr._("after the next refresh — verify to count: {commands}", commands=verify)
    return tr._("{score} — verify to count: {commands}", score=score, commands=verify)


def _provisional_card(tr: Translator, summary: MemberSummary, score: int | None) -> Reply:
    """Only unverified accounts: the owner sees what they would score, nobody else does,
    and the board doesn't rank it."""
    fields = [
        Field(tr._("Provisional score"), _provisional_line(tr, summary, score), inline=False),
        Field(tr._("Team rank"), tr._("not ranked until verified")),
        *_network_fields(tr, summary),
    ]
    title = (tr._("{name} — provisional score {score}", name=summary.name, score=score)
             if score is not None else tr._("{name} — provisional", name=summary.name))
    return Reply(
        title=title,
        text=tr._("Only you see this. Prove an account is yours with the code from "
                  "/klout handles; then it counts for your score and rank."),
        fields=tuple(fields),
        footer=tr._("provisional · not ranked · not a hiring metric"),
        visibility=Visibility.PRIVATE,
    )


def _no_score_yet(ctx: Context, summary: MemberSummary) -> Reply:
    tr = ctx.tr
    own = summary.user_id == ctx.caller.user_id
    if not own and summary.provisional:
        text = tr._("{name} has no verified account yet, so there is no score to show.",
                    name=summary.name)
    elif summary.handles and own:
        text = tr._("Your accounts are registered but not scored yet; the next refresh will "
                    "fill this in.")
    elif summary.handles:
        text = tr._("{name}'s accounts are registered but not scored yet; the next refresh "
                    "will fill this in.", name=summary.name)
    elif own:
        text = tr._(
            "You have no score yet. Register one of your public accounts, for example\n"
            "/klout register mastodon @you@mastodon.social\n"
            "/klout register bluesky you.bsky.social\n"
            "/klout register github your-login"
        )
    else:
        text = tr._("{name} has not registered any account, so they have no score.",
                    name=summary.name)
    return Reply(title=tr._("No score yet"), text=text)


SPEC = CommandSpec(
    name="score",
    summary=N_("Your score card (or a teammate's): score, changes, rank, networks, trend"),
    handler=score_card,
    params=(TARGET,),
    private=False,
    examples=("/klout", "/klout @alice"),
)
