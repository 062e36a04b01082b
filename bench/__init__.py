"""Benchmarks: how fast Kloutbot is at team scale, and how exactly it spends rate limits.

Every benchmark module exposes `run(quick: bool) -> list[dict]`; each dict is one
figure {"name", "value", "unit", "target", "ratio"} (ratio = value / target, so
below 1 is a met "under" target). Figures whose target is a floor (such as
"at least 90 % of the allowed rate") say so with "goal": "min"; the runner reads
it to decide pass or miss. Benchmarks are not tests: pytest never collects them
and CI does not run them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

Figure = dict[str, Any]


def figure(
    name: str,
    value: float,
    unit: str,
    target: float | None,
    *,
    goal: str = "max",
    note: str = "",
) -> Figure:
    """One reported number; `goal` is "max" (stay under) or "min" (reach at least)."""
    ratio = round(value / target, 3) if target else None
    shown: Figure = {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "target": target,
        "ratio": ratio,
        "goal": goal,
    }
    if note:
        shown["note"] = note
    return shown


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: p99 of 200 samples is the 198th, a sample that happened."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def latency_figures(
    name: str, samples_ms: Sequence[float], target_p99: float | None, note: str = ""
) -> list[Figure]:
    """p50 for context, p99 against the target (a p99 is what a busy team feels)."""
    return [
        figure(f"{name} p50", percentile(samples_ms, 0.50), "ms", None,
               note=f"{len(samples_ms)} samples"),
        figure(f"{name} p99", percentile(samples_ms, 0.99), "ms", target_p99, note=note),
    ]
