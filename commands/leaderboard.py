"""`/klout leaderboard [week|month|all] [NETWORK] [page N]`."""

from __future__ import annotations

from datetime import timedelta

from chatbot.render.text import rank_arrow, signed
from chatbot.storage.models import Standing
from commands.common import label
from commands.context import Context
from commands.reply import Button, Reply, Table, Visibility
from commands.spec import Args, CommandSpec, Kind, Param

PAGE_SIZE = 10
PERIOD_DAYS = {"week": 7, "month": 30}


def _row(standing: Standing, period: str) -> tuple[str, ...]:
    if period == "all":
        return (
            str(standing.rank),
            rank_arrow(standing.rank, standing.previous_rank),
            standing.display_name,
            str(standing.score),
        )
    return (str(standing.rank), standing.display_name, signed(standing.value), str(standing.score))


async def leaderboard(ctx: Context, args: Args) -> Reply:
    period: str = args.get("period", "all")
    network: str | None = args.get("network")
    page: int = args.get("page", 1)
    today = ctx.services.clock.now().date()
    since = today - timedelta(days=PERIOD_DAYS[period]) if period in PERIOD_DAYS else None
    names = await ctx.storage.members.names(ctx.team_id)
    board = await ctx.storage.scores.standings(ctx.team_id, today, names, since=since,
                                               network=network)
    scope = f" on {label(network)}" if network else ""
    title = {"all": "Leaderboard", "week": "Movers this week", "month": "Movers this month"}[
        period
    ] + scope
    if not board:
        return Reply(title=title, text="Nobody has a score yet. Be the first: /klout register",
                     visibility=Visibility.CHANNEL)
    pages = (len(board) + PAGE_SIZE - 1) // PAGE_SIZE
    page = max(1, min(page, pages))
    shown = board[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = [_row(standing, period) for standing in shown]
    highlight = next((i for i, s in enumerate(shown) if s.user_id == ctx.caller.user_id), None)
    mine = next((s for s in board if s.user_id == ctx.caller.user_id), None)
    if mine is not None and highlight is None:
        rows.append(("…",) + ("",) * (len(rows[0]) - 1))
        rows.append(_row(mine, period))
        highlight = len(rows) - 1
    columns = ("#", "", "Member", "Score") if period == "all" else ("#", "Member", "Gain", "Score")
    align = ("r", "l", "l", "r") if period == "all" else ("r", "l", "r", "r")
    base = " ".join(part for part in ("leaderboard", period, network or "") if part)
    buttons = []
    if page > 1:
        buttons.append(Button("◀ Previous", f"{base} page {page - 1}"))
    if page < pages:
        buttons.append(Button("Next ▶", f"{base} page {page + 1}"))
    footer = f"page {page} of {pages} · {len(board)} member{'' if len(board) == 1 else 's'}"
    if period == "all":
        footer += " · arrows: rank change over 7 days"
    return Reply(
        title=title,
        table=Table(columns=columns, rows=tuple(rows), align=align, highlight=highlight),
        footer=footer,
        buttons=tuple(buttons),
        visibility=Visibility.CHANNEL,
    )


SPEC = CommandSpec(
    name="leaderboard",
    summary="The team's ranking: all time by score, or this week's/month's movers",
    handler=leaderboard,
    params=(
        Param("period", Kind.CHOICE, "all ranks by score; week and month by gain",
              choices=("week", "month", "all")),
        Param("network", Kind.NETWORK, "rank on one network only"),
        Param("page", Kind.INT, "page number", keyword="page", min_value=1, max_value=100_000,
              placeholder="N"),
    ),
    private=False,
    examples=("/klout leaderboard", "/klout leaderboard week", "/klout leaderboard all github"),
)
