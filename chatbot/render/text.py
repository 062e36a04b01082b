"""Small text renderings shared by every platform: sparklines, ages, arrows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], width: int = 30) -> str:
    """Scaled to the member's own range so small moves stay visible."""
    if not values:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = [values[min(len(values) - 1, int(i * step))] for i in range(width - 1)] + [
            values[-1]
        ]
    low, high = min(values), max(values)
    if high - low < 1e-9:
        return _BARS[3] * len(values)
    scale = (len(_BARS) - 1) / (high - low)
    return "".join(_BARS[round((value - low) * scale)] for value in values)


def signed(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    rounded = round(value, digits) if digits else round(value)
    if rounded == 0:
        return "±0"
    return f"{rounded:+.{digits}f}" if digits else f"{rounded:+d}"


def rank_arrow(rank: int, previous: int | None) -> str:
    if previous is None:
        return "new"
    if previous > rank:
        return f"↑{previous - rank}"
    if previous < rank:
        return f"↓{rank - previous}"
    return "="


def progress_bar(fraction: float, width: int = 10) -> str:
    filled = max(0, min(width, round(fraction * width)))
    return "█" * filled + "░" * (width - filled)


STALE_AFTER = timedelta(hours=36)
