"""`python -m chatbot.i18n [LANGUAGE [PATH_PREFIX]]`: the sentences a language's catalogs
still lack, as .po entries ready to translate (paste them into the area's file under
chatbot/i18n/de/); `python -m chatbot.i18n de commands/` lists one area's."""

from __future__ import annotations

import sys

from chatbot.i18n.extraction import missing, po_entry


def main(argv: list[str]) -> int:
    language = argv[1] if len(argv) > 1 else "de"
    prefix = argv[2] if len(argv) > 2 else ""
    entries = [po_entry(found) for found in missing(language) if found.where.startswith(prefix)]
    print("\n\n".join(entries))
    print(f"# {len(entries)} missing in {language}", file=sys.stderr)
    return 1 if entries else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
