"""Both palettes stay readable: text and marks contrast with their card."""

from __future__ import annotations

import pytest

from chatbot.render.theme import RGB, THEMES, palette_for


def contrast(a: RGB, b: RGB) -> float:
    """WCAG 2 contrast ratio."""

    def luminance(colour: RGB) -> float:
        channels = []
        for value in colour:
            v = value / 255
            channels.append(v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4)
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", THEMES)
def test_text_meets_wcag_aa_on_its_card(theme: str) -> None:
    palette = palette_for(theme)
    assert contrast(palette.text, palette.background) >= 4.5
    assert contrast(palette.muted, palette.background) >= 4.5
    assert contrast(palette.muted, palette.panel) >= 4.5


@pytest.mark.parametrize("theme", THEMES)
def test_lines_and_bars_stand_out_from_the_card(theme: str) -> None:
    palette = palette_for(theme)
    marks = [palette.score, palette.goal, palette.up, palette.down, palette.stale]
    marks += list(palette.series) + list(palette.networks.values())
    for colour in marks:
        assert contrast(colour, palette.background) >= 3.0, colour


@pytest.mark.parametrize("theme", THEMES)
def test_known_networks_keep_their_colour_and_others_get_distinct_ones(theme: str) -> None:
    palette = palette_for(theme)
    assert palette.network_colour("Mastodon", 4) == palette.network_colour(" mastodon ", 0)
    unknown = {palette.network_colour(f"Net {i}", i) for i in range(len(palette.series))}
    assert len(unknown) == len(palette.series)


def test_unknown_theme_is_refused() -> None:
    with pytest.raises(ValueError, match="sepia"):
        palette_for("sepia")
