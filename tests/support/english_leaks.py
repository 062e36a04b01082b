"""Finds English sentences from the catalogs in text that should be all German.

For every message whose German differs from its English, the English sentences (and the
parts of them between placeholders) that hold at least three words are looked for in the
output, and so is each whole message of at least three words with any values in its
placeholders: finding one means a sentence reached a German reader untranslated (or was
glued from English parts).
A piece that some German translation keeps as it is (a command line such as `/klout
config SETTING VALUE`, a Slack settings page's name) is not a leak and is skipped.
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
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
_VALUE = r".{1,300}?"
"""What a placeholder may hold inside a pattern."""
MIN_WORDS = 3
Message = tuple[str, tuple[str, ...], tuple[str, ...]]
"""(.po file name, English forms, German forms)."""
MIN_GERMAN_WORDS = 2
"""German answers can be short ("Ziel gelöscht."); two German words already say German."""


@cache
def english_pieces(files: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The English pieces to look for, from the German .po files named (all when empty)."""
    return _pieces(files, german=False)


@cache
def german_pieces() -> tuple[str, ...]:
    """The German pieces of every translation (to tell that an answer is German at all)."""
    return _pieces((), german=True)


def _sentences(text: str) -> list[str]:
    """The text's sentences (and parts of sentences between placeholders), trimmed."""
    found = []
    for part in _PLACEHOLDER.split(text.replace("{{", "{").replace("}}", "}")):
        found += [piece.strip(" :;,.()…") for piece in _SENTENCE_END.split(part)]
    return found


@cache
def _messages() -> tuple[Message, ...]:
    """(file name, English forms, German forms) of every translated message."""
    found = []
    for item in catalog_files("de"):
        with item.open("rb") as stream:
            catalog = read_po(stream, locale="de")
        for message in catalog:
            if not message.id or not message.string:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            found.append((item.name, tuple(ids), tuple(strings)))
    return tuple(found)


def _pieces(files: tuple[str, ...], *, german: bool) -> tuple[str, ...]:
    return pieces_of(_messages(), files, german=german)


def pieces_of(messages: tuple[Message, ...], files: tuple[str, ...] = (), *,
              german: bool = False) -> tuple[str, ...]:
    """A piece that the other language also writes somewhere (a command line German
    keeps, a German word inside an English sentence) tells nothing and is left out."""
    everything_else = "\n".join(text for _, ids, strings in messages
                                for text in (ids if german else strings))
    pieces: set[str] = set()
    for name, ids, strings in messages:
        if files and name not in files:
            continue
        for text in (strings if german else ids):
            if text in (ids if german else strings):
                continue
            for piece in _sentences(text):
                words = len(_WORD.findall(piece))
                if words >= (MIN_GERMAN_WORDS if german else MIN_WORDS) \
                        and piece not in everything_else:
                    pieces.add(piece)
    return tuple(sorted(pieces, key=len, reverse=True))


def _pattern(text: str, min_words: int) -> re.Pattern[str] | None:
    """The whole message with any values in its placeholders, when its own words are
    enough to tell (short pieces such as "empfiehlt … für" say German only together)."""
    parts = [" ".join(part.split())
             for part in _PLACEHOLDER.split(text.replace("{{", "{").replace("}}", "}"))]
    literal = [part for part in parts if part.strip(" :;,.()…")]
    if len(parts) < 2 or len(_WORD.findall(" ".join(literal))) < min_words:
        return None
    return re.compile(_VALUE.join(re.escape(part) for part in literal))


@cache
def _patterns(files: tuple[str, ...], german: bool) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return patterns_of(_messages(), files, german=german)


def patterns_of(messages: tuple[Message, ...], files: tuple[str, ...] = (), *,
                german: bool = False) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(message, pattern) for each message with placeholders; one the other language
    also matches somewhere is left out, as with pieces."""
    everything_else = "\n".join(" ".join(text.split()) for _, ids, strings in messages
                                for text in (ids if german else strings))
    found: dict[str, re.Pattern[str]] = {}
    for name, ids, strings in messages:
        if files and name not in files:
            continue
        for text in (strings if german else ids):
            if text in (ids if german else strings):
                continue
            pattern = _pattern(text, MIN_GERMAN_WORDS if german else MIN_WORDS)
            if pattern is not None and not pattern.search(everything_else):
                found[text] = pattern
    return tuple(found.items())


def _found(text: str, pieces: tuple[str, ...],
           patterns: tuple[tuple[str, re.Pattern[str]], ...]) -> list[str]:
    plain = " ".join(html.unescape(text).split())  # a terminal's line breaks are spaces
    hits = [piece for piece in pieces if piece in plain]
    return hits + [message for message, pattern in patterns
                   if pattern.search(plain) and not any(hit in message for hit in hits)]


def english_in(text: str, files: Collection[str] = ()) -> list[str]:
    """The English found in `text` (Slack-escaped or wrapped, too): sentences and pieces,
    and whole messages with their values filled in; [] when none.

    `files` limits the check to some areas' catalogs (e.g. ("platforms.po",)) while other
    areas are still being translated."""
    chosen = tuple(sorted(files))
    return _found(text, english_pieces(chosen), _patterns(chosen, False))


def german_in(text: str) -> list[str]:
    """The German of the catalogs found in `text`: [] means nothing was translated."""
    return _found(text, german_pieces(), _patterns((), True))
