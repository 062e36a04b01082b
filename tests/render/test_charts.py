"""The `/klout history` chart, checked the way a member would look at it: the
picture opens, is small enough to upload, shows the goal where it belongs,
stays readable for any name, and still looks like the approved reference."""

from __future__ import annotations

import io
import math
import os
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from chatbot.i18n import load_catalogs
from chatbot.render.charts import (
    CHART_HEIGHT,
    CHART_WIDTH,
    HistoryPoint,
    chart_layout,
    render_history_chart,
)
from chatbot.render.fonts import FontBook
from chatbot.render.theme import RGB, palette_for

EN = load_catalogs().translator("en")
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
UPDATE_REFERENCE = os.environ.get("KLOUT_UPDATE_REFERENCE") == "1"
MAX_CHANGED_SHARE = 0.01
"""Share of 4×4-pixel blocks allowed to differ visibly from the reference. A
FreeType release that rasterises glyph edges differently, or even the whole
picture shifted by a pixel, stays under it (0.7 %); a goal moved by two points,
a score line one point off or a missing network line (1.4 % and up) do not."""

TODAY = date(2025, 3, 14)
HARD_NAMES = [
    "😀🚀👩‍👩‍👧‍👦 Party 🎉",
    "山田太郎",
    "김민준",
    "محمد علي",
    "שרה כהן (2)",
    "A" * 10_000,
    "Ada\x00\x07\x1b[31m\u202eLovelace\r\n\t",
    "\u200b\u200d\ufe0f",
    "Z̵̡̢̛̗͉͔͎̪̣̤͓̻̈́̇̏͋̍̃͋a̴l̸g̶o̷",
]


@pytest.fixture(scope="module")
def fonts() -> FontBook:
    return FontBook.from_packages()


def fixed_history() -> tuple[list[HistoryPoint], dict[str, list[HistoryPoint]]]:
    """90 days of plausible history, the same on every run."""
    rnd = random.Random(7)
    points: list[HistoryPoint] = []
    score = 41.0
    for i in range(90):
        day = TODAY - timedelta(days=89 - i)
        score = min(max(score + rnd.uniform(-2.2, 2.6), 1.0), 100.0)
        if not 30 <= i < 36:  # a week without refreshes
            points.append(HistoryPoint(day, score))
    networks: dict[str, list[HistoryPoint]] = {}
    for label, base in (("Mastodon", 55.0), ("Bluesky", 30.0), ("GitHub", 18.0)):
        value, series = base, []
        for i in range(90):
            value = min(max(value + rnd.uniform(-2.0, 2.2), 1.0), 100.0)
            series.append(HistoryPoint(TODAY - timedelta(days=89 - i), value))
        networks[label] = series
    return points, networks


def open_png(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    image.load()
    return image


def pixels_near(
    image: Image.Image, colour: RGB, box: tuple[int, int, int, int], tolerance: int = 40
) -> int:
    """How many pixels in `box` are within `tolerance` (per channel) of `colour`."""
    region = image.convert("RGB").crop(box)
    flat = Image.new("RGB", region.size, colour)
    difference = ImageChops.difference(region, flat).convert("L")
    return sum(difference.histogram()[: tolerance + 1])


def changed_share(a: Image.Image, b: Image.Image) -> float:
    """How much of the picture looks different: 4×4 blocks are averaged first, so
    antialiasing noise cancels out and only changes a person would see remain."""
    difference = ImageChops.difference(a.convert("RGB").reduce(4), b.convert("RGB").reduce(4))
    histogram = difference.convert("L").histogram()
    return sum(histogram[32:]) / (difference.width * difference.height)


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    stat = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB")))
    return sum(stat.mean) / len(stat.mean)


def test_chart_is_an_rgb_png_of_the_advertised_size_under_200_kb(fonts: FontBook) -> None:
    points, networks = fixed_history()
    for theme in ("dark", "light"):
        data = render_history_chart(
            name="Ada Lovelace",
            points=points,
            per_network=networks,
            goal=70,
            goal_date=date(2025, 6, 1),
            today=TODAY,
            theme=theme,
            tr=EN, fonts=fonts,
        )
        image = open_png(data)
        assert image.mode == "RGB"
        assert image.size == (CHART_WIDTH, CHART_HEIGHT) == (1600, 800)
        assert len(data) < 200_000


def test_busiest_chart_still_fits_the_upload_budget(fonts: FontBook) -> None:
    rnd = random.Random(3)
    noisy = [HistoryPoint(TODAY - timedelta(days=i), rnd.uniform(0, 100)) for i in range(90)]
    networks = {
        label: [HistoryPoint(TODAY - timedelta(days=i), rnd.uniform(0, 100)) for i in range(90)]
        for label in ("Mastodon", "Bluesky", "GitHub", "X", "YouTube", "Pixelfed")
    }
    data = render_history_chart(
        name="N" * 300, points=noisy, per_network=networks, goal=50, today=TODAY, tr=EN, fonts=fonts
    )
    assert len(data) < 200_000


def test_chart_matches_the_reference_picture(fonts: FontBook) -> None:
    points, networks = fixed_history()
    data = render_history_chart(
        name="Ada Lovelace",
        points=points,
        per_network=networks,
        goal=70,
        goal_date=date(2025, 6, 1),
        today=TODAY,
        theme="dark",
        tr=EN, fonts=fonts,
    )
    reference = REFERENCE_DIR / "history_chart_dark.png"
    if UPDATE_REFERENCE:
        REFERENCE_DIR.mkdir(exist_ok=True)
        reference.write_bytes(data)
        pytest.skip(f"reference rewritten: {reference}")
    assert reference.exists(), "no reference: run with KLOUT_UPDATE_REFERENCE=1 and look at it"
    assert changed_share(open_png(data), open_png(reference.read_bytes())) < MAX_CHANGED_SHARE


def test_reference_comparison_notices_a_misplaced_goal(fonts: FontBook) -> None:
    points, networks = fixed_history()
    reference = REFERENCE_DIR / "history_chart_dark.png"
    if not reference.exists():
        pytest.skip("no reference picture yet")
    wrong = render_history_chart(
        name="Ada Lovelace",
        points=points,
        per_network=networks,
        goal=68,
        goal_date=date(2025, 6, 1),
        today=TODAY,
        theme="dark",
        tr=EN, fonts=fonts,
    )
    assert changed_share(open_png(wrong), open_png(reference.read_bytes())) > MAX_CHANGED_SHARE


def test_same_history_gives_the_same_bytes(fonts: FontBook) -> None:
    points, _ = fixed_history()
    first = render_history_chart(name="Ada", points=points, today=TODAY, tr=EN, fonts=fonts)
    second = render_history_chart(name="Ada", points=points, today=TODAY, tr=EN, fonts=fonts)
    assert first == second


def test_goal_is_a_dashed_line_at_its_height(fonts: FontBook) -> None:
    points, _ = fixed_history()
    layout = chart_layout(today=TODAY)
    goal_colour = palette_for("dark").goal
    row = round(layout.y_for(70))
    band = (layout.left, row - 1, layout.right, row + 2)
    with_goal = open_png(
        render_history_chart(name="Ada", points=points, goal=70, today=TODAY, tr=EN, fonts=fonts)
    )
    without_goal = open_png(
        render_history_chart(name="Ada", points=points, today=TODAY, tr=EN, fonts=fonts)
    )

    on_line = pixels_near(with_goal, goal_colour, band) / 3
    assert on_line > 0.4 * (layout.right - layout.left)
    # Dashed, not solid: the line has gaps.
    assert on_line < 0.85 * (layout.right - layout.left)
    assert pixels_near(without_goal, goal_colour, band) == 0
    # And nowhere near a goal of 70 is there another goal-coloured line.
    far_row = round(layout.y_for(20))
    assert (
        pixels_near(with_goal, goal_colour, (layout.left, far_row - 1, layout.right, far_row + 2))
        == 0
    )


def test_goal_label_moves_off_the_score_line(fonts: FontBook) -> None:
    """A score sitting just above its goal stays visible: the label goes below the line."""
    flat = [HistoryPoint(TODAY - timedelta(days=i), 72.0) for i in range(90)]
    image = open_png(
        render_history_chart(name="Ada", points=flat, goal=70, today=TODAY, tr=EN, fonts=fonts)
    )
    layout = chart_layout(today=TODAY)
    row = round(layout.y_for(72))
    right_end = (layout.right - 260, row - 2, layout.right - 30, row + 3)
    assert pixels_near(image, palette_for("dark").score, right_end, tolerance=30) > 0.9 * 230 * 5


def test_score_axis_is_fixed_from_0_to_100(fonts: FontBook) -> None:
    flat = [HistoryPoint(TODAY - timedelta(days=i), 50.0) for i in range(30)]
    image = open_png(render_history_chart(name="Ada", points=flat, today=TODAY, tr=EN, fonts=fonts))
    layout = chart_layout(today=TODAY)
    score_colour = palette_for("dark").score
    x = round(layout.x_for(TODAY - timedelta(days=15)))
    middle = round(layout.y_for(50))
    assert pixels_near(image, score_colour, (x - 2, middle - 3, x + 3, middle + 4)) > 0
    assert pixels_near(image, score_colour, (x - 2, layout.top, x + 3, middle - 8)) == 0


def test_each_network_gets_its_own_line(fonts: FontBook) -> None:
    points, networks = fixed_history()
    palette = palette_for("light")
    layout = chart_layout(today=TODAY)
    plot = (layout.left, layout.top, layout.right, layout.bottom)
    with_networks = open_png(
        render_history_chart(
            name="Ada", points=points, per_network=networks, today=TODAY, theme="light", tr=EN,
            fonts=fonts,
        )
    )
    alone = open_png(
        render_history_chart(name="Ada", points=points, today=TODAY, theme="light", tr=EN,
                             fonts=fonts)
    )
    for position, label in enumerate(networks):
        colour = palette.network_colour(label, position)
        assert pixels_near(with_networks, colour, plot, tolerance=12) > 200, label
        assert pixels_near(alone, colour, plot, tolerance=12) < 20, label


def test_weekly_gridlines_fall_on_mondays(fonts: FontBook) -> None:
    image = open_png(render_history_chart(name="Ada", points=[], today=TODAY, tr=EN, fonts=fonts))
    layout = chart_layout(today=TODAY)
    grid = palette_for("dark").grid
    y = round(layout.y_for(12))  # clear of the centred "no history" panel
    monday = TODAY - timedelta(days=TODAY.weekday())
    for week in range(12):
        x = round(layout.x_for(monday - timedelta(weeks=week)))
        assert pixels_near(image, grid, (x - 1, y, x + 2, y + 1), tolerance=2) >= 1
    wednesday = monday - timedelta(days=5)
    x = round(layout.x_for(wednesday))
    assert pixels_near(image, grid, (x - 1, y, x + 2, y + 1), tolerance=2) == 0


@pytest.mark.parametrize(
    "points",
    [[], [HistoryPoint(TODAY - timedelta(days=3), 42.0)]],
    ids=["no points", "one point"],
)
def test_new_member_gets_a_friendly_chart_instead_of_an_error(
    fonts: FontBook, points: list[HistoryPoint]
) -> None:
    image = open_png(render_history_chart(name="Newcomer", points=points, today=TODAY, tr=EN,
                                          fonts=fonts))
    layout = chart_layout(today=TODAY)
    palette = palette_for("dark")
    centre = ((layout.left + layout.right) // 2, (layout.top + layout.bottom) // 2)
    # The "No history yet" panel sits in the middle of the plot, in the text colour.
    panel = (centre[0] - 200, centre[1] - 60, centre[0] + 200, centre[1] + 60)
    assert pixels_near(image, palette.panel, panel, tolerance=3) > 20_000
    assert pixels_near(image, palette.text, panel, tolerance=30) > 500


def test_history_outside_the_window_and_broken_scores_are_left_out(fonts: FontBook) -> None:
    inside = [HistoryPoint(TODAY - timedelta(days=i), 60.0) for i in range(20)]
    junk = [
        HistoryPoint(TODAY + timedelta(days=3), 5.0),
        HistoryPoint(TODAY - timedelta(days=400), 5.0),
        HistoryPoint(TODAY - timedelta(days=2), math.nan),
        HistoryPoint(TODAY - timedelta(days=4), math.inf),
    ]
    clean = render_history_chart(name="Ada", points=inside, today=TODAY, tr=EN, fonts=fonts)
    messy = render_history_chart(name="Ada", points=inside + junk, today=TODAY, tr=EN, fonts=fonts)
    assert clean == messy


@pytest.mark.parametrize("name", HARD_NAMES)
def test_any_name_renders(fonts: FontBook, name: str) -> None:
    points, _ = fixed_history()
    image = open_png(
        render_history_chart(name=name, points=points, goal=80, today=TODAY, tr=EN, fonts=fonts)
    )
    assert image.size == (CHART_WIDTH, CHART_HEIGHT)


def test_long_name_is_cut_before_it_reaches_the_score(fonts: FontBook) -> None:
    points, _ = fixed_history()
    long = open_png(
        render_history_chart(name="W" * 10_000, points=points, today=TODAY, tr=EN, fonts=fonts)
    )
    short = open_png(render_history_chart(name="W", points=points, today=TODAY, tr=EN, fonts=fonts))
    score_corner = (CHART_WIDTH - 300, 0, CHART_WIDTH, 160)
    assert mean_difference(long.crop(score_corner), short.crop(score_corner)) == 0
    # ... and the cut is visible: the long name reaches close to the score.
    name_row = (CHART_WIDTH // 2, 40, CHART_WIDTH - 320, 100)
    text = palette_for("dark").text
    assert pixels_near(long, text, name_row) > 100
    assert pixels_near(short, text, name_row) == 0


def test_cjk_name_without_the_cjk_font_package_draws_boxes_not_an_error() -> None:
    without_cjk = FontBook.from_packages(include_cjk=False)
    image = open_png(
        render_history_chart(name="山田太郎", points=[], today=TODAY, tr=EN, fonts=without_cjk)
    )
    text = palette_for("dark").text
    assert pixels_near(image, text, (40, 40, 400, 100)) > 100


def test_unknown_theme_and_empty_window_are_refused(fonts: FontBook) -> None:
    with pytest.raises(ValueError, match="theme"):
        render_history_chart(name="Ada", points=[], today=TODAY, theme="sepia", tr=EN, fonts=fonts)
    with pytest.raises(ValueError, match="days"):
        render_history_chart(name="Ada", points=[], today=TODAY, days=0, tr=EN, fonts=fonts)


def test_chart_renders_without_a_font_book_passed_in() -> None:
    points, _ = fixed_history()
    image = open_png(render_history_chart(name="Ada", points=points, today=TODAY, tr=EN))
    assert image.size == (CHART_WIDTH, CHART_HEIGHT)
