"""The 90-day history as the geometry of an inline SVG: the template only draws it.

Drawn in the page rather than as a PNG so it follows the page's light or dark colours,
scales to any width, and needs no image request; its numbers also appear as text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from chatbot.i18n import Translator
from chatbot.storage.models import ScorePoint

WIDTH = 480
HEIGHT = 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 36, 10, 12, 26
_DATE_TICKS = 4


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class HistoryChart:
    width: int
    height: int
    path: str
    """An SVG path through the points, one segment per run of days without a gap."""
    scores: tuple[Tick, ...]
    """Horizontal grid lines (y, score)."""
    dates: tuple[Tick, ...]
    """Date labels along the bottom (x, date)."""
    goal: Tick | None
    """The goal line (y, score), when the member has one."""
    last: tuple[float, float]
    plot_left: int
    plot_right: int
    plot_bottom: int


def history_chart(tr: Translator, points: Sequence[ScorePoint], today: date, days: int,
                  goal: int | None) -> HistoryChart | None:
    """None when there is nothing to draw (no point in the window)."""
    first_day = today - timedelta(days=days - 1)
    shown = [p for p in points if first_day <= p.day <= today]
    if not shown:
        return None
    values = [p.raw for p in shown] + ([float(goal)] if goal is not None else [])
    # Whole tens around the line with a little room, so a flat score isn't a cliff.
    low = max(0.0, math.floor((min(values) - 2) / 10) * 10)
    high = min(100.0, math.ceil((max(values) + 2) / 10) * 10)
    span_days = max((today - first_day).days, 1)

    def x(day: date) -> float:
        return round(_LEFT + (WIDTH - _LEFT - _RIGHT) * (day - first_day).days / span_days, 1)

    def y(score: float) -> float:
        clamped = min(max(score, low), high)
        return round(HEIGHT - _BOTTOM - (HEIGHT - _TOP - _BOTTOM) * (clamped - low)
                     / (high - low), 1)

    commands: list[str] = []
    previous: date | None = None
    for point in shown:
        # A gap of more than a few days is drawn as a gap, not a line across it.
        move = previous is None or (point.day - previous).days > 3
        commands.append(f"{'M' if move else 'L'}{x(point.day)} {y(point.raw)}")
        previous = point.day
    step = 10 if high - low <= 50 else 20
    scores = tuple(Tick(y(value), tr.number(value))
                   for value in range(int(low), int(high) + 1, step))
    dates = tuple(Tick(x(day), tr.month_day(day)) for day in
                  (first_day + timedelta(days=round(span_days * i / (_DATE_TICKS - 1)))
                   for i in range(_DATE_TICKS)))
    return HistoryChart(
        width=WIDTH, height=HEIGHT, path=" ".join(commands), scores=scores, dates=dates,
        goal=Tick(y(goal), tr.number(goal)) if goal is not None else None,
        last=(x(shown[-1].day), y(shown[-1].raw)),
        plot_left=_LEFT, plot_right=WIDTH - _RIGHT, plot_bottom=HEIGHT - _BOTTOM,
    )
