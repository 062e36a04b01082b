"""`/klout leaderboard [week|month|all] [NETWORK] [page N]`."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

from chatbot.i18n import Translator
from chatbot.influence.leaderboards import Standing
from chatbot.render.text import rank_arrow, signed
from chatbot.values.message import N_
from chatbot.values.reply import Button, Image, Reply, Table, Visibility
from commands.common import label
from commands.context import Context
from commands.spec import Args, CommandSpec, Kind, Param

PAGE_SIZE = 10
PERIOD_DAYS = {"week": 7, "month": 30}


def _row(tr: Translator, standing: Standing, period: str) -> tuple[str, ...]:
    if period == "all":
        return (
            str(standing.rank),
            rank_arrow(standing.rank, standing.previous_rank)
            if standing.previous_rank is not None else tr._("new"),
            standing.display_name,
            str(standing.score),
        )
    return (str(standing.rank), standing.display_name, signed(standing.value), str(standing.score))


async def leaderboard(ctx: Context, args: Args) -> Reply:
    period: str = args.get("period", "all")
    network: str | None = args.get("network")
    today = ctx.services.clock.now().date()
    since = today - timedelta(days=PERIOD_DAYS[period]) if period in PERIOD_DAYS else None
    board = await ctx.services.boards.page(
        ctx.team_id, today, page=args.get("page", 1), size=PAGE_SIZE,
        caller=ctx.caller.user_id, since=since, network=network,
    )
    tr = ctx.tr
    title = _title(tr, period, network)
    if not board.total:
        return Reply(title=title,
                     text=tr._("Nobody has a score yet. Be the first: /klout register"),
                     visibility=Visibility.CHANNEL)
    rows = [_row(tr, standing, period) for standing in board.standings]
    highlight = next((i for i, s in enumerate(board.standings)
                      if s.user_id == ctx.caller.user_id), None)
    if board.caller is not None:
        rows.append(("…",) + ("",) * (len(rows[0]) - 1))
        rows.append(_row(tr, board.caller, period))
        highlight = len(rows) - 1
    columns = (("#", "", tr._("Member"), tr._("Score")) if period == "all"
               else ("#", tr._("Member"), tr._("Gain"), tr._("Score")))
    align = ("r", "l", "l", "r") if period == "all" else ("r", "l", "r", "r")
    base = " ".join(part for part in ("leaderboard", period, network or "") if part)
    buttons = []
    if board.page > 1:
        buttons.append(Button(tr._("◀ Previous"), f"{base} page {board.page - 1}"))
    if board.page < board.pages:
        buttons.append(Button(tr._("Next ▶"), f"{base} page {board.page + 1}"))
    footer = [tr._("page {page} of {pages}", page=tr.number(board.page),
                   pages=tr.number(board.pages)),
              tr.n_("{n} member", "{n} members", board.total)]
    if period == "all":
        footer.append(tr._("arrows: rank change over 7 days"))
    team = await ctx.storage.teams.get(ctx.team_id)
    image = None
    if team is not None and team.card_style == "image":
        image = await _board_image(board.standings, title, period, ctx.tr)
    return Reply(
        title=title,
        table=Table(columns=columns, rows=tuple(rows), align=align, highlight=highlight),
        image=image,
        footer=" · ".join(footer),
        buttons=tuple(buttons),
        visibility=Visibility.CHANNEL,
    )


def _title(tr: Translator, period: str, network: str | None) -> str:
    if network is None:
        return {"all": tr._("Leaderboard"), "week": tr._("Movers this week"),
                "month": tr._("Movers this month")}[period]
    return {"all": tr._("Leaderboard on {network}", network=label(network)),
            "week": tr._("Movers this week on {network}", network=label(network)),
            "month": tr._("Movers this month on {network}", network=label(network))}[period]


async def _board_image(standings: Sequence[Standing], title: str, period: str,
                       tr: Translator) -> Image:
    """The picture teams that chose image cards get; the table stays for everyone."""
    # Imported here: Pillow costs start-up time and only image teams need it.
    from chatbot.render.leaderboard_image import render_leaderboard

    # The picture's change column is a score change: the movers' gain; none for `all`.
    rows = [(s.rank, s.display_name, s.score, s.value if period != "all" else None)
            for s in standings]
    png = await asyncio.to_thread(render_leaderboard, rows, title, tr=tr)
    top = ", ".join(f"{s.rank}. {s.display_name} {s.score}" for s in standings[:5])
    return Image(png, "klout-leaderboard.png", f"{title}: {top}")


SPEC = CommandSpec(
    name="leaderboard",
    summary=N_("The team's ranking: all time by score, or this week's/month's movers"),
    handler=leaderboard,
    params=(
        Param("period", Kind.CHOICE, N_("all ranks by score; week and month by gain"),
              choices=("week", "month", "all")),
        Param("network", Kind.NETWORK, N_("rank on one network only")),
        Param("page", Kind.INT, N_("page number"), keyword="page", min_value=1,
              max_value=100_000, placeholder="N"),
    ),
    private=False,
    examples=("/klout leaderboard", "/klout leaderboard week", "/klout leaderboard all github"),
)
