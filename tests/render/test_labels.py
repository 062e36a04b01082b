"""Names as they appear in images: cleaned of what could hide or spoof text,
cut visibly when too long, and drawn in a font that has their characters."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw, ImageStat, features

from chatbot.render.fonts import FontBook
from chatbot.render.labels import ELLIPSIS, MAX_LABEL_CHARS, Typesetter, clean_label


@pytest.fixture(scope="module")
def typesetter() -> Typesetter:
    return Typesetter(FontBook.from_packages())


def drawn(typesetter: Typesetter, text: str, size: int = 40) -> Image.Image:
    image = Image.new("RGB", (900, 80), (0, 0, 0))
    typesetter.draw(ImageDraw.Draw(image), (10, 60), text, size=size, fill=(255, 255, 255))
    return image.convert("L")


def test_control_and_bidi_override_characters_are_removed() -> None:
    assert clean_label("Ada\x00\x07\x1b\u202eLovelace\u202c") == "AdaLovelace"


def test_line_breaks_and_runs_of_spaces_become_one_space() -> None:
    assert clean_label("  Ada\r\n\tLovelace   ") == "Ada Lovelace"


def test_a_name_with_nothing_printable_shows_a_question_mark() -> None:
    assert clean_label("\u200b\u200d\ufe0f\x00") == "?"
    assert clean_label("") == "?"


def test_stacked_combining_marks_are_capped() -> None:
    label = clean_label("x" + "\u0301" * 50 + "y")
    assert label == "x\u0301\u0301y"


def test_a_ten_thousand_character_name_is_cut_with_a_visible_ellipsis() -> None:
    label = clean_label("A" * 10_000)
    assert label == "A" * MAX_LABEL_CHARS + ELLIPSIS


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_cleaned_labels_are_single_line_printable_and_bounded(text: str) -> None:
    label = clean_label(text)
    assert label
    bases = [char for char in label if not unicodedata.category(char).startswith("M")]
    assert len(bases) <= MAX_LABEL_CHARS + 1  # the ellipsis
    assert len(label) <= 3 * len(bases)  # at most two marks on each character
    for char in label:
        assert unicodedata.category(char) not in {"Cc", "Cf", "Zl", "Zp", "Cs"}
    assert "\n" not in label


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=120), max_width=st.integers(20, 600))
def test_fitted_labels_never_overflow(typesetter: Typesetter, text: str, max_width: int) -> None:
    fitted = typesetter.fit(text, 24, max_width)
    if fitted != ELLIPSIS:
        assert typesetter.width(fitted, 24) <= max_width


def test_cut_labels_end_with_an_ellipsis(typesetter: Typesetter) -> None:
    fitted = typesetter.fit("Ada Lovelace, Countess of Lovelace", 24, 150)
    assert fitted.endswith(ELLIPSIS)
    assert fitted.startswith("Ada")


@pytest.mark.parametrize("name", ["😀", "山田", "김민준", "محمد", "שרה", "अनुष्का", "Ωμέγα", "Жанна"])
def test_every_script_is_drawn_with_real_glyphs(typesetter: Typesetter, name: str) -> None:
    """A name is drawn in a font that has it, not as the empty boxes of a missing glyph."""
    book = typesetter.book
    assert all(book.face_for(char) is not None for char in name)
    assert ImageStat.Stat(drawn(typesetter, name)).sum[0] > 0


def test_characters_no_font_has_are_drawn_as_boxes() -> None:
    without_cjk = Typesetter(FontBook.from_packages(include_cjk=False))
    assert without_cjk.book.face_for("山") is None
    image = drawn(without_cjk, "山田")
    assert ImageStat.Stat(image).sum[0] > 0
    assert without_cjk.width("山田", 40) > 0


def test_right_to_left_names_read_right_to_left_without_harfbuzz(typesetter: Typesetter) -> None:
    if not features.check("raqm"):
        pytest.skip("needs HarfBuzz (raqm) to have a right-to-left reference")
    plain = Typesetter(FontBook.from_packages(shaping=False))
    for name in ("שרה כהן", "דוד (2)"):
        shaped, fallback = drawn(typesetter, name), drawn(plain, name)
        assert ImageStat.Stat(ImageChops.difference(shaped, fallback)).mean[0] < 3, name
        reversed_name = drawn(plain, name[::-1])
        assert ImageStat.Stat(ImageChops.difference(shaped, reversed_name)).mean[0] > 3, name


def test_latin_text_is_laid_out_the_same_with_or_without_harfbuzz(typesetter: Typesetter) -> None:
    plain = Typesetter(FontBook.from_packages(shaping=False))
    name = "Ada Lovelace AVATAR 42"
    assert ImageChops.difference(drawn(typesetter, name), drawn(plain, name)).getbbox() is None
