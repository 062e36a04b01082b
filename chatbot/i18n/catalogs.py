"""The translations, read from the .po files shipped in this package.

Each area keeps its own file (chatbot/i18n/de/commands.po, …render.po, …) so that the
people translating one part never edit the same file as another; at start-up the files
of a language become one catalog. English needs no file: its sentences are the ids.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from chatbot.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES
from chatbot.i18n.translator import Translator


def catalog_files(language: str) -> list[Traversable]:
    folder = resources.files("chatbot.i18n") / language
    if not folder.is_dir():
        return []
    return sorted((item for item in folder.iterdir() if item.name.endswith(".po")),
                  key=lambda item: item.name)


def read_catalog(language: str) -> Catalog:
    """Every file of a language as one catalog; a fuzzy entry is not a translation."""
    merged = Catalog(locale=language, domain="kloutbot")
    for item in catalog_files(language):
        with item.open("rb") as stream:
            part = read_po(stream, locale=language, ignore_obsolete=True)
        for message in part:
            if message.id and message.string and not message.fuzzy:
                merged[message.id] = message
    return merged


def _compiled(catalog: Catalog) -> gettext.GNUTranslations:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Catalogs:
    translations: dict[str, gettext.NullTranslations] = field(default_factory=dict)

    def translator(self, language: str | None) -> Translator:
        chosen = language if language in LANGUAGES else DEFAULT_LANGUAGE
        assert chosen is not None
        return Translator(chosen, self.translations.get(chosen, gettext.NullTranslations()))


@cache
def load_catalogs() -> Catalogs:
    """Read once per process: the files are part of the installed package and never change."""
    loaded: dict[str, gettext.NullTranslations] = {DEFAULT_LANGUAGE: gettext.NullTranslations()}
    for language in LANGUAGES:
        if language != DEFAULT_LANGUAGE:
            loaded[language] = _compiled(read_catalog(language))
    return Catalogs(loaded)
