"""The German catalogs against the code: nothing missing, nothing stale, same placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from chatbot.i18n import load_catalogs
from chatbot.i18n.catalogs import catalog_files, read_catalog
from chatbot.i18n.extraction import Found, extracted, placeholders

SOURCE = extracted()


def translations(language: str) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for message in read_catalog(language):
        if message.id:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            found[ids[0]] = tuple(strings)
    return found


GERMAN = translations("de")


def test_every_sentence_the_code_shows_has_a_german_translation() -> None:
    missing = sorted(f"{found.where}: {msgid!r}" for msgid, found in SOURCE.items()
                     if not all(GERMAN.get(msgid, ("",))))
    assert missing == [], "run `python -m chatbot.i18n de` for entries to translate"


def test_no_translation_is_kept_for_a_sentence_the_code_no_longer_shows() -> None:
    assert sorted(set(GERMAN) - set(SOURCE)) == []


def test_plural_sentences_are_plural_in_both_languages() -> None:
    mismatched = []
    for message in read_catalog("de"):
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        source: Found | None = SOURCE.get(msgid)
        if source is not None and (source.plural is not None) != message.pluralizable:
            mismatched.append(msgid)
    assert mismatched == []


def test_translations_use_exactly_the_placeholders_of_the_english_sentence() -> None:
    differing = []
    for msgid, strings in GERMAN.items():
        source = SOURCE.get(msgid)
        expected = placeholders(msgid) | placeholders(source.plural if source and source.plural
                                                      else "")
        # A singular form may spell out its number ("ein Mitglied") and so drop {n}.
        used = set().union(*(placeholders(text) for text in strings))
        if used | ({"n"} & expected) != expected or not used <= expected:
            differing.append((msgid, sorted(expected), sorted(used)))
    assert differing == []


def test_no_sentence_is_translated_differently_in_two_files() -> None:
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for item in catalog_files("de"):
        with item.open("rb") as stream:
            for message in read_po(stream, locale="de"):
                if not message.id:
                    continue
                msgid = message.id[0] if isinstance(message.id, tuple) else message.id
                string = str(message.string)
                if msgid in seen and seen[msgid][1] != string:
                    clashes.append((msgid, seen[msgid][0], item.name))
                seen.setdefault(msgid, (item.name, string))
    assert clashes == []


def test_german_plural_forms_follow_the_count() -> None:
    german = load_catalogs().translator("de")
    english = load_catalogs().translator("en")
    assert english.n_("{n} member", "{n} members", 1) == "1 member"
    assert english.n_("{n} member", "{n} members", 1234) == "1,234 members"
    plural = [message for message in read_catalog("de") if message.pluralizable]
    for message in plural:
        singular, many = message.id
        params = {name: name for name in placeholders(singular) | placeholders(many)} | {"n": 1}
        del params["n"]
        assert german.n_(singular, many, 1, **params) == message.string[0].format_map(
            {"n": "1", **params})
        assert german.n_(singular, many, 1234, **params) == message.string[1].format_map(
            {"n": "1.234", **params})


@pytest.mark.parametrize("language", ["de"])
def test_catalog_files_declare_their_language_and_plural_rule(language: str) -> None:
    for item in catalog_files(language):
        with item.open("rb") as stream:
            catalog = read_po(stream)
        assert str(catalog.locale) == language, item.name
        assert catalog.plural_forms == "nplurals=2; plural=(n != 1);", item.name


def test_the_extraction_finds_every_kind_of_marked_sentence(tmp_path: Path) -> None:
    source = tmp_path / "chatbot"
    source.mkdir()
    (tmp_path / "commands").mkdir()
    (source / "sample.py").write_text(
        'def f(tr, x):\n'
        '    tr._("One {x}.", x=x)\n'
        '    tr.n_("{n} thing", "{n} things", 2)\n'
        '    Msg("Lazy {y}.", y=1)\n'
        '    PluralMsg("{n} day", "{n} days", 3)\n'
        '    N_("Marked")\n'
        '    f"not {x}"\n',
        encoding="utf-8",
    )
    found = extracted(tmp_path)
    assert set(found) == {"One {x}.", "{n} thing", "Lazy {y}.", "{n} day", "Marked"}
    assert found["{n} thing"].plural == "{n} things"
