"""Single-line labels (names, titles, numbers) drawn so that any name works.

Member names are user-controlled: emoji, Arabic or Hebrew (right to left),
CJK, zero-width and bidi control characters, stacks of combining marks and
names ten thousand characters long all turn up. A label here is cleaned
(controls dropped, whitespace collapsed, length capped with a visible `…`),
split into runs that each use the first font in the chain that can draw them,
put in visual order (a small subset of the Unicode bidi algorithm: enough for
names that mix one right-to-left script with Latin and digits), then fitted to
the space it has, with `…` where it was cut.

Latin text is always laid out by FreeType's basic engine so it renders the
same on every machine. Right-to-left and complex scripts use HarfBuzz (raqm)
when Pillow has it, for joined Arabic letters; without it they are still
drawn in the right order, just unjoined.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from PIL import ImageDraw

from chatbot.render.fonts import REGULAR, FontBook, FontFace
from chatbot.render.theme import RGB

ELLIPSIS = "…"
MAX_LABEL_CHARS = 80
"""Longer labels are cut before layout: nobody reads past this, and it bounds the work."""

_MAX_MARKS_PER_CHARACTER = 2
"""More stacked combining marks than this ("Zalgo" text) would draw over neighbouring lines."""

_INVISIBLE = frozenset(
    [0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400)]  # emoji presentation selectors, skin tones
)
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_MARK_CATEGORIES = frozenset({"Mn", "Mc", "Me"})

Align = Literal["left", "center", "right"]


def clean_label(text: str, *, max_chars: int = MAX_LABEL_CHARS) -> str:
    """The text a label shows: printable, single-line, at most `max_chars` characters.

    A name that cleans to nothing becomes "?" so the image never has a blank
    where a name should be.
    """
    kept: list[str] = []
    marks = 0
    characters = 0
    cut = False
    for char in unicodedata.normalize("NFC", text[: max_chars * 4 + 8]):
        codepoint = ord(char)
        category = unicodedata.category(char)
        if char.isspace() or category.startswith("Z"):
            if kept and kept[-1] != " ":
                kept.append(" ")
                characters += 1
            marks = 0
        elif codepoint in _INVISIBLE or category in _DROPPED_CATEGORIES:
            continue
        elif category in _MARK_CATEGORIES:
            if not kept or kept[-1] == " " or marks >= _MAX_MARKS_PER_CHARACTER:
                continue
            kept.append(char)
            marks += 1
        else:
            kept.append(char)
            characters += 1
            marks = 0
        if characters > max_chars:
            kept.pop()
            cut = True
            break
    if len(text) > max_chars * 4 + 8:
        cut = True
    label = "".join(kept).strip()
    if cut:
        label = label.rstrip() + ELLIPSIS
    return label or "?"


@dataclass(frozen=True)
class _Run:
    face: FontFace | None
    """None: no font in the chain has these characters; each is drawn as a box."""
    text: str
    rtl: bool


class Typesetter:
    """Measures, fits and draws labels with one `FontBook`."""

    def __init__(self, book: FontBook) -> None:
        self.book = book

    def width(self, text: str, size: int, weight: int = REGULAR) -> float:
        return sum(self._run_width(run, size, weight) for run in self._runs(text))

    def cap_height(self, size: int, weight: int = REGULAR) -> float:
        """Height of a capital above the baseline: what lines text up with shapes."""
        bbox = self.book.font(self.book.primary, size, weight).getbbox("H", anchor="ls")
        return float(-bbox[1])

    def fit(self, text: str, size: int, max_width: float, weight: int = REGULAR) -> str:
        """`text`, cut at the end with `…` until it is at most `max_width` wide."""
        label = clean_label(text)
        if self.width(label, size, weight) <= max_width:
            return label
        clusters = list(_clusters(label.removesuffix(ELLIPSIS)))
        low, high = 0, len(clusters)
        while low < high:
            middle = (low + high + 1) // 2
            candidate = "".join(clusters[:middle]).rstrip() + ELLIPSIS
            if self.width(candidate, size, weight) <= max_width:
                low = middle
            else:
                high = middle - 1
        return "".join(clusters[:low]).rstrip() + ELLIPSIS

    def draw(
        self,
        canvas: ImageDraw.ImageDraw,
        xy: tuple[float, float],
        text: str,
        *,
        size: int,
        fill: RGB,
        weight: int = REGULAR,
        align: Align = "left",
        max_width: float | None = None,
    ) -> float:
        """Draw `text` with its baseline at `xy[1]`; returns the width drawn."""
        label = clean_label(text) if max_width is None else self.fit(text, size, max_width, weight)
        runs = _visual_order(self._runs(label))
        widths = [self._run_width(run, size, weight) for run in runs]
        total = sum(widths)
        x, baseline = xy
        if align == "center":
            x -= total / 2
        elif align == "right":
            x -= total
        for run, width in zip(runs, widths, strict=True):
            self._draw_run(canvas, run, x, baseline, size, weight, fill)
            x += width
        return total

    def _runs(self, label: str) -> list[_Run]:
        clusters = list(_clusters(label))
        directions = _resolve_directions([_direction(cluster[0]) for cluster in clusters])
        runs: list[_Run] = []
        face: FontFace | None = None
        for cluster, rtl in zip(clusters, directions, strict=True):
            base = cluster[0]
            # Spaces and punctuation stay inside a script run so HarfBuzz shapes the
            # words as one phrase; everywhere else they come from the primary face
            # (an emoji font's space is an em wide and its digits are keycaps).
            keep_face = (
                face is not None
                and face.needs_shaping
                and _direction(base) == "N"
                and self.book.covers(face, base)
            )
            if not keep_face:
                face = self.book.face_for(base)
            if runs and runs[-1].face == face and runs[-1].rtl == rtl:
                runs[-1] = _Run(face, runs[-1].text + cluster, rtl)
            else:
                runs.append(_Run(face, cluster, rtl))
        return runs

    def _shaped(self, run: _Run) -> bool:
        return run.face is not None and self.book.shaping and (run.rtl or run.face.needs_shaping)

    def _run_width(self, run: _Run, size: int, weight: int) -> float:
        if run.face is None:
            return _box_advance(size) * sum(1 for _ in _clusters(run.text))
        font = self.book.font(run.face, size, weight, shaped=self._shaped(run))
        if self._shaped(run):
            return float(font.getlength(run.text, direction="rtl" if run.rtl else "ltr"))
        return float(font.getlength(_reversed_for_display(run.text) if run.rtl else run.text))

    def _draw_run(
        self,
        canvas: ImageDraw.ImageDraw,
        run: _Run,
        x: float,
        baseline: float,
        size: int,
        weight: int,
        fill: RGB,
    ) -> None:
        if run.face is None:
            self._draw_boxes(canvas, run, x, baseline, size, weight, fill)
            return
        shaped = self._shaped(run)
        font = self.book.font(run.face, size, weight, shaped=shaped)
        if shaped:
            direction = "rtl" if run.rtl else "ltr"
            canvas.text(
                (x, baseline), run.text, font=font, fill=fill, anchor="ls", direction=direction
            )
        else:
            text = _reversed_for_display(run.text) if run.rtl else run.text
            canvas.text((x, baseline), text, font=font, fill=fill, anchor="ls")

    def _draw_boxes(
        self,
        canvas: ImageDraw.ImageDraw,
        run: _Run,
        x: float,
        baseline: float,
        size: int,
        weight: int,
        fill: RGB,
    ) -> None:
        """The visible stand-in for characters no bundled font has (the usual "tofu")."""
        advance = _box_advance(size)
        height = self.cap_height(size, weight)
        line = max(1, round(size / 14))
        for i, _cluster in enumerate(_clusters(run.text)):
            left = x + i * advance + advance * 0.12
            canvas.rectangle(
                (
                    round(left),
                    round(baseline - height),
                    round(left + advance * 0.7),
                    round(baseline),
                ),
                outline=fill,
                width=line,
            )


def _box_advance(size: int) -> float:
    return size * 0.6


def _clusters(text: str) -> Iterator[str]:
    """Characters with their combining marks: the units that are never split."""
    current = ""
    for char in text:
        if current and unicodedata.category(char) in _MARK_CATEGORIES:
            current += char
            continue
        if current:
            yield current
        current = char
    if current:
        yield current


def _direction(char: str) -> Literal["L", "R", "N"]:
    kind = unicodedata.bidirectional(char)
    if kind == "L":
        return "L"
    if kind in ("R", "AL"):
        return "R"
    return "N"


def _resolve_directions(kinds: list[Literal["L", "R", "N"]]) -> list[bool]:
    """Right-to-left flag per cluster: neutrals take their neighbours' direction when
    both sides agree, else the paragraph's (set by the first strong character)."""
    paragraph_rtl = next((kind == "R" for kind in kinds if kind != "N"), False)
    resolved: list[bool] = []
    for i, kind in enumerate(kinds):
        if kind != "N":
            resolved.append(kind == "R")
            continue
        before = next((k for k in reversed(kinds[:i]) if k != "N"), None)
        after = next((k for k in kinds[i + 1 :] if k != "N"), None)
        if before is not None and before == after:
            resolved.append(before == "R")
        else:
            resolved.append(paragraph_rtl)
    return resolved


def _visual_order(runs: list[_Run]) -> list[_Run]:
    """Left-to-right drawing order: runs against the paragraph's direction are
    reversed as a group, and a right-to-left paragraph is reversed as a whole."""
    if not runs:
        return runs
    paragraph_rtl = _first_strong(runs)
    groups: list[list[_Run]] = []
    for run in runs:
        if groups and groups[-1][0].rtl == run.rtl:
            groups[-1].append(run)
        else:
            groups.append([run])
    ordered = [list(reversed(g)) if g[0].rtl else g for g in groups]
    if paragraph_rtl:
        ordered.reverse()
    return [run for group in ordered for run in group]


def _first_strong(runs: list[_Run]) -> bool:
    for run in runs:
        for char in run.text:
            kind = _direction(char)
            if kind != "N":
                return kind == "R"
    return False


_MIRRORED = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")


def _reversed_for_display(text: str) -> str:
    """A right-to-left run in visual order for an engine that cannot reorder:
    clusters reversed, brackets mirrored, digit sequences kept left to right."""
    pieces: list[str] = []
    for cluster in _clusters(text.translate(_MIRRORED)):
        if pieces and cluster.isdigit() and pieces[-1][-1].isdigit():
            pieces[-1] += cluster
        else:
            pieces.append(cluster)
    return "".join(reversed(pieces))
