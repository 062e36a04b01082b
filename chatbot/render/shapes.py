"""Antialiased lines, discs, arcs and bars on a Pillow image.

Pillow's `ImageDraw` draws shapes with hard, stair-stepped edges. Each shape
here is drawn as a coverage mask at several times the size, shrunk with a box
filter (which averages the sub-pixels into smooth edges) and used to paint
its colour onto the image. Only the shape's bounding box is supersampled, so
a thin line across a chart costs a few milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PIL import Image, ImageChops, ImageDraw

from chatbot.render.theme import RGB

Point = tuple[float, float]
_Paint = Callable[[ImageDraw.ImageDraw, Callable[[float, float], tuple[float, float]], int], None]


class Painter:
    """Draws antialiased shapes onto one RGB image."""

    def __init__(self, image: Image.Image, supersample: int = 3) -> None:
        self.image = image
        self.supersample = supersample

    def polyline(
        self, points: Sequence[Point], colour: RGB, width: float, opacity: float = 1.0
    ) -> None:
        """A line through `points` with round joins and caps."""
        if not points:
            return
        pad = width / 2 + 2

        def paint(
            draw: ImageDraw.ImageDraw, at: Callable[[float, float], tuple[float, float]], ss: int
        ) -> None:
            scaled = [at(x, y) for x, y in points]
            stroke = max(1, round(width * ss))
            if len(scaled) > 1:
                draw.line(scaled, fill=255, width=stroke, joint="curve")
            radius = width * ss / 2
            for x, y in (scaled[0], scaled[-1]):
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)

        self._stamp(_bounds(points, pad), colour, paint, opacity)

    def disc(self, centre: Point, radius: float, colour: RGB, opacity: float = 1.0) -> None:
        cx, cy = centre

        def paint(
            draw: ImageDraw.ImageDraw, at: Callable[[float, float], tuple[float, float]], ss: int
        ) -> None:
            x0, y0 = at(cx - radius, cy - radius)
            x1, y1 = at(cx + radius, cy + radius)
            draw.ellipse((x0, y0, x1, y1), fill=255)

        self._stamp(_bounds([centre], radius + 2), colour, paint, opacity)

    def arc(
        self,
        centre: Point,
        radius: float,
        width: float,
        start_degrees: float,
        end_degrees: float,
        colour: RGB,
        *,
        round_ends: bool = True,
    ) -> None:
        """An arc of a ring; angles clockwise from 12 o'clock."""
        cx, cy = centre
        outer = radius + width / 2

        def paint(
            draw: ImageDraw.ImageDraw, at: Callable[[float, float], tuple[float, float]], ss: int
        ) -> None:
            x0, y0 = at(cx - outer, cy - outer)
            x1, y1 = at(cx + outer, cy + outer)
            draw.arc(
                (x0, y0, x1, y1),
                start_degrees - 90,
                end_degrees - 90,
                fill=255,
                width=max(1, round(width * ss)),
            )
            if round_ends and end_degrees - start_degrees < 360:
                cap = width * ss / 2
                for angle in (start_degrees, end_degrees):
                    px, py = at(*on_circle(centre, radius, angle))
                    draw.ellipse((px - cap, py - cap, px + cap, py + cap), fill=255)

        self._stamp(_bounds([centre], outer + 2), colour, paint, 1.0)

    def polygon(self, points: Sequence[Point], colour: RGB, opacity: float = 1.0) -> None:
        if len(points) < 3:
            return

        def paint(
            draw: ImageDraw.ImageDraw, at: Callable[[float, float], tuple[float, float]], ss: int
        ) -> None:
            draw.polygon([at(x, y) for x, y in points], fill=255)

        self._stamp(_bounds(points, 2), colour, paint, opacity)

    def rounded_rect(
        self,
        box: tuple[float, float, float, float],
        radius: float,
        colour: RGB,
        opacity: float = 1.0,
    ) -> None:
        x0, y0, x1, y1 = box
        if x1 <= x0 or y1 <= y0:
            return
        radius = min(radius, (x1 - x0) / 2, (y1 - y0) / 2)

        def paint(
            draw: ImageDraw.ImageDraw, at: Callable[[float, float], tuple[float, float]], ss: int
        ) -> None:
            a = at(x0, y0)
            b = at(x1, y1)
            draw.rounded_rectangle((a[0], a[1], b[0], b[1]), radius=radius * ss, fill=255)

        self._stamp(_bounds([(x0, y0), (x1, y1)], 2), colour, paint, opacity)

    def area(
        self,
        points: Sequence[Point],
        floor_y: float,
        colour: RGB,
        top_opacity: float,
        bottom_opacity: float,
    ) -> None:
        """The area between a line and `floor_y`, fading from top to bottom."""
        if len(points) < 2:
            return
        outline = [(points[0][0], floor_y), *points, (points[-1][0], floor_y)]
        box = _bounds(outline, 1)
        left, top, right, bottom = self._clip(box)
        if right <= left or bottom <= top:
            return
        mask = self._mask(
            (left, top, right, bottom),
            lambda draw, at, ss: draw.polygon([at(x, y) for x, y in outline], fill=255),
        )
        fade = Image.linear_gradient("L").resize((right - left, bottom - top))
        low, high = round(bottom_opacity * 255), round(top_opacity * 255)
        fade = fade.point([high + (low - high) * v // 255 for v in range(256)])
        self.image.paste(colour, (left, top, right, bottom), ImageChops.multiply(mask, fade))

    def dashed_hline(
        self, x0: float, x1: float, y: float, colour: RGB, width: float, dash: float, gap: float
    ) -> None:
        """A horizontal dashed line; dashes have rounded ends so they read as deliberate."""
        segments: list[tuple[Point, Point]] = []
        x = x0
        while x < x1:
            end = min(x + dash, x1)
            segments.append(((x, y), (end, y)))
            x = end + gap

        def paint(
            draw: ImageDraw.ImageDraw, at: Callable[[float, float], tuple[float, float]], ss: int
        ) -> None:
            radius = width * ss / 2
            for start, end in segments:
                (ax, ay), (bx, by) = at(*start), at(*end)
                draw.rounded_rectangle(
                    (ax - radius, ay - radius, bx + radius, by + radius), radius=radius, fill=255
                )

        self._stamp((x0 - width, y - width, x1 + width, y + width), colour, paint, 1.0)

    def _stamp(
        self,
        box: tuple[float, float, float, float],
        colour: RGB,
        paint: _Paint,
        opacity: float,
    ) -> None:
        clipped = self._clip(box)
        left, top, right, bottom = clipped
        if right <= left or bottom <= top:
            return
        mask = self._mask(clipped, paint)
        if opacity < 1.0:
            mask = mask.point([round(v * opacity) for v in range(256)])
        self.image.paste(colour, clipped, mask)

    def _mask(self, box: tuple[int, int, int, int], paint: _Paint) -> Image.Image:
        left, top, right, bottom = box
        ss = self.supersample
        mask = Image.new("L", ((right - left) * ss, (bottom - top) * ss), 0)

        def at(x: float, y: float) -> tuple[float, float]:
            return ((x - left) * ss, (y - top) * ss)

        paint(ImageDraw.Draw(mask), at, ss)
        return mask.reduce(ss)

    def _clip(self, box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
        width, height = self.image.size
        return (
            max(0, math.floor(box[0])),
            max(0, math.floor(box[1])),
            min(width, math.ceil(box[2])),
            min(height, math.ceil(box[3])),
        )


def _bounds(points: Sequence[Point], pad: float) -> tuple[float, float, float, float]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)


def on_circle(centre: Point, radius: float, degrees: float) -> Point:
    """A point on a circle, clockwise from 12 o'clock."""
    radians = math.radians(degrees)
    return (centre[0] + radius * math.sin(radians), centre[1] - radius * math.cos(radians))
