"""Which language a member reads: their own choice, their platform's, their team's."""

from __future__ import annotations

LANGUAGES = ("en", "de")
"""English is the source language: its text is the catalogs' message ids."""
DEFAULT_LANGUAGE = "en"


def language_of(locale: str | None) -> str | None:
    """A platform's locale ("de", "de-AT", "de_DE.UTF-8", "en-GB") as one of ours, if it is."""
    if not locale:
        return None
    base = locale.replace("-", "_").split("_", 1)[0].split(".", 1)[0].casefold()
    return base if base in LANGUAGES else None


def choose_language(chosen: str | None, platform_locale: str | None,
                    team_language: str | None) -> str:
    """A member's explicit `/klout language` wins; then what their client runs in (a German
    Discord client gets German even in an English server); then the team's setting."""
    for candidate in (chosen, language_of(platform_locale), team_language):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE
