"""Decode JSON from servers that may be hostile.

`json.loads` recurses once per level of nesting, so 200,000 `[` raise
RecursionError from deep inside the decoder, and it turns `1e400`,
`Infinity` and `NaN` into floats no count can hold. Here the nesting is
measured before decoding, with no recursion, and non-finite numbers decode
as null (absent), which every payload reader already tolerates.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 64
"""Deeper than any API the bot reads (Bluesky's embeds, the deepest, reach about 12)."""

_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\Z)', re.DOTALL)
"""A string, or an unterminated one up to the end: matching only closed strings would
rescan the rest of the text from every escaped quote in it (quadratic time)."""
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]++")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class NestedTooDeep(ValueError):
    """The document nests arrays and objects deeper than the limit."""


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest, brackets inside strings not counted.

    Conservative for invalid documents: the decoder stops at the first error,
    and a scan that reads past it can only find more depth, never less.
    """
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _finite_or_none(text: str) -> float | None:
    number = float(text)
    return number if math.isfinite(number) else None


def _absent(_name: str) -> None:
    return None


def decode(body: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """The decoded document. Raises NestedTooDeep, or ValueError (which
    UnicodeDecodeError is) for anything that is not JSON."""
    text = body.decode(json.detect_encoding(body), "surrogatepass")
    if text.count("[") + text.count("{") > max_depth and nesting_depth(text) > max_depth:
        raise NestedTooDeep(f"JSON nested deeper than {max_depth} levels")
    return json.loads(text, parse_float=_finite_or_none, parse_constant=_absent)
