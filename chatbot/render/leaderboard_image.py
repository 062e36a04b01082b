"""The optional leaderboard picture for the weekly post.

The text leaderboard stays the default (it is searchable and accessible); a
team that opts in gets this image next to it. Names are drawn as text in a
picture, so nobody is pinged however their name is spelt.
"""

from __future__ import annotations

from collections.abc import Sequence

from chatbot.i18n import Translator
from chatbot.render.canvas import Card, px
from chatbot.render.fonts import BOLD, FontBook
from chatbot.render.theme import blend, palette_for

LEADERBOARD_WIDTH = px(800)
MAX_ROWS = 15
_HEADER = px(78)
_ROW = px(40)
_FOOTER = px(20)

LeaderboardRow = tuple[int, str, int, float | None]
"""(rank, name, score, change since last week or None)."""


def leaderboard_height(row_count: int) -> int:
    """Image height for a number of rows; the image grows with the team up to MAX_ROWS."""
    # One extra line holds "no scores yet" or "…and N more".
    extra = 1 if row_count == 0 or row_count > MAX_ROWS else 0
    return _HEADER + (min(row_count, MAX_ROWS) + extra) * _ROW + _FOOTER


def render_leaderboard(
    rows: Sequence[LeaderboardRow],
    title: str,
    theme: str = "dark",
    *,
    tr: Translator,
    fonts: FontBook | None = None,
) -> bytes:
    """A PNG of the first MAX_ROWS rows (and how many more there are), in `tr`'s language;
    `title` comes translated. Pure and synchronous."""
    card = Card(LEADERBOARD_WIDTH, leaderboard_height(len(rows)), palette_for(theme), fonts, tr)
    palette = card.palette
    left, right = px(28), card.width - px(28)
    card.text.draw(
        card.draw,
        (left, px(44)),
        title,
        size=px(22),
        fill=palette.text,
        weight=BOLD,
        max_width=right - left,
    )
    if not rows:
        card.text.draw(
            card.draw,
            (left, _HEADER + px(26)),
            tr._("No scores yet this week"),
            size=px(14),
            fill=palette.muted,
        )
        return card.png()
    for label, x in ((tr._("SCORE"), px(650)), (tr._("WEEK"), right)):
        card.text.draw(
            card.draw,
            (x, px(68)),
            label,
            size=px(10),
            fill=palette.muted,
            weight=BOLD,
            align="right",
        )
    for index, (rank, name, score, change) in enumerate(rows[:MAX_ROWS]):
        top = _HEADER + index * _ROW
        if index % 2 == 0:
            card.painter.rounded_rect(
                (px(12), top, card.width - px(12), top + _ROW), px(10), palette.panel
            )
        _draw_row(card, top, rank, name, score, change)
    if len(rows) > MAX_ROWS:
        card.text.draw(
            card.draw,
            (left, _HEADER + MAX_ROWS * _ROW + px(26)),
            tr.n_("…and {n} more", "…and {n} more", len(rows) - MAX_ROWS),
            size=px(13),
            fill=palette.muted,
        )
    return card.png()


def _draw_row(card: Card, top: int, rank: int, name: str, score: int, change: float | None) -> None:
    palette = card.palette
    size = px(14)
    baseline = top + _ROW / 2 + card.text.cap_height(size) / 2
    badge_centre = (px(46), top + _ROW / 2)
    if 1 <= rank <= 3:
        medal = palette.medals[rank - 1]
        card.painter.disc(badge_centre, px(13), medal)
        ink = palette.background if palette.name == "dark" else palette.text
        card.text.draw(
            card.draw,
            (badge_centre[0], baseline),
            str(rank),
            size=px(13),
            fill=ink,
            weight=BOLD,
            align="center",
        )
    else:
        card.text.draw(
            card.draw,
            (badge_centre[0], baseline),
            str(rank),
            size=px(13),
            fill=palette.muted,
            weight=BOLD,
            align="center",
        )
    card.text.draw(
        card.draw, (px(76), baseline), name, size=size, fill=palette.text, max_width=px(300)
    )
    clamped = min(max(score, 0), 100)
    bar_left, bar_right = px(396), px(610)
    middle = top + _ROW / 2
    bar = px(8)
    card.painter.rounded_rect(
        (bar_left, middle - bar / 2, bar_right, middle + bar / 2),
        bar / 2,
        blend(palette.grid_strong, palette.background, 0.9),
    )
    if clamped > 0:
        filled = bar_left + (bar_right - bar_left) * clamped / 100
        card.painter.rounded_rect(
            (bar_left, middle - bar / 2, max(filled, bar_left + bar), middle + bar / 2),
            bar / 2,
            palette.score,
        )
    card.text.draw(
        card.draw,
        (px(650), baseline),
        str(clamped),
        size=size,
        fill=palette.text,
        weight=BOLD,
        align="right",
    )
    card.change(card.width - px(28), baseline, change, size=px(12), align_right=True)
