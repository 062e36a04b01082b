"""The `/klout` score card as a PNG: the rank-card picture MEE6 made popular,
for a Klout score.

The score sits in a ring that fills to the score (out of 100), so the number
and its place on the scale read at a glance; the changes, the team rank, a
trend line and one bar per network fill in the why. It is the picture beside
the text reply, never instead of it: the text stays the accessible answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from chatbot.i18n import Translator
from chatbot.render.canvas import Card, px
from chatbot.render.fonts import BOLD, FontBook
from chatbot.render.shapes import Point, on_circle
from chatbot.render.theme import blend, palette_for

CARD_WIDTH = px(800)
CARD_HEIGHT = px(300)

MAX_NETWORK_ROWS = 5
MAX_TREND_POINTS = 120


@dataclass(frozen=True)
class ScoreCardData:
    name: str
    score: int
    change_7d: float | None
    change_30d: float | None
    rank: int | None
    team_size: int
    networks: Sequence[tuple[str, float]]
    """(network label, score 1..100), in the order to show them."""
    trend: Sequence[float]
    """Recent scores, oldest first."""
    goal: float | None
    stale: bool
    refreshed_label: str
    """Already worded for people in the reader's language, e.g. "refreshed 2 h ago"."""


def render_score_card(
    data: ScoreCardData, theme: str = "dark", *, tr: Translator, fonts: FontBook | None = None
) -> bytes:
    """A PNG score card (800×300 points at 2×) in `tr`'s language. Pure and synchronous.

    Raises `FontsUnavailable` without the font package and `ValueError` for an
    unknown theme; the caller then sends the text reply alone.
    """
    card = Card(CARD_WIDTH, CARD_HEIGHT, palette_for(theme), fonts, tr)
    score = min(max(int(data.score), 0), 100)
    goal = _score_or_none(data.goal)
    _draw_ring(card, score, goal)
    _draw_identity(card, data)
    _draw_changes(card, data)
    _draw_trend(card, data.trend)
    _draw_networks(card, data.networks)
    _draw_footer(card, data, score, goal)
    return card.png()


def _score_or_none(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return min(max(float(value), 0.0), 100.0)


def _draw_ring(card: Card, score: int, goal: float | None) -> None:
    palette = card.palette
    centre: Point = (px(130), px(140))
    radius, width = px(86), px(14)
    card.painter.arc(centre, radius, width, 0, 360, palette.grid_strong, round_ends=False)
    if score >= 100:
        card.painter.arc(centre, radius, width, 0, 360, palette.score, round_ends=False)
    elif score > 0:
        card.painter.arc(centre, radius, width, 0, score * 3.6, palette.score)
    if goal is not None:
        marker = on_circle(centre, radius, goal * 3.6)
        card.painter.disc(marker, px(9), palette.background)
        card.painter.disc(marker, px(6), palette.goal)
    number_size = px(54)
    cap = card.text.cap_height(number_size, BOLD)
    card.text.draw(
        card.draw,
        (centre[0], centre[1] + cap / 2 - px(6)),
        str(score),
        size=number_size,
        fill=palette.text,
        weight=BOLD,
        align="center",
    )
    card.text.draw(
        card.draw,
        (centre[0], centre[1] + cap / 2 + px(18)),
        "KLOUT",
        size=px(11),
        fill=palette.muted,
        weight=BOLD,
        align="center",
    )


def _draw_identity(card: Card, data: ScoreCardData) -> None:
    palette = card.palette
    left = px(256)
    right = card.width - px(28)
    card.text.draw(
        card.draw,
        (left, px(62)),
        data.name,
        size=px(24),
        fill=palette.text,
        weight=BOLD,
        max_width=right - left,
    )
    tr = card.tr
    if data.rank is None:
        rank = tr._("Not ranked yet")
    elif data.team_size >= data.rank:
        rank = tr._("#{rank} of {size} on the team", rank=data.rank, size=data.team_size)
    else:
        rank = tr._("#{rank} on the team", rank=data.rank)
    card.text.draw(
        card.draw, (left, px(88)), rank, size=px(13), fill=palette.muted, max_width=right - left
    )


def _draw_changes(card: Card, data: ScoreCardData) -> None:
    palette = card.palette
    for left, change, label in (
        (px(256), data.change_7d, card.tr.n_("{n} day", "{n} days", 7)),
        (px(376), data.change_30d, card.tr.n_("{n} day", "{n} days", 30)),
    ):
        card.change(left, px(136), change, size=px(20))
        card.text.draw(card.draw, (left, px(156)), label, size=px(11), fill=palette.muted)


def _draw_trend(card: Card, trend: Sequence[float]) -> None:
    palette = card.palette
    left, right = px(256), px(490)
    top, bottom = px(182), px(236)
    values = [min(max(v, 0.0), 100.0) for v in trend if math.isfinite(v)][-MAX_TREND_POINTS:]
    if len(values) < 2:
        card.painter.rounded_rect((left, top, right, bottom), px(8), palette.panel)
        card.text.draw(
            card.draw,
            ((left + right) / 2, (top + bottom) / 2 + px(4)),
            card.tr._("Trend after a few refreshes"),
            size=px(11),
            fill=palette.muted,
            align="center",
            max_width=right - left - px(16),
        )
        return
    # Scaled to the data's own range (at least 10 points tall) so the shape
    # shows; the ring already places the score on the 0-100 scale.
    low, high = min(values), max(values)
    if high - low < 10:
        middle = (high + low) / 2
        low, high = middle - 5, middle + 5
    step = (right - left) / (len(values) - 1)
    points = [
        (left + i * step, bottom - (bottom - top) * (value - low) / (high - low))
        for i, value in enumerate(values)
    ]
    card.painter.area(points, bottom + px(6), palette.score, 0.25, 0.0)
    card.painter.polyline(points, palette.score, px(2.5))
    card.painter.disc(points[-1], px(5), palette.background)
    card.painter.disc(points[-1], px(3.5), palette.score)


def _draw_networks(card: Card, networks: Sequence[tuple[str, float]]) -> None:
    palette = card.palette
    left, right = px(530), card.width - px(28)
    bar_left, bar_right = px(616), right - px(34)
    card.text.draw(
        card.draw, (left, px(122)), card.tr._("NETWORKS"), size=px(10), fill=palette.muted,
        weight=BOLD,
    )
    if not networks:
        card.text.draw(
            card.draw,
            (left, px(148)),
            card.tr._("No linked accounts yet"),
            size=px(12),
            fill=palette.muted,
            max_width=right - left,
        )
        return
    shown = list(networks)[:MAX_NETWORK_ROWS]
    if len(networks) > MAX_NETWORK_ROWS:
        shown = shown[: MAX_NETWORK_ROWS - 1]
    size = px(12)
    cap = card.text.cap_height(size)
    for row, (label, raw) in enumerate(shown):
        baseline = px(148) + row * px(22)
        value = _score_or_none(raw) or 0.0
        colour = palette.network_colour(label, row)
        card.text.draw(
            card.draw,
            (left, baseline),
            label,
            size=size,
            fill=palette.text,
            max_width=bar_left - left - px(8),
        )
        middle = baseline - cap / 2
        bar = px(8)
        card.painter.rounded_rect(
            (bar_left, middle - bar / 2, bar_right, middle + bar / 2),
            bar / 2,
            blend(palette.grid_strong, palette.background, 0.9),
        )
        filled = bar_left + (bar_right - bar_left) * value / 100
        if value > 0:
            card.painter.rounded_rect(
                (bar_left, middle - bar / 2, max(filled, bar_left + bar), middle + bar / 2),
                bar / 2,
                colour,
            )
        card.text.draw(
            card.draw,
            (right, baseline),
            str(round(value)),
            size=size,
            fill=palette.text,
            weight=BOLD,
            align="right",
        )
    if len(networks) > MAX_NETWORK_ROWS:
        more = len(networks) - len(shown)
        card.text.draw(
            card.draw,
            (left, px(148) + len(shown) * px(22)),
            card.tr.n_("+{n} more", "+{n} more", more),
            size=size,
            fill=palette.muted,
        )


def _draw_footer(card: Card, data: ScoreCardData, score: int, goal: float | None) -> None:
    palette = card.palette
    baseline = px(278)
    size = px(11)
    left = float(px(40))
    if data.stale:
        pill = card.tr._("STALE")
        pad = px(6)
        width = card.text.width(pill, size, BOLD) + 2 * pad
        cap = card.text.cap_height(size, BOLD)
        card.painter.rounded_rect(
            (left, baseline - cap - pad, left + width, baseline + pad),
            (cap + 2 * pad) / 2,
            blend(palette.stale, palette.background, 0.2),
        )
        card.text.draw(
            card.draw, (left + pad, baseline), pill, size=size, fill=palette.stale, weight=BOLD
        )
        left += width + px(8)
    card.text.draw(
        card.draw,
        (left, baseline),
        data.refreshed_label,
        size=size,
        fill=palette.stale if data.stale else palette.muted,
        max_width=px(470) - left,
    )
    if goal is not None:
        to_go = math.ceil(goal - score)
        if to_go <= 0:
            label = card.tr._("Goal {goal} · reached", goal=round(goal))
        else:
            label = card.tr.n_("Goal {goal} · {n} to go", "Goal {goal} · {n} to go", to_go,
                               goal=round(goal))
        card.text.draw(
            card.draw,
            (card.width - px(28), baseline),
            label,
            size=size,
            fill=palette.goal,
            weight=BOLD,
            align="right",
        )
