"""Read numbers that strangers wrote, without letting one of them crash a refresh.

A member's own Mastodon server decides what `followers_count` says, and
Python's number types accept far more than a count: `1e400` decodes to
infinity (`int()` of it raises OverflowError), `"²".isdigit()` is true but
`int("²")` raises ValueError, and an integer past 2^63 fits Python but not an
SQLite column. Every count from a network passes through here and comes out
as an int between 0 and MAX_COUNT.
"""

from __future__ import annotations

import math

MAX_COUNT = 10**12
"""More followers, likes or repositories than any real account has (a trillion)."""


def ascii_int(text: str, *, ceiling: int) -> int | None:
    """Decimal ASCII digits as an int no larger than `ceiling`; None for anything else.

    Superscripts, other scripts' digits, signs and exponents are not read.
    Digit strings longer than the ceiling's are clamped without converting
    them, so a 10,000-digit header costs nothing and raises nothing.
    """
    digits = text.strip()
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    digits = digits.lstrip("0") or "0"
    if len(digits) > len(str(ceiling)):
        return ceiling
    return min(int(digits), ceiling)


def as_count(value: object) -> int:
    """A count between 0 and MAX_COUNT; anything that is not a number reads as absent (0).

    Infinity and NaN are absent rather than huge: they are not a count a
    server could have measured. Finite values beyond the range are clamped.
    """
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return min(max(0, value), MAX_COUNT)
    if isinstance(value, float):
        return min(max(0, int(value)), MAX_COUNT) if math.isfinite(value) else 0
    if isinstance(value, str):
        return ascii_int(value, ceiling=MAX_COUNT) or 0
    return 0
