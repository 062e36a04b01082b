"""German command descriptions in a German Discord client, from the same catalogs as
every other text.

discord.py asks the tree's translator for every `locale_str` once per Discord locale when
the commands are synced, and uploads the answers as `description_localizations`; a
client then shows the description of its own language. discord.py offers every string
(names and choices too); only the descriptions marked with their catalog id are
translated: command names, option names and choice values stay what people type.
"""

from __future__ import annotations

import discord
from discord import app_commands

from chatbot.i18n import DEFAULT_LANGUAGE, Catalogs, language_of
from chatbot.platforms.discord_commands import describe


class CatalogTranslator(app_commands.Translator):
    """Looks a description's English text up in the catalogs of the locale's language."""

    def __init__(self, catalogs: Catalogs) -> None:
        super().__init__()
        self._catalogs = catalogs

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        """None (Discord shows the English text) for English and languages we don't
        speak, for a text the catalogs don't translate yet, and for every string not
        marked by `discord_commands.localized`: discord.py hands names and choices here
        too, and those stay what people type."""
        language = language_of(locale.value)
        msgid = string.extras.get("msgid")
        if language is None or language == DEFAULT_LANGUAGE or not isinstance(msgid, str):
            return None
        translated = self._catalogs.translator(language)._(msgid)
        return describe(translated) if translated != msgid else None
