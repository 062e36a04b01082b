"""The score card and the weekly leaderboard picture, looked at as a member would."""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from chatbot.i18n import load_catalogs
from chatbot.render.cards import CARD_HEIGHT, CARD_WIDTH, ScoreCardData, render_score_card
from chatbot.render.fonts import FontBook
from chatbot.render.leaderboard_image import (
    LEADERBOARD_WIDTH,
    MAX_ROWS,
    leaderboard_height,
    render_leaderboard,
)
from chatbot.render.theme import RGB, palette_for

EN = load_catalogs().translator("en")
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
UPDATE_REFERENCE = os.environ.get("KLOUT_UPDATE_REFERENCE") == "1"
MAX_CHANGED_SHARE = 0.01
"""Share of 4×4 blocks that may differ visibly from the reference (see test_charts)."""

HARD_NAMES = [
    "😀🚀👩‍👩‍👧‍👦 Party 🎉",
    "山田太郎",
    "김민준",
    "محمد علي",
    "שרה כהן (2)",
    "A" * 10_000,
    "Ada\x00\x07\x1b[31m\u202eLovelace\r\n\t",
    "",
    "Z̵̡̢̛̗͉͔͎̪̣̤͓̻̈́̇̏͋̍̃͋a̴l̸g̶o̷",
]


@pytest.fixture(scope="module")
def fonts() -> FontBook:
    return FontBook.from_packages()


def sample_card(**changes: object) -> ScoreCardData:
    values: dict[str, object] = {
        "name": "Ada Lovelace",
        "score": 62,
        "change_7d": 3.2,
        "change_30d": -1.4,
        "rank": 3,
        "team_size": 12,
        "networks": [("Mastodon", 71.0), ("Bluesky", 48.5), ("GitHub", 22.0)],
        "trend": [40 + 8 * math.sin(i / 6) + i * 0.2 for i in range(60)],
        "goal": 70.0,
        "stale": False,
        "refreshed_label": "refreshed 2 h ago",
    }
    values.update(changes)
    return ScoreCardData(**values)  # type: ignore[arg-type]


def open_png(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    image.load()
    return image


def pixels_near(
    image: Image.Image, colour: RGB, box: tuple[int, int, int, int], tolerance: int = 40
) -> int:
    region = image.convert("RGB").crop(box)
    difference = ImageChops.difference(region, Image.new("RGB", region.size, colour))
    return sum(difference.convert("L").histogram()[: tolerance + 1])


def changed_share(a: Image.Image, b: Image.Image) -> float:
    difference = ImageChops.difference(a.convert("RGB").reduce(4), b.convert("RGB").reduce(4))
    return sum(difference.convert("L").histogram()[32:]) / (difference.width * difference.height)


def test_score_card_is_an_rgb_png_of_the_advertised_size_under_200_kb(fonts: FontBook) -> None:
    for theme in ("dark", "light"):
        data = render_score_card(sample_card(), theme, tr=EN, fonts=fonts)
        image = open_png(data)
        assert image.mode == "RGB"
        assert image.size == (CARD_WIDTH, CARD_HEIGHT) == (1600, 600)
        assert len(data) < 200_000


def test_score_card_matches_the_reference_picture(fonts: FontBook) -> None:
    data = render_score_card(sample_card(), "light", tr=EN, fonts=fonts)
    reference = REFERENCE_DIR / "score_card_light.png"
    if UPDATE_REFERENCE:
        REFERENCE_DIR.mkdir(exist_ok=True)
        reference.write_bytes(data)
        pytest.skip(f"reference rewritten: {reference}")
    assert reference.exists(), "no reference: run with KLOUT_UPDATE_REFERENCE=1 and look at it"
    assert changed_share(open_png(data), open_png(reference.read_bytes())) < MAX_CHANGED_SHARE


def test_ring_fills_in_proportion_to_the_score(fonts: FontBook) -> None:
    palette = palette_for("dark")
    # The ring is centred at (260, 280) px with a 172 px radius; its left edge
    # (the 75-point mark) is score-coloured only once the score passes 75.
    left_of_ring = (260 - 172 - 10, 270, 260 - 172 + 10, 290)
    high = open_png(render_score_card(sample_card(score=90), tr=EN, fonts=fonts))
    low = open_png(render_score_card(sample_card(score=40, goal=None), tr=EN, fonts=fonts))
    assert pixels_near(high, palette.score, left_of_ring, tolerance=10) > 100
    assert pixels_near(low, palette.score, left_of_ring, tolerance=10) == 0


def test_stale_data_is_labelled_in_the_warning_colour(fonts: FontBook) -> None:
    palette = palette_for("dark")
    footer = (0, CARD_HEIGHT - 80, CARD_WIDTH // 2, CARD_HEIGHT)
    stale = open_png(
        render_score_card(
            sample_card(stale=True, refreshed_label="refreshed 3 days ago"), tr=EN, fonts=fonts
        )
    )
    fresh = open_png(render_score_card(sample_card(), tr=EN, fonts=fonts))
    assert pixels_near(stale, palette.stale, footer, tolerance=20) > 300
    assert pixels_near(fresh, palette.stale, footer, tolerance=20) == 0


def test_goal_shows_how_far_there_is_to_go(fonts: FontBook) -> None:
    palette = palette_for("dark")
    footer_right = (CARD_WIDTH // 2, CARD_HEIGHT - 80, CARD_WIDTH, CARD_HEIGHT)
    with_goal = open_png(render_score_card(sample_card(goal=70.0), tr=EN, fonts=fonts))
    without = open_png(render_score_card(sample_card(goal=None), tr=EN, fonts=fonts))
    assert pixels_near(with_goal, palette.goal, footer_right, tolerance=20) > 300
    assert pixels_near(without, palette.goal, footer_right, tolerance=20) == 0


def test_each_network_has_a_bar_in_its_colour(fonts: FontBook) -> None:
    palette = palette_for("light")
    networks = [("Mastodon", 80.0), ("Bluesky", 60.0), ("YouTube", 40.0)]
    image = open_png(render_score_card(sample_card(networks=networks), "light", tr=EN, fonts=fonts))
    right_column = (CARD_WIDTH * 2 // 3, 0, CARD_WIDTH, CARD_HEIGHT)
    for position, (label, _score) in enumerate(networks):
        colour = palette.network_colour(label, position)
        assert pixels_near(image, colour, right_column, tolerance=8) > 300, label


@pytest.mark.parametrize(
    "changes",
    [
        {"networks": [], "trend": [], "rank": None, "team_size": 0},
        {"score": 0, "change_7d": None, "change_30d": None, "goal": 0.0},
        {"score": 100, "goal": 100.0, "trend": [50.0]},
        {"score": 250, "goal": math.nan, "trend": [math.inf, -5.0, 400.0]},
        {"networks": [(f"Network {i}", i * 12.5) for i in range(9)]},
        {"rank": 40, "team_size": 12},
    ],
    ids=["new member", "zero", "perfect", "out of range", "many networks", "rank past team"],
)
def test_unusual_cards_still_render(fonts: FontBook, changes: dict[str, object]) -> None:
    image = open_png(render_score_card(sample_card(**changes), tr=EN, fonts=fonts))
    assert image.size == (CARD_WIDTH, CARD_HEIGHT)


@pytest.mark.parametrize("name", HARD_NAMES)
def test_any_name_renders_on_the_card(fonts: FontBook, name: str) -> None:
    image = open_png(render_score_card(sample_card(name=name), tr=EN, fonts=fonts))
    assert image.size == (CARD_WIDTH, CARD_HEIGHT)


def test_long_name_stays_inside_the_card(fonts: FontBook) -> None:
    palette = palette_for("dark")
    image = open_png(render_score_card(sample_card(name="W" * 10_000), tr=EN, fonts=fonts))
    margin = (CARD_WIDTH - 50, 0, CARD_WIDTH, 160)
    assert pixels_near(image, palette.text, margin, tolerance=60) == 0
    name_row = (CARD_WIDTH - 400, 60, CARD_WIDTH - 56, 140)
    assert pixels_near(image, palette.text, name_row, tolerance=60) > 100


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(max_size=60), score=st.integers(-50, 150))
def test_card_never_fails_on_user_supplied_names(fonts: FontBook, name: str, score: int) -> None:
    data = render_score_card(sample_card(name=name, score=score), tr=EN, fonts=fonts)
    assert open_png(data).size == (CARD_WIDTH, CARD_HEIGHT)


def leaderboard_rows(count: int) -> list[tuple[int, str, int, float | None]]:
    return [(i + 1, f"Member {i + 1}", 95 - i, [2.5, -1.0, None][i % 3]) for i in range(count)]


@pytest.mark.parametrize("count", [0, 1, 10, MAX_ROWS, 60])
def test_leaderboard_image_grows_with_the_team_up_to_a_limit(fonts: FontBook, count: int) -> None:
    data = render_leaderboard(leaderboard_rows(count), "Weekly leaderboard", tr=EN, fonts=fonts)
    image = open_png(data)
    assert image.mode == "RGB"
    assert image.size == (LEADERBOARD_WIDTH, leaderboard_height(count))
    assert image.height <= leaderboard_height(MAX_ROWS + 1)
    assert len(data) < 200_000


def test_leaderboard_shows_medals_for_the_top_three(fonts: FontBook) -> None:
    palette = palette_for("light")
    image = open_png(render_leaderboard(leaderboard_rows(5), "Week 11", "light", tr=EN,
                                        fonts=fonts))
    badge_column = (60, 150, 130, image.height)
    for medal in palette.medals:
        assert pixels_near(image, medal, badge_column, tolerance=6) > 500


@pytest.mark.parametrize("name", HARD_NAMES)
def test_leaderboard_renders_any_name(fonts: FontBook, name: str) -> None:
    rows = [(1, name, 90, 1.0), (2, "Grace", 80, None)]
    image = open_png(render_leaderboard(rows, name, tr=EN, fonts=fonts))
    assert image.width == LEADERBOARD_WIDTH
