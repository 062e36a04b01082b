"""Fonts from a Python package, chained so any member's name can be drawn.

Text must look the same on every machine, so fonts never come from a system
path: they come from the `manimgx-fonts` package (Noto Sans, the Noto faces
for Arabic, Hebrew, Indic and South-East Asian scripts, Noto Emoji and Noto
Sans Symbols, all SIL OFL). Chinese, Japanese and Korean come from
`manimgx-fonts-cjk` when it is installed (it is 20 MB, so a team may leave it
out); without it those characters render as a visible box instead of failing.

A `FontBook` is cheap to build (no font file is parsed until a character
needs it), so each render builds its own unless the caller passes one in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from PIL import ImageFont, features

from chatbot.render.cmap import CharacterMap, read_character_map

FONT_PACKAGE = "manimgx_fonts"
CJK_FONT_PACKAGE = "manimgx_fonts_cjk"

# The fallback chain, in the order a character's font is looked for: Latin,
# Greek and Cyrillic first, then the scripts Latin faces lack, then emoji and
# symbols, then CJK. `True` marks faces whose scripts need shaping (joining
# Arabic letters, Indic conjuncts) to look right.
_PACKAGE_FACES: tuple[tuple[str, bool], ...] = (
    ("NotoSans[wght].ttf", False),
    ("NotoSansArabic[wght].ttf", True),
    ("NotoSansHebrew[wght].ttf", True),
    ("NotoSansDevanagari[wght].ttf", True),
    ("NotoSansBengali[wght].ttf", True),
    ("NotoSansTamil[wght].ttf", True),
    ("NotoSansTelugu[wght].ttf", True),
    ("NotoSansKannada[wght].ttf", True),
    ("NotoSansMalayalam[wght].ttf", True),
    ("NotoSansGujarati[wght].ttf", True),
    ("NotoSansGurmukhi[wght].ttf", True),
    ("NotoSansOriya[wght].ttf", True),
    ("NotoSansSinhala[wght].ttf", True),
    ("NotoSansThai[wght].ttf", True),
    ("NotoSansLao[wght].ttf", True),
    ("NotoSansKhmer[wght].ttf", True),
    ("NotoSansMyanmar[wght].ttf", True),
    ("NotoSansArmenian[wght].ttf", False),
    ("NotoSansGeorgian[wght].ttf", False),
    ("NotoSansEthiopic[wght].ttf", True),
    ("NotoEmoji[wght].ttf", False),
    ("NotoSansSymbols[wght].ttf", False),
)
_CJK_FACE = "NotoSansCJK-VF.otf.ttc"

REGULAR = 400
BOLD = 700


class FontsUnavailable(RuntimeError):
    """The font package is not installed; callers fall back to their text reply."""


@dataclass(frozen=True)
class FontFace:
    """One font file (or one face of a collection) in the fallback chain."""

    name: str
    path: Path
    index: int = 0
    needs_shaping: bool = False


class FontBook:
    """The fallback chain plus the fonts and character maps loaded from it.

    It memoises per instance, never globally: a long-lived caller may keep
    one per worker thread to skip re-reading character maps (Pillow font
    objects are not meant to be shared between threads); a test builds its own.
    """

    def __init__(self, faces: Sequence[FontFace], *, shaping: bool | None = None) -> None:
        if not faces:
            raise FontsUnavailable("no font faces to draw text with")
        self.faces: tuple[FontFace, ...] = tuple(faces)
        self.shaping: bool = bool(features.check("raqm")) if shaping is None else shaping
        self._maps: dict[FontFace, CharacterMap] = {}
        self._fonts: dict[tuple[FontFace, int, int, bool], ImageFont.FreeTypeFont] = {}
        self._choices: dict[str, FontFace | None] = {}

    @classmethod
    def from_packages(
        cls,
        *,
        include_cjk: bool = True,
        shaping: bool | None = None,
        package: str = FONT_PACKAGE,
        cjk_package: str = CJK_FONT_PACKAGE,
    ) -> FontBook:
        """The chain from the installed font packages (CJK only if installed and wanted)."""
        directory = _package_directory(package)
        if directory is None:
            raise FontsUnavailable(
                f"the {package.replace('_', '-')} package is not installed; "
                "images cannot be drawn, use the text reply"
            )
        faces = [
            FontFace(name, directory / name, 0, shaped)
            for name, shaped in _PACKAGE_FACES
            if (directory / name).is_file()
        ]
        if not faces or faces[0].name != _PACKAGE_FACES[0][0]:
            raise FontsUnavailable(f"{package} does not hold {_PACKAGE_FACES[0][0]}")
        cjk_directory = _package_directory(cjk_package) if include_cjk else None
        if cjk_directory is not None and (cjk_directory / _CJK_FACE).is_file():
            # Face 0 of the collection is the Japanese cut; its kanji and kana
            # read naturally to Chinese and Korean readers too.
            faces.append(FontFace(_CJK_FACE, cjk_directory / _CJK_FACE, 0, False))
        return cls(faces, shaping=shaping)

    @property
    def primary(self) -> FontFace:
        return self.faces[0]

    def covers(self, face: FontFace, char: str) -> bool:
        cmap = self._maps.get(face)
        if cmap is None:
            cmap = self._maps[face] = read_character_map(face.path, face.index)
        return cmap.covers(char)

    def face_for(self, char: str) -> FontFace | None:
        """The first face in the chain that can draw `char`, or None if none can."""
        if char not in self._choices:
            self._choices[char] = next((f for f in self.faces if self.covers(f, char)), None)
        return self._choices[char]

    def font(
        self, face: FontFace, size: int, weight: int = REGULAR, *, shaped: bool = False
    ) -> ImageFont.FreeTypeFont:
        """The face at a pixel size and weight; `shaped` asks for HarfBuzz layout."""
        use_raqm = shaped and self.shaping
        key = (face, size, weight, use_raqm)
        font = self._fonts.get(key)
        if font is None:
            engine = ImageFont.Layout.RAQM if use_raqm else ImageFont.Layout.BASIC
            font = ImageFont.truetype(str(face.path), size, index=face.index, layout_engine=engine)
            _set_weight(font, weight)
            self._fonts[key] = font
        return font


def _set_weight(font: ImageFont.FreeTypeFont, weight: int) -> None:
    """Pin a variable font's weight axis; static fonts are left as they are."""
    try:
        axes = font.get_variation_axes()
    except OSError:
        return
    values: list[float] = []
    for axis in axes:
        name = axis.get("name", b"")
        low, high, default = axis.get("minimum"), axis.get("maximum"), axis.get("default")
        if isinstance(name, bytes) and name.lower() == b"weight" and low is not None:
            values.append(min(max(weight, low), high if high is not None else weight))
        else:
            values.append(default if default is not None else 0)
    font.set_variation_by_axes(values)


def _package_directory(package: str) -> Path | None:
    """Where an installed font package keeps its files, as a real directory.

    FreeType needs a file path; font packages install as plain directories
    (they are data-only wheels), so a zipped install is treated as missing.
    """
    try:
        root = resources.files(package)
    except ModuleNotFoundError:
        return None
    path = Path(str(root))
    return path if path.is_dir() else None
