"""Checks every network's handle parser shares, before its own syntax rules.

Handles arrive from chat, where pasted text carries invisible characters,
bidi overrides and stray whitespace. Rejecting those with a clear message
beats storing a handle that looks right and never resolves.
"""

from __future__ import annotations

import re
import unicodedata

from chatbot.values.message import Msg
from chatbot.values.network_errors import InvalidHandle

MAX_HANDLE_INPUT = 256

_DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def clean_handle_input(raw: object, *, hint: Msg) -> str:
    """The raw text trimmed, or InvalidHandle if it cannot be a handle on any network."""
    if not isinstance(raw, str):
        raise InvalidHandle(hint)
    if len(raw) > MAX_HANDLE_INPUT:
        raise InvalidHandle(Msg("That handle is too long. {hint}", hint=hint))
    text = raw.strip(" \t\r\n")
    if any(unicodedata.category(char).startswith("C") for char in text):
        raise InvalidHandle(Msg("That handle contains invisible or control characters. {hint}",
                                hint=hint))
    if any(char.isspace() for char in text):
        raise InvalidHandle(Msg("A handle has no spaces. {hint}", hint=hint))
    if not text:
        raise InvalidHandle(Msg("The handle is empty. {hint}", hint=hint))
    return text


def is_domain_name(name: str, *, min_labels: int = 2) -> bool:
    """A lowercase ASCII DNS name: 1-63 character labels, no edge hyphens, a real TLD."""
    if len(name) > 253:
        return False
    labels = name.split(".")
    if len(labels) < min_labels:
        return False
    if not all(_DNS_LABEL.fullmatch(label) for label in labels):
        return False
    # A numeric last label would make an IPv4 address look like a name.
    return not labels[-1].isdigit()


def to_ascii_domain(name: str) -> str | None:
    """The IDNA (punycode) form of a possibly international domain, lowercased."""
    lowered = name.lower()
    if lowered.isascii():
        return lowered
    try:
        return lowered.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
