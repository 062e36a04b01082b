"""How long the pictures take to draw and how big they are.

A chart must be ready in under 150 ms so `/klout history` answers well inside
Slack's 3-second window even on a busy 2-core machine; every image must stay
under 200 KB. Figures are medians over repeated renders of realistic data (90
days of history, three networks, a goal), first with a fresh `FontBook` per
render (what the callers do by default) and then with one kept between renders.

Run: `python -m bench.bench_render` (add `--quick` for fewer repetitions).
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta

from chatbot.render.cards import ScoreCardData, render_score_card
from chatbot.render.charts import HistoryPoint, render_history_chart
from chatbot.render.fonts import FontBook
from chatbot.render.leaderboard_image import render_leaderboard

TODAY = date(2025, 3, 14)
RENDER_TARGET_MS = 150.0
SIZE_TARGET_KB = 200.0


def _history(seed: int, base: float) -> list[HistoryPoint]:
    rnd = random.Random(seed)
    value, points = base, []
    for i in range(90):
        value = min(max(value + rnd.uniform(-2.2, 2.4), 1.0), 100.0)
        points.append(HistoryPoint(TODAY - timedelta(days=89 - i), value))
    return points


def _median_ms(render: Callable[[], bytes], repeats: int) -> tuple[float, int]:
    size = len(render())  # warm-up: imports, first font file reads
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        render()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), size


def _figure(name: str, value: float, unit: str, target: float) -> dict[str, object]:
    return {
        "name": name,
        "value": round(value, 2),
        "unit": unit,
        "target": target,
        "ratio": round(value / target, 3),
    }


def run(quick: bool) -> list[dict[str, object]]:
    """Figures for RESULTS.md; a ratio under 1 meets the target."""
    repeats = 5 if quick else 30
    points = _history(1, 42.0)
    networks = {
        "Mastodon": _history(2, 55.0),
        "Bluesky": _history(3, 30.0),
        "GitHub": _history(4, 18.0),
    }
    shared = FontBook.from_packages()

    def chart(fonts: FontBook | None) -> Callable[[], bytes]:
        return lambda: render_history_chart(
            name="Ada Lovelace",
            points=points,
            per_network=networks,
            goal=70,
            goal_date=TODAY + timedelta(days=60),
            today=TODAY,
            fonts=fonts,
        )

    card = ScoreCardData(
        name="Ada Lovelace",
        score=62,
        change_7d=3.2,
        change_30d=-1.4,
        rank=3,
        team_size=12,
        networks=[("Mastodon", 71.0), ("Bluesky", 48.0), ("GitHub", 22.0)],
        trend=[40 + 8 * math.sin(i / 6) for i in range(60)],
        goal=70.0,
        stale=False,
        refreshed_label="refreshed 2 h ago",
    )
    rows = [(i + 1, f"Member {i + 1}", 95 - 3 * i, 1.5 - i * 0.4) for i in range(15)]

    chart_ms, chart_size = _median_ms(chart(None), repeats)
    chart_shared_ms, _ = _median_ms(chart(shared), repeats)
    card_ms, card_size = _median_ms(lambda: render_score_card(card), repeats)
    board_ms, board_size = _median_ms(
        lambda: render_leaderboard(rows, "Weekly Klout leaderboard"), repeats
    )
    return [
        _figure("history chart render", chart_ms, "ms", RENDER_TARGET_MS),
        _figure("history chart render, shared FontBook", chart_shared_ms, "ms", RENDER_TARGET_MS),
        _figure("score card render", card_ms, "ms", RENDER_TARGET_MS),
        _figure("leaderboard image render (15 rows)", board_ms, "ms", RENDER_TARGET_MS),
        _figure("history chart PNG size", chart_size / 1000, "KB", SIZE_TARGET_KB),
        _figure("score card PNG size", card_size / 1000, "KB", SIZE_TARGET_KB),
        _figure("leaderboard PNG size", board_size / 1000, "KB", SIZE_TARGET_KB),
    ]


def main(argv: list[str]) -> int:
    for figure in run(quick="--quick" in argv):
        print(
            f"{figure['name']:<42} {figure['value']:>8} {figure['unit']:<3}"
            f" target {figure['target']:>6}  ratio {figure['ratio']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
