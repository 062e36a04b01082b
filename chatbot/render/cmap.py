"""Which characters a font file can draw, read from its `cmap` table.

Pillow cannot say whether a font has a glyph for a character: a missing one
silently renders as the font's empty box. Picking a fallback font per
character (emoji, Arabic, CJK in member names) needs that answer, so this
module reads the font's character map itself. It reads only the bytes it
needs, so asking about a 30 MB CJK collection costs a few reads, not a parse
of the whole file.
"""

from __future__ import annotations

import struct
from array import array
from bisect import bisect_left
from pathlib import Path
from typing import BinaryIO

# (platform, encoding, format) in order of preference: full Unicode first, then BMP only.
_PREFERRED_SUBTABLES = ((3, 10, 12), (0, 4, 12), (0, 6, 12), (3, 1, 4), (0, 3, 4), (0, 4, 4))


class FontFileError(ValueError):
    """The file is not a TrueType/OpenType font this module can read."""


class CharacterMap:
    """Answers `codepoint in cmap` for one font face."""

    def __init__(self, starts: array[int], ends: array[int], lookup: _Format4 | None) -> None:
        self._starts = starts
        self._ends = ends
        self._format4 = lookup

    def __contains__(self, codepoint: object) -> bool:
        if not isinstance(codepoint, int):
            return False
        i = bisect_left(self._ends, codepoint)
        if i == len(self._ends) or self._starts[i] > codepoint:
            return False
        if self._format4 is None:
            return True
        return self._format4.glyph(i, codepoint, self._starts[i]) != 0

    def covers(self, char: str) -> bool:
        return ord(char) in self


class _Format4:
    """Segment lookups for a format-4 subtable, where a segment may hold holes."""

    def __init__(
        self, data: bytes, seg_count: int, range_offsets_at: int, deltas: array[int]
    ) -> None:
        self._data = data
        self._seg_count = seg_count
        self._range_offsets_at = range_offsets_at
        self._deltas = deltas

    def glyph(self, segment: int, codepoint: int, start: int, /) -> int:
        field_at = self._range_offsets_at + 2 * segment
        (range_offset,) = struct.unpack_from(">H", self._data, field_at)
        delta = self._deltas[segment]
        if range_offset == 0:
            return (codepoint + delta) & 0xFFFF
        glyph_at = field_at + range_offset + 2 * (codepoint - start)
        if glyph_at + 2 > len(self._data):
            return 0
        glyph = _u16_at(self._data, glyph_at)
        return 0 if glyph == 0 else (glyph + delta) & 0xFFFF


def read_character_map(path: Path, index: int = 0) -> CharacterMap:
    """Read the best Unicode character map of face `index` in a font or collection file."""
    with path.open("rb") as file:
        header = file.read(12)
        if len(header) < 12:
            raise FontFileError(f"{path.name}: too short to be a font")
        font_at = 0
        if header[:4] == b"ttcf":
            (count,) = struct.unpack_from(">I", header, 8)
            if not 0 <= index < count:
                raise FontFileError(f"{path.name}: no face {index} in a collection of {count}")
            file.seek(12 + 4 * index)
            (font_at,) = struct.unpack(">I", _read_exactly(file, 4))
            file.seek(font_at)
            header = _read_exactly(file, 12)
        (num_tables,) = struct.unpack_from(">H", header, 4)
        directory = _read_exactly(file, 16 * num_tables)
        for i in range(num_tables):
            tag, _checksum, offset, length = struct.unpack_from(">4sIII", directory, 16 * i)
            if tag == b"cmap":
                file.seek(offset)
                return _parse_cmap(_read_exactly(file, length), path.name)
    raise FontFileError(f"{path.name}: no cmap table")


def _parse_cmap(data: bytes, name: str) -> CharacterMap:
    _version, count = struct.unpack_from(">HH", data, 0)
    subtables: dict[tuple[int, int, int], int] = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, 4 + 8 * i)
        if offset + 2 <= len(data):
            subtables[(platform, encoding, _u16_at(data, offset))] = offset
    for key in _PREFERRED_SUBTABLES:
        if key in subtables:
            offset = subtables[key]
            return _format12(data, offset) if key[2] == 12 else _format4(data, offset)
    raise FontFileError(f"{name}: no Unicode character map")


def _format12(data: bytes, offset: int) -> CharacterMap:
    (groups,) = struct.unpack_from(">I", data, offset + 12)
    starts, ends = array("L"), array("L")
    for start, end, _glyph in struct.iter_unpack(
        ">III", data[offset + 16 : offset + 16 + 12 * groups]
    ):
        starts.append(start)
        ends.append(end)
    return CharacterMap(starts, ends, None)


def _format4(data: bytes, offset: int) -> CharacterMap:
    seg_count = _u16_at(data, offset + 6) // 2
    ends_at = offset + 14
    starts_at = ends_at + 2 * seg_count + 2
    deltas_at = starts_at + 2 * seg_count
    range_offsets_at = deltas_at + 2 * seg_count
    ends = array("L", struct.unpack_from(f">{seg_count}H", data, ends_at))
    starts = array("L", struct.unpack_from(f">{seg_count}H", data, starts_at))
    deltas = array("l", struct.unpack_from(f">{seg_count}h", data, deltas_at))
    return CharacterMap(starts, ends, _Format4(data, seg_count, range_offsets_at, deltas))


def _u16_at(data: bytes, at: int) -> int:
    (value,) = struct.unpack_from(">H", data, at)
    return int(value)


def _read_exactly(file: BinaryIO, size: int) -> bytes:
    chunk = file.read(size)
    if len(chunk) != size:
        raise FontFileError("font file ends early")
    return bytes(chunk)
