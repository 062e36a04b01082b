"""Fonts come from a Python package, so text looks the same on every machine,
and the fallback chain finds a font for each script a name may use."""

from __future__ import annotations

import importlib.util
from importlib import resources
from pathlib import Path

import pytest

from chatbot.render.cmap import FontFileError, read_character_map
from chatbot.render.fonts import CJK_FONT_PACKAGE, FONT_PACKAGE, FontBook, FontsUnavailable


@pytest.fixture(scope="module")
def book() -> FontBook:
    return FontBook.from_packages()


def test_fonts_are_loaded_from_the_installed_package_not_a_system_path(book: FontBook) -> None:
    package_dirs = [Path(str(resources.files(FONT_PACKAGE)))]
    if importlib.util.find_spec(CJK_FONT_PACKAGE) is not None:
        package_dirs.append(Path(str(resources.files(CJK_FONT_PACKAGE))))
    for face in book.faces:
        assert any(face.path.is_relative_to(directory) for directory in package_dirs), face


def test_latin_greek_and_cyrillic_come_from_the_primary_face(book: FontBook) -> None:
    for char in "AzéßΩЖ0…":
        assert book.face_for(char) == book.primary, char


@pytest.mark.parametrize(
    ("char", "face_name"),
    [
        ("م", "NotoSansArabic"),
        ("ש", "NotoSansHebrew"),
        ("अ", "NotoSansDevanagari"),
        ("😀", "NotoEmoji"),
        ("Ⅻ", "NotoSansSymbols"),
    ],
)
def test_other_scripts_fall_back_to_a_face_that_has_them(
    book: FontBook, char: str, face_name: str
) -> None:
    face = book.face_for(char)
    assert face is not None
    assert face.name.startswith(face_name)


def test_cjk_is_drawn_when_the_cjk_package_is_installed(book: FontBook) -> None:
    if not any(face.name.startswith("NotoSansCJK") for face in book.faces):
        pytest.skip("manimgx-fonts-cjk is not installed")
    face = book.face_for("山")
    assert face is not None and face.name.startswith("NotoSansCJK")


def test_a_character_no_face_has_is_reported_as_missing() -> None:
    without_cjk = FontBook.from_packages(include_cjk=False)
    assert without_cjk.face_for("山") is None
    assert without_cjk.face_for("\U0010fffd") is None  # private use: no font has it


def test_both_character_map_formats_are_read(book: FontBook) -> None:
    by_name = {face.name: face for face in book.faces}
    hebrew = read_character_map(by_name["NotoSansHebrew[wght].ttf"].path)  # format 4
    latin = read_character_map(by_name["NotoSans[wght].ttf"].path)  # format 12
    assert hebrew.covers("ש") and not hebrew.covers("A")
    assert latin.covers("A") and not latin.covers("ש")


def test_a_file_that_is_not_a_font_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"definitely not a font file")
    with pytest.raises(FontFileError):
        read_character_map(bogus)


def test_missing_font_package_raises_a_clear_error() -> None:
    with pytest.raises(FontsUnavailable, match="not installed"):
        FontBook.from_packages(package="kloutbot_no_such_font_package")


def test_bold_is_heavier_than_regular(book: FontBook) -> None:
    regular = book.font(book.primary, 40)
    bold = book.font(book.primary, 40, 700)
    assert bold.getlength("Klout") > regular.getlength("Klout")
