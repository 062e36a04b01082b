"""German and English: catalogs, the member's language, and locale-aware formatting."""

from chatbot.i18n.catalogs import Catalogs, load_catalogs
from chatbot.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES, choose_language, language_of
from chatbot.i18n.translator import Translator

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Catalogs",
    "Translator",
    "choose_language",
    "language_of",
    "load_catalogs",
]
