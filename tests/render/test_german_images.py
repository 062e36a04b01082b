"""Pictures for a German-speaking team: every word, number and date drawn is German, the
umlauts and ß of a name like "Jürgen Groß" come out as letters, and each picture still
looks like its approved reference (the same mechanism as test_charts and test_cards)."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from chatbot.i18n import load_catalogs
from chatbot.render.cards import ScoreCardData, render_score_card
from chatbot.render.charts import HistoryPoint, render_history_chart
from chatbot.render.fonts import FontBook
from chatbot.render.labels import Typesetter
from chatbot.render.leaderboard_image import render_leaderboard
from tests.support.german import assert_no_english

DE = load_catalogs().translator("de")
EN = load_catalogs().translator("en")
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
UPDATE_REFERENCE = os.environ.get("KLOUT_UPDATE_REFERENCE") == "1"
MAX_CHANGED_SHARE = 0.01
"""As in test_charts: FreeType noise stays under it, a misplaced element does not."""
TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def fonts() -> FontBook:
    return FontBook.from_packages()


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every label the picture draws, as text, in drawing order."""
    labels: list[str] = []
    original = Typesetter.draw

    def recording(self: Typesetter, canvas: Any, xy: Any, text: str, **kwargs: Any) -> float:
        labels.append(text)
        return original(self, canvas, xy, text, **kwargs)

    monkeypatch.setattr(Typesetter, "draw", recording)
    yield labels


def open_png(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def changed_share(a: Image.Image, b: Image.Image) -> float:
    difference = ImageChops.difference(a.convert("RGB").reduce(4), b.convert("RGB").reduce(4))
    histogram = difference.convert("L").histogram()
    return sum(histogram[32:]) / (difference.width * difference.height)


def matches_reference(data: bytes, name: str) -> None:
    reference = REFERENCE_DIR / name
    if UPDATE_REFERENCE:
        reference.write_bytes(data)
        pytest.skip(f"reference rewritten: {reference}")
    assert reference.exists(), "no reference: run with KLOUT_UPDATE_REFERENCE=1 and look at it"
    assert changed_share(open_png(data), open_png(reference.read_bytes())) < MAX_CHANGED_SHARE


def german_card(**changes: object) -> ScoreCardData:
    values: dict[str, object] = {
        "name": "Jürgen Groß",
        "score": 62,
        "change_7d": 3.2,
        "change_30d": -1.4,
        "rank": 3,
        "team_size": 12,
        "networks": [("Mastodon", 71.0), ("Bluesky", 48.5), ("GitHub", 22.0)],
        "trend": [40 + 8 * math.sin(i / 6) + i * 0.2 for i in range(60)],
        "goal": 70.0,
        "stale": True,
        "refreshed_label": "aktualisiert vor 2 Stunden",
    }
    values.update(changes)
    return ScoreCardData(**values)  # type: ignore[arg-type]


def history() -> list[HistoryPoint]:
    return [HistoryPoint(TODAY - timedelta(days=89 - i), 40 + 10 * math.sin(i / 9))
            for i in range(90)]


def test_the_german_score_card_draws_german_words_and_numbers(
    fonts: FontBook, drawn: list[str]
) -> None:
    data = render_score_card(german_card(), "light", tr=DE, fonts=fonts)
    assert "Jürgen Groß" in drawn
    assert "Platz 3 von 12 im Team" in drawn
    numbers = [label for label in drawn if label[:1].isdigit()]
    assert numbers[1:5] == ["3,2", "7 Tage", "1,4", "30 Tage"]
    assert {"NETZWERKE", "VERALTET", "Ziel 70 · noch 8 Punkte"} <= set(drawn)
    assert_no_english(drawn)
    matches_reference(data, "score_card_de.png")


def test_a_german_card_for_a_newcomer_says_so_in_german(
    fonts: FontBook, drawn: list[str]
) -> None:
    render_score_card(german_card(rank=None, networks=[], trend=[], goal=63.0), tr=DE,
                      fonts=fonts)
    assert {"Noch nicht in der Rangliste", "Noch keine verknüpften Konten",
            "Verlauf nach ein paar Aktualisierungen", "Ziel 63 · noch 1 Punkt"} <= set(drawn)
    assert_no_english(drawn)


def test_more_networks_than_rows_are_counted_in_german(fonts: FontBook, drawn: list[str]) -> None:
    networks = [(f"Netz {i}", 50.0) for i in range(6)]
    render_score_card(german_card(networks=networks), tr=DE, fonts=fonts)
    assert "+2 weitere" in drawn


def test_the_german_history_chart_has_german_dates_and_labels(
    fonts: FontBook, drawn: list[str]
) -> None:
    networks = {"Mastodon": [HistoryPoint(p.day, p.score + 8) for p in history()]}
    data = render_history_chart(name="Jürgen Groß", points=history(), per_network=networks,
                                goal=70, goal_date=date(2027, 6, 1), today=TODAY, theme="dark",
                                tr=DE, fonts=fonts)
    assert "Jürgen Groß" in drawn
    assert "Klout-Wert · letzte 90 Tage" in drawn
    assert "in 90 Tagen" in drawn
    assert {"Klout-Wert", "Ziel 70 bis 1. Juni"} <= set(drawn)
    assert "23. Nov." in drawn and "7. Sept." in drawn  # Mondays on the axis
    assert_no_english(drawn)
    matches_reference(data, "history_chart_de.png")


def test_a_one_day_german_chart_speaks_of_one_day(fonts: FontBook, drawn: list[str]) -> None:
    render_history_chart(name="Jürgen Groß", points=[HistoryPoint(TODAY, 40.0)], today=TODAY,
                         days=1, tr=DE, fonts=fonts)
    assert {"Klout-Wert · letzter Tag", "Noch kein Verlauf",
            "Bisher ein Wert (40 am 1. Dez.); die Linie beginnt mit dem nächsten."} <= set(drawn)
    assert_no_english(drawn)


def test_a_german_chart_without_scores_says_when_they_come(
    fonts: FontBook, drawn: list[str]
) -> None:
    render_history_chart(name="Jürgen Groß", points=[], today=TODAY, days=5, tr=DE, fonts=fonts)
    assert {"Klout-Wert · letzte 5 Tage",
            "Werte erscheinen hier nach der ersten Aktualisierung."} <= set(drawn)


def test_the_german_leaderboard_picture(fonts: FontBook, drawn: list[str]) -> None:
    names = ["Jürgen Groß", "Özlem Süß", "Åsa Øberg"] + [f"Mitglied {i}" for i in range(13)]
    rows = [(rank, name, 90 - rank, 2.5 - rank) for rank, name in enumerate(names, start=1)]
    data = render_leaderboard(rows, "Rangliste · Woche 49", "light", tr=DE, fonts=fonts)
    assert {"Rangliste · Woche 49", "Jürgen Groß", "Özlem Süß", "WERT", "WOCHE", "1,5",
            "…und 1 weiteres Mitglied"} <= set(drawn)
    assert_no_english(drawn)
    matches_reference(data, "leaderboard_de.png")


def test_a_long_german_leaderboard_counts_the_rest_with_german_digits(
    fonts: FontBook, drawn: list[str]
) -> None:
    rows = [(rank, f"Mitglied {rank}", 50, None) for rank in range(1, 15 + 1_234 + 1)]
    render_leaderboard(rows, "Rangliste", tr=DE, fonts=fonts)
    assert "…und 1.234 weitere Mitglieder" in drawn


def test_an_empty_german_leaderboard(fonts: FontBook, drawn: list[str]) -> None:
    render_leaderboard([], "Rangliste", tr=DE, fonts=fonts)
    assert "Diese Woche noch keine Klout-Werte" in drawn


def test_the_same_card_in_english_and_german_differs_only_in_its_words(
    fonts: FontBook, drawn: list[str]
) -> None:
    card = german_card(refreshed_label="2 h")
    render_score_card(card, tr=EN, fonts=fonts)
    english = list(drawn)
    drawn.clear()
    render_score_card(card, tr=DE, fonts=fonts)
    assert english != drawn and len(english) == len(drawn)
    assert {"#3 of 12 on the team", "7 days", "NETWORKS", "STALE", "Goal 70 · 8 to go",
            "3.2"} <= set(english)
