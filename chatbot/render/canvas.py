"""What every image shares: the card it is drawn on, its PNG encoding and the
small marks (change arrows, numbers) that charts and cards both show, in the
language of the member who asked for the picture (the card carries their
Translator).

Images are drawn at twice their intended display size: Slack and Discord
scale them down to fit the message, which keeps text and lines crisp on
high-density screens, and a PNG of flat colours stays small at that size.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from chatbot.i18n import Translator
from chatbot.render.fonts import BOLD, FontBook
from chatbot.render.labels import Typesetter
from chatbot.render.shapes import Painter
from chatbot.render.theme import Palette

SCALE = 2
"""Pixels per display point."""


def px(points: float) -> int:
    """Display points to image pixels."""
    return round(points * SCALE)


class Card:
    """One image being drawn: the pixels plus the tools that draw on them."""

    def __init__(self, width: int, height: int, palette: Palette, fonts: FontBook | None,
                 tr: Translator) -> None:
        self.palette = palette
        self.tr = tr
        self.image = Image.new("RGB", (width, height), palette.border)
        self.draw = ImageDraw.Draw(self.image)
        self.painter = Painter(self.image)
        self.text = Typesetter(fonts if fonts is not None else FontBook.from_packages())
        # A border one point wide sets the card apart from any chat background.
        inset = px(1)
        self.draw.rectangle(
            (inset, inset, width - 1 - inset, height - 1 - inset), fill=palette.background
        )

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.image.save(buffer, format="PNG", compress_level=6)
        return buffer.getvalue()

    def change(
        self,
        x: float,
        baseline: float,
        change: float | None,
        *,
        size: int,
        suffix: str = "",
        align_right: bool = False,
    ) -> float:
        """A change drawn as a coloured triangle and number ("▲ 3.2"); returns its width.

        The triangle is drawn, not typed, so its look does not depend on which
        font happens to have the arrow glyph; the colour is never the only cue.
        """
        palette = self.palette
        if change is None:
            label, colour, direction = "–", palette.muted, 0
        else:
            rounded = round(change, 1)
            if rounded > 0:
                label, colour, direction = self._number(rounded), palette.up, 1
            elif rounded < 0:
                label, colour, direction = self._number(-rounded), palette.down, -1
            else:
                label, colour, direction = "0", palette.muted, 0
        triangle = size * 0.62
        gap = size * 0.3
        text_width = self.text.width(label, size, BOLD)
        suffix_width = self.text.width(suffix, size) + gap if suffix else 0.0
        total = (triangle + gap if direction else 0.0) + text_width + suffix_width
        left = x - total if align_right else x
        if direction:
            cap = self.text.cap_height(size, BOLD)
            middle = baseline - cap / 2
            half = triangle / 2
            if direction > 0:
                points = [
                    (left, middle + half * 0.85),
                    (left + triangle, middle + half * 0.85),
                    (left + half, middle - half * 0.95),
                ]
            else:
                points = [
                    (left, middle - half * 0.85),
                    (left + triangle, middle - half * 0.85),
                    (left + half, middle + half * 0.95),
                ]
            self.painter.polygon(points, colour)
            left += triangle + gap
        self.text.draw(self.draw, (left, baseline), label, size=size, fill=colour, weight=BOLD)
        if suffix:
            self.text.draw(
                self.draw,
                (left + text_width + gap, baseline),
                suffix,
                size=size,
                fill=palette.muted,
            )
        return total

    def _number(self, value: float) -> str:
        """"3" for a whole change, else one decimal ("3.2", "3,2" in German)."""
        return self.tr.number(value, 0 if value == int(value) else 1)
