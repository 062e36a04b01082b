"""Checks that German output holds no English sentence from the catalogs."""

from __future__ import annotations

from collections.abc import Iterable

from chatbot.i18n.catalogs import read_catalog


def _literal_parts(text: str) -> list[str]:
    """The text between placeholders: "{a} rose from {b}" -> ["", " rose from ", ""]."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "{":
            depth += 1
            parts.append(current)
            current = ""
        elif char == "}":
            depth -= 1
        elif depth == 0:
            current += char
    return [*parts, current]


def english_fragments() -> list[str]:
    """Every catalog sentence whose German differs, cut at its placeholders; the pieces of
    three words or more must never turn up in German output."""
    found = []
    for message in read_catalog("de"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            if english not in strings:
                found += [part.strip() for part in _literal_parts(english)
                          if len(part.split()) >= 3]
    return found


ENGLISH = english_fragments()


def assert_no_english(lines: Iterable[str]) -> None:
    text = "\n".join(lines)
    assert [fragment for fragment in ENGLISH if fragment in text] == []
