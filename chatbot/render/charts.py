"""The `/klout history` chart: a member's score over the last weeks as a PNG.

The score line is smoothed (a daily score jitters with every refresh; the
trend is what a member wants to see), drawn over weekly gridlines on a fixed
0–100 axis so two members' charts compare at a glance. Per-network lines are
thinner and quieter than the score; the goal is a dashed line with its label.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from chatbot.i18n import Translator
from chatbot.render.canvas import SCALE, Card, px
from chatbot.render.fonts import BOLD, FontBook
from chatbot.render.shapes import Point
from chatbot.render.theme import RGB, blend, palette_for

CHART_WIDTH = px(800)
CHART_HEIGHT = px(400)

SMOOTHING_DAYS = 3
"""Half-width of the smoothing window: a point is averaged with the scores up to
three days either side, nearer days counting more."""

MAX_GAP_DAYS = 14
"""A longer silence in the history breaks the line instead of bridging it."""

_AXIS_TICKS = (0, 25, 50, 75, 100)


@dataclass(frozen=True)
class HistoryPoint:
    day: date
    score: float


@dataclass(frozen=True)
class ChartLayout:
    """Where the plot sits in the image and how days and scores map onto it."""

    left: int
    top: int
    right: int
    bottom: int
    first_day: date
    last_day: date

    def x_for(self, day: date) -> float:
        span = max((self.last_day - self.first_day).days, 1)
        return self.left + (self.right - self.left) * (day - self.first_day).days / span

    def y_for(self, score: float) -> float:
        clamped = min(max(score, 0.0), 100.0)
        return self.bottom - (self.bottom - self.top) * clamped / 100.0


def chart_layout(*, today: date, days: int = 90) -> ChartLayout:
    """The plot area of a chart; the same for every chart of the same window."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    return ChartLayout(
        left=px(56),
        top=px(118),
        right=CHART_WIDTH - px(28),
        bottom=CHART_HEIGHT - px(44),
        first_day=today - timedelta(days=max(days, 2) - 1),
        last_day=today,
    )


def render_history_chart(
    *,
    name: str,
    points: Sequence[HistoryPoint],
    per_network: Mapping[str, Sequence[HistoryPoint]] | None = None,
    goal: float | None = None,
    goal_date: date | None = None,
    today: date,
    days: int = 90,
    theme: str = "dark",
    tr: Translator,
    fonts: FontBook | None = None,
) -> bytes:
    """A PNG of `name`'s score over the `days` ending `today` (800×400 points at 2×), with
    labels, dates and numbers in `tr`'s language.

    Pure and synchronous: callers run it with `asyncio.to_thread`. Raises
    `FontsUnavailable` when the font package is missing and `ValueError` for
    an unknown theme or a window shorter than a day.
    """
    palette = palette_for(theme)
    layout = chart_layout(today=today, days=days)
    card = Card(CHART_WIDTH, CHART_HEIGHT, palette, fonts, tr)
    score_points = _in_window(points, layout)
    networks = {label: _in_window(series, layout) for label, series in (per_network or {}).items()}
    goal = _finite_score(goal)

    _draw_grid(card, layout)
    _draw_header(card, name, score_points, days)
    _draw_legend(card, layout, networks, goal, goal_date)
    score_lines: list[list[Point]] = []
    if len(score_points) < 2:
        _draw_no_history(card, layout, score_points)
    else:
        for position, (label, series) in enumerate(networks.items()):
            colour = palette.network_colour(label, position)
            for segment in _segments(_smoothed(series), layout):
                card.painter.polyline(segment, colour, px(1.5))
        smoothed = _smoothed(score_points)
        score_lines = _segments(smoothed, layout)
        for segment in score_lines:
            card.painter.area(segment, layout.bottom, palette.score, 0.26, 0.0)
            card.painter.polyline(segment, palette.score, px(3))
        end = score_lines[-1][-1]
        card.painter.disc(end, px(6.5), palette.background)
        card.painter.disc(end, px(4.5), palette.score)
    if goal is not None:
        _draw_goal(card, layout, goal, goal_date, score_lines)
    return card.png()


def _in_window(points: Sequence[HistoryPoint], layout: ChartLayout) -> list[HistoryPoint]:
    """One point per day inside the window, oldest first; later points for the same
    day win, and scores that are not numbers are dropped."""
    by_day: dict[date, float] = {}
    for point in points:
        score = _finite_score(point.score)
        if score is not None and layout.first_day <= point.day <= layout.last_day:
            by_day[point.day] = score
    return [HistoryPoint(day, by_day[day]) for day in sorted(by_day)]


def _finite_score(score: float | None) -> float | None:
    if score is None or not math.isfinite(score):
        return None
    return min(max(float(score), 0.0), 100.0)


def _smoothed(points: Sequence[HistoryPoint]) -> list[HistoryPoint]:
    """A triangular moving average over calendar days (not over list positions),
    so a week with one refresh does not weigh like a week with seven."""
    ordinals = [point.day.toordinal() for point in points]
    result: list[HistoryPoint] = []
    for point, ordinal in zip(points, ordinals, strict=True):
        total = weights = 0.0
        first = bisect_left(ordinals, ordinal - SMOOTHING_DAYS)
        last = bisect_right(ordinals, ordinal + SMOOTHING_DAYS)
        for other, other_ordinal in zip(points[first:last], ordinals[first:last], strict=True):
            weight = SMOOTHING_DAYS + 1 - abs(other_ordinal - ordinal)
            total += other.score * weight
            weights += weight
        result.append(HistoryPoint(point.day, total / weights))
    return result


def _segments(points: Sequence[HistoryPoint], layout: ChartLayout) -> list[list[Point]]:
    segments: list[list[Point]] = []
    previous: HistoryPoint | None = None
    for point in points:
        xy = (layout.x_for(point.day), layout.y_for(point.score))
        if previous is None or (point.day - previous.day).days > MAX_GAP_DAYS:
            segments.append([xy])
        else:
            segments[-1].append(xy)
        previous = point
    return segments


def _draw_grid(card: Card, layout: ChartLayout) -> None:
    palette = card.palette
    size = px(11)
    for tick in _AXIS_TICKS:
        y = round(layout.y_for(tick))
        colour = palette.grid_strong if tick == 0 else palette.grid
        card.draw.line((layout.left, y, layout.right, y), fill=colour, width=SCALE)
        card.text.draw(
            card.draw,
            (layout.left - px(10), y + card.text.cap_height(size) / 2),
            str(tick),
            size=size,
            fill=palette.muted,
            align="right",
        )
    mondays = _mondays(layout)
    spacing = (layout.right - layout.left) * 7 / max((layout.last_day - layout.first_day).days, 1)
    every = max(1, math.ceil(px(44) / spacing))
    for i, monday in enumerate(mondays):
        x = round(layout.x_for(monday))
        card.draw.line((x, layout.top, x, layout.bottom), fill=palette.grid, width=SCALE)
        card.draw.line(
            (x, layout.bottom, x, layout.bottom + px(4)), fill=palette.grid_strong, width=SCALE
        )
        if i % every == 0 and layout.left + px(14) <= x <= layout.right - px(14):
            card.text.draw(
                card.draw,
                (x, layout.bottom + px(20)),
                card.tr.month_day(monday),
                size=size,
                fill=palette.muted,
                align="center",
            )


def _mondays(layout: ChartLayout) -> list[date]:
    first = layout.first_day + timedelta(days=(7 - layout.first_day.weekday()) % 7)
    count = (layout.last_day - first).days // 7 + 1 if first <= layout.last_day else 0
    return [first + timedelta(weeks=i) for i in range(count)]


def _draw_header(card: Card, name: str, points: Sequence[HistoryPoint], days: int) -> None:
    palette = card.palette
    left = px(24)
    right = card.width - px(28)
    score_size = px(36)
    if points:
        latest = str(round(points[-1].score))
        score_width = card.text.width(latest, score_size, BOLD)
        card.text.draw(
            card.draw,
            (right, px(50)),
            latest,
            size=score_size,
            fill=palette.score,
            weight=BOLD,
            align="right",
        )
    else:
        score_width = 0.0
    change_size = px(12)
    if len(points) >= 2:
        change_width = card.change(
            right,
            px(72),
            points[-1].score - points[0].score,
            size=change_size,
            suffix=card.tr.n_("in {n} day", "in {n} days", days),
            align_right=True,
        )
    else:
        change_width = 0.0
    name_room = right - left - max(score_width, change_width) - px(24)
    card.text.draw(
        card.draw,
        (left, px(44)),
        name,
        size=px(22),
        fill=palette.text,
        weight=BOLD,
        max_width=name_room,
    )
    card.text.draw(
        card.draw,
        (left, px(68)),
        card.tr.n_("Klout score · last {n} day", "Klout score · last {n} days", days),
        size=px(12),
        fill=palette.muted,
        max_width=name_room,
    )


def _draw_legend(
    card: Card,
    layout: ChartLayout,
    networks: Mapping[str, Sequence[HistoryPoint]],
    goal: float | None,
    goal_date: date | None,
) -> None:
    palette = card.palette
    size = px(11)
    baseline = px(98)
    x = float(px(24))
    items: list[tuple[str, RGB, bool]] = [(card.tr._("Klout score"), palette.score, False)]
    items += [
        (label, palette.network_colour(label, position), False)
        for position, label in enumerate(networks)
    ]
    if goal is not None:
        items.append((_goal_label(card.tr, goal, goal_date), palette.goal, True))
    middle = baseline - card.text.cap_height(size) / 2
    for label, colour, dashed in items:
        if x > card.width - px(80):
            break
        swatch = px(16)
        if dashed:
            card.painter.dashed_hline(x, x + swatch, middle, colour, px(2), px(5), px(4))
        else:
            card.painter.polyline([(x, middle), (x + swatch, middle)], colour, px(3))
        x += swatch + px(6)
        x += card.text.draw(
            card.draw,
            (x, baseline),
            label,
            size=size,
            fill=palette.text,
            max_width=card.width - px(28) - x,
        )
        x += px(16)


def _goal_label(tr: Translator, goal: float, goal_date: date | None) -> str:
    if goal_date is None:
        return tr._("Goal {goal}", goal=round(goal))
    return tr._("Goal {goal} by {date}", goal=round(goal), date=tr.month_day(goal_date))


def _draw_goal(
    card: Card,
    layout: ChartLayout,
    goal: float,
    goal_date: date | None,
    lines: Sequence[Sequence[Point]],
) -> None:
    palette = card.palette
    y = layout.y_for(goal)
    card.painter.dashed_hline(layout.left, layout.right, y, palette.goal, px(2), px(7), px(5))
    if goal_date is not None and layout.first_day <= goal_date <= layout.last_day:
        x = layout.x_for(goal_date)
        diamond = px(6)
        card.painter.polygon(
            [(x, y - diamond), (x + diamond, y), (x, y + diamond), (x - diamond, y)], palette.goal
        )
    size = px(11)
    label = _goal_label(card.tr, goal, goal_date)
    pad = px(6)
    width = card.text.width(label, size, BOLD) + 2 * pad
    height = card.text.cap_height(size, BOLD) + 2 * pad
    box = _goal_label_box(layout, y, width, height, lines)
    card.painter.rounded_rect(box, height / 2, blend(palette.goal, palette.background, 0.18))
    card.text.draw(
        card.draw,
        (box[2] - pad, box[3] - pad),
        label,
        size=size,
        fill=palette.goal,
        weight=BOLD,
        align="right",
    )


def _goal_label_box(
    layout: ChartLayout,
    y: float,
    width: float,
    height: float,
    lines: Sequence[Sequence[Point]],
) -> tuple[float, float, float, float]:
    """Where the goal's label goes: beside the line at the right end, unless the
    score line runs through that spot; then the other side, or the left end."""
    gap = px(5)
    right = layout.right - px(4)
    left = layout.left + px(4)
    candidates = [
        (right - width, y - gap - height, right, y - gap),
        (right - width, y + gap, right, y + gap + height),
        (left, y - gap - height, left + width, y - gap),
        (left, y + gap, left + width, y + gap + height),
    ]
    inside = [box for box in candidates if box[1] >= layout.top and box[3] <= layout.bottom]
    samples = [point for line in lines for point in _densified(line)]
    for box in inside:
        if not any(
            box[0] - gap <= x <= box[2] + gap and box[1] - gap <= py <= box[3] + gap
            for x, py in samples
        ):
            return box
    return inside[0] if inside else candidates[0]


def _densified(line: Sequence[Point], step: float = 4.0) -> list[Point]:
    """Points every few pixels along a polyline, to test it against a box."""
    if len(line) < 2:
        return list(line)
    result: list[Point] = []
    for (x0, y0), (x1, y1) in itertools.pairwise(line):
        count = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / step))
        result.extend(
            (x0 + (x1 - x0) * i / count, y0 + (y1 - y0) * i / count) for i in range(count)
        )
    result.append(line[-1])
    return result


def _draw_no_history(card: Card, layout: ChartLayout, points: Sequence[HistoryPoint]) -> None:
    """The friendly chart for a member whose history has not built up yet."""
    palette = card.palette
    if points:
        only = points[0]
        card.painter.disc(
            (layout.x_for(only.day), layout.y_for(only.score)), px(4.5), palette.score
        )
        detail = card.tr._("One score so far ({score} on {date}); the line starts with the "
                           "next.", score=round(only.score), date=card.tr.month_day(only.day))
    else:
        detail = card.tr._("Scores show up here after the first refresh.")
    centre_x = (layout.left + layout.right) / 2
    centre_y = (layout.top + layout.bottom) / 2
    panel_width, panel_height = px(360), px(76)
    card.painter.rounded_rect(
        (
            centre_x - panel_width / 2,
            centre_y - panel_height / 2,
            centre_x + panel_width / 2,
            centre_y + panel_height / 2,
        ),
        px(12),
        palette.panel,
    )
    card.text.draw(
        card.draw,
        (centre_x, centre_y - px(4)),
        card.tr._("No history yet"),
        size=px(18),
        fill=palette.text,
        weight=BOLD,
        align="center",
    )
    card.text.draw(
        card.draw,
        (centre_x, centre_y + px(22)),
        detail,
        size=px(11),
        fill=palette.muted,
        align="center",
        max_width=panel_width - px(24),
    )
