"""Which sentences the code asks the catalogs for, found by reading the source.

The catalog tests compare this with the .po files: a sentence missing from German, a
translation nobody asks for any more, or placeholders that differ all fail.
`python -m chatbot.i18n` prints the missing ones as .po entries to translate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.extract import extract_from_dir

KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "N_": None,
    "Msg": None,
    "n_": (1, 2),
    "PluralMsg": (1, 2),
    # The web templates' plural call (Jinja2's i18n extension; `_` is their singular one).
    "ngettext": (1, 2),
}
SOURCES = ("chatbot", "commands")
"""Folders under the project root that hold shown text."""
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:[!:][^}]*)?\}")
_TEMPLATE_PLACEHOLDER = re.compile(r"(?<!%)%\(([A-Za-z_][A-Za-z0-9_]*)\)s")
"""Jinja2's new-style gettext fills `%(name)s` in templates, and so the same check covers
them: a translation must keep every one."""


@dataclass(frozen=True)
class Found:
    msgid: str
    plural: str | None
    where: str
    """file:line of one use."""


def project_root() -> Path:
    return Path(__file__).resolve().parents[2]


def extracted(root: Path | None = None) -> dict[str, Found]:
    """Every sentence in the source, by id (the English singular)."""
    base = root or project_root()
    found: dict[str, Found] = {}
    for folder in SOURCES:
        for filename, line, message, _comments, _context in extract_from_dir(
            str(base / folder), method_map=METHODS, keywords=KEYWORDS,
            options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        ):
            if isinstance(message, tuple):
                singular, plural = message[0], message[1] if len(message) > 1 else None
            else:
                singular, plural = message, None
            if not singular:
                continue
            where = f"{folder}/{filename}:{line}"
            found.setdefault(singular, Found(singular, plural or None, where))
    return found


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text)) | set(_TEMPLATE_PLACEHOLDER.findall(text))


def po_entry(found: Found) -> str:
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = [f"#: {found.where}", f"msgid {quoted(found.msgid)}"]
    if found.plural:
        lines += [f"msgid_plural {quoted(found.plural)}", 'msgstr[0] ""', 'msgstr[1] ""']
    else:
        lines.append('msgstr ""')
    return "\n".join(lines)


def missing(language: str, root: Path | None = None) -> Iterator[Found]:
    from chatbot.i18n.catalogs import read_catalog

    catalog = read_catalog(language)
    for msgid, found in sorted(extracted(root).items(), key=lambda item: item[1].where):
        if catalog.get(msgid) is None:
            yield found
