"""Plain text out of what networks send, and the questions hidden in it.

Mastodon sends notes, fields and posts as HTML; the score's tips ("posts
with a question drew more replies") and verification ("is the code in the
bio?") both need the text a reader sees, entities decoded.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BREAKING_TAGS = frozenset({"br", "p", "div", "li", "blockquote", "pre", "h1", "h2", "h3", "tr"})
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_QUESTION_MARKS = ("?", "？", "¿", "؟")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKING_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAKING_TAGS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment: tags dropped, entities decoded, lines kept."""
    if "<" not in html and "&" not in html:
        return html.strip()
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    text = "".join(collector.parts)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def looks_like_question(text: str) -> bool:
    """A question mark in the words themselves (links often carry `?` in queries)."""
    words = _URL.sub(" ", text)
    return any(mark in words for mark in _QUESTION_MARKS)


def join_bio(*parts: str | None) -> str:
    """Every owner-controlled text field in one string, blank ones skipped."""
    return "\n".join(part.strip() for part in parts if part and part.strip())
