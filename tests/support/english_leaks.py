"""Finds English sentences from the catalogs in text that should be all German.

For every message whose German differs from its English, the English pieces between
placeholders that hold at least three words are looked for in the output: finding one
means a sentence reached a German reader untranslated (or was glued from English parts).
A piece that the German translation itself keeps (a command such as `/klout config
channel`, a Slack settings page's name) is not a leak and is skipped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from functools import cache

from babel.messages.pofile import read_po

from chatbot.i18n.catalogs import catalog_files

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_WORD = re.compile(r"[A-Za-z][A-Za-z']+")
MIN_WORDS = 3


@cache
def english_pieces(files: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The English pieces to look for, from the German .po files named (all when empty)."""
    pieces: set[str] = set()
    for item in catalog_files("de"):
        if files and item.name not in files:
            continue
        with item.open("rb") as stream:
            catalog = read_po(stream, locale="de")
        for message in catalog:
            if not message.id or not message.string:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            german = " ".join(strings)
            for english in ids:
                if english in strings:
                    continue
                for piece in _PLACEHOLDER.split(english.replace("{{", "{").replace("}}", "}")):
                    piece = piece.strip(" :;,.()")
                    if len(_WORD.findall(piece)) >= MIN_WORDS and piece not in german:
                        pieces.add(piece)
    return tuple(sorted(pieces, key=len, reverse=True))


def english_in(text: str, files: Collection[str] = ()) -> list[str]:
    """The English pieces found in `text` (Slack-escaped or wrapped, too); [] when none.

    `files` limits the check to some areas' catalogs (e.g. ("platforms.po",)) while other
    areas are still being translated."""
    plain = " ".join(html.unescape(text).split())  # a terminal's line breaks are spaces
    return [piece for piece in english_pieces(tuple(sorted(files))) if piece in plain]
