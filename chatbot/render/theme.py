"""Colours for the images, one palette per background.

Every image is an opaque card with its own background and a thin border, so
its contrast never depends on the chat client: Slack and Discord each have a
dark and a light theme, and a transparent image would be unreadable on one of
them. `dark` (the default) sits well in both clients' dark themes and still
reads as a deliberate card in the light ones; `light` is for teams that
mostly use light themes. Text colours meet WCAG AA (4.5:1) on their card and
lines and bars at least 3:1, the level WCAG asks of graphics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

RGB = tuple[int, int, int]

THEMES = ("dark", "light")


def hex_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


@dataclass(frozen=True)
class Palette:
    name: str
    background: RGB
    border: RGB
    panel: RGB
    text: RGB
    muted: RGB
    grid: RGB
    grid_strong: RGB
    score: RGB
    goal: RGB
    up: RGB
    down: RGB
    stale: RGB
    medals: tuple[RGB, RGB, RGB]
    series: tuple[RGB, ...]
    networks: Mapping[str, RGB]

    def network_colour(self, label: str, position: int) -> RGB:
        """A network's own colour when it is known, else the next free series colour."""
        known = self.networks.get(label.strip().lower())
        return known if known is not None else self.series[position % len(self.series)]


_DARK = Palette(
    name="dark",
    background=hex_rgb("#16181d"),
    border=hex_rgb("#2c3038"),
    panel=hex_rgb("#1f2229"),
    text=hex_rgb("#eceef1"),
    muted=hex_rgb("#9ba1ab"),
    grid=hex_rgb("#262a31"),
    grid_strong=hex_rgb("#363b44"),
    score=hex_rgb("#ff8a4c"),
    goal=hex_rgb("#4ade80"),
    up=hex_rgb("#4ade80"),
    down=hex_rgb("#f87171"),
    stale=hex_rgb("#fbbf24"),
    medals=(hex_rgb("#f5c542"), hex_rgb("#c0c7d1"), hex_rgb("#d08a52")),
    series=(
        hex_rgb("#60a5fa"),
        hex_rgb("#c084fc"),
        hex_rgb("#f472b6"),
        hex_rgb("#facc15"),
        hex_rgb("#2dd4bf"),
        hex_rgb("#94a3b8"),
    ),
    networks=MappingProxyType(
        {
            "mastodon": hex_rgb("#8c8dff"),
            "bluesky": hex_rgb("#4aa8ff"),
            "github": hex_rgb("#b8c0cc"),
            "x": hex_rgb("#e7e9ea"),
            "twitter": hex_rgb("#e7e9ea"),
            "youtube": hex_rgb("#ff5a5a"),
        }
    ),
)

_LIGHT = Palette(
    name="light",
    background=hex_rgb("#ffffff"),
    border=hex_rgb("#d9dce1"),
    panel=hex_rgb("#f4f5f7"),
    text=hex_rgb("#1d2127"),
    muted=hex_rgb("#5c6370"),
    grid=hex_rgb("#eceef1"),
    grid_strong=hex_rgb("#d3d7dd"),
    score=hex_rgb("#d9480f"),
    goal=hex_rgb("#15803d"),
    up=hex_rgb("#15803d"),
    down=hex_rgb("#c62828"),
    stale=hex_rgb("#b45309"),
    medals=(hex_rgb("#d4a017"), hex_rgb("#8a94a3"), hex_rgb("#b86b32")),
    series=(
        hex_rgb("#2563eb"),
        hex_rgb("#9333ea"),
        hex_rgb("#db2777"),
        hex_rgb("#a16207"),
        hex_rgb("#0f766e"),
        hex_rgb("#64748b"),
    ),
    networks=MappingProxyType(
        {
            "mastodon": hex_rgb("#5a4bd6"),
            "bluesky": hex_rgb("#0a6fd6"),
            "github": hex_rgb("#4b5563"),
            "x": hex_rgb("#111418"),
            "twitter": hex_rgb("#111418"),
            "youtube": hex_rgb("#d41c1c"),
        }
    ),
)


def palette_for(theme: str) -> Palette:
    """The palette for a theme name; an unknown name is a caller bug, so it raises."""
    if theme == "dark":
        return _DARK
    if theme == "light":
        return _LIGHT
    raise ValueError(f"unknown theme {theme!r}; expected one of {', '.join(THEMES)}")


def blend(colour: RGB, background: RGB, amount: float) -> RGB:
    """`colour` laid over `background` at opacity `amount` (0..1)."""
    a = min(max(amount, 0.0), 1.0)
    return (
        round(colour[0] * a + background[0] * (1 - a)),
        round(colour[1] * a + background[1] * (1 - a)),
        round(colour[2] * a + background[2] * (1 - a)),
    )
