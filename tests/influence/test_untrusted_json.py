"""Counts and JSON from hostile servers: bounded, and never an exception but ValueError."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.influence.numbers import MAX_COUNT, as_count, ascii_int
from chatbot.influence.untrusted_json import MAX_DEPTH, NestedTooDeep, decode, nesting_depth

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


@given(JSON_VALUES)
def test_the_depth_scan_agrees_with_the_decoded_structure(value: Any) -> None:
    assert nesting_depth(json.dumps(value)) == depth(value)
    assert nesting_depth(json.dumps(value, ensure_ascii=False, indent=1)) == depth(value)


def test_brackets_and_escaped_quotes_inside_strings_do_not_count() -> None:
    text = json.dumps({"bio": "[" * 10_000 + '\\" {{{', "n": [1]})
    assert nesting_depth(text) == 2
    assert decode(text.encode())["n"] == [1]


def test_nesting_up_to_the_limit_is_read_and_one_level_more_is_refused() -> None:
    assert depth(decode(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)) == MAX_DEPTH
    with pytest.raises(NestedTooDeep):
        decode(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))


@pytest.mark.parametrize("body", [b"[" * 200_000, b'{"a":' * 200_000, b"[{}," * 200_000])
def test_bodies_that_would_exhaust_the_recursion_limit_are_refused_first(body: bytes) -> None:
    with pytest.raises(NestedTooDeep):
        decode(body)


def test_non_finite_numbers_decode_as_absent() -> None:
    body = b'{"a": 1e400, "b": -1e400, "c": Infinity, "d": -Infinity, "e": NaN, "f": 1.5}'
    assert decode(body) == {"a": None, "b": None, "c": None, "d": None, "e": None, "f": 1.5}


OPEN = b"[" * (MAX_DEPTH + 1)


@pytest.mark.parametrize(
    "body",
    [OPEN + b'"' + b'\\"' * 50_000, OPEN + b'"' + b"\\" * 100_001, OPEN + b'{"a' * 25_000],
    ids=["escaped-quotes", "backslashes", "open-strings"],
)
def test_unterminated_strings_are_scanned_in_linear_time(body: bytes) -> None:
    """A scan that restarted at every escaped quote took minutes for these 100 KB
    (the opening brackets make the scan necessary)."""
    started = time.perf_counter()
    with pytest.raises(ValueError):
        decode(body)
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("body", [b"<html>", b"\xff\xfe\x00", b'{"a": 1', b"[1]]"])
def test_anything_that_is_not_json_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        decode(body)


@given(st.binary(max_size=200))
def test_decoding_arbitrary_bytes_raises_nothing_but_value_error(body: bytes) -> None:
    with contextlib.suppress(ValueError):
        decode(body)


@given(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text()
    | st.lists(st.integers(), max_size=2)
)
def test_any_value_reads_as_a_count_in_range(value: object) -> None:
    count = as_count(value)
    assert type(count) is int and 0 <= count <= MAX_COUNT


@given(st.integers(min_value=0, max_value=MAX_COUNT))
def test_real_counts_read_as_themselves_as_numbers_and_as_digit_strings(value: int) -> None:
    assert as_count(value) == as_count(str(value)) == as_count(float(value)) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [(float("inf"), 0), (float("nan"), 0), (-3, 0), (True, 0), (2**63, MAX_COUNT),
     (1e300, MAX_COUNT), ("²", 0), ("١٢", 0), ("1e3", 0), ("-4", 0), (" 12 ", 12),
     ("9" * 5000, MAX_COUNT)],
)
def test_hostile_counts_are_clamped_or_absent(value: object, expected: int) -> None:
    assert as_count(value) == expected


@given(st.text(max_size=30))
def test_ascii_int_reads_only_plain_decimal_digits(text: str) -> None:
    value = ascii_int(text, ceiling=10**6)
    plain = text.strip()
    if plain and plain.isascii() and plain.isdigit():
        assert value == min(int(plain), 10**6)
    else:
        assert value is None
