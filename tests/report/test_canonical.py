"""Our canonical JSON is byte-for-byte rfc8785's; strict parsing refuses ambiguous JSON."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from bci_registry.report.canonical import (
    CanonicalizationError,
    JSONInputError,
    canonical_json,
    canonical_json_bytes,
    canonical_json_of_valid_field,
    parse_json,
)

SAFE = 2**53 - 1

# Floats across every magnitude, with the awkward ones made likely: integral values,
# tiny and huge exponents, negative zero.
floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(10**6), 10**6).map(float),
    st.sampled_from([0.0, -0.0, 1e-4, 9.99e-5, 1e-7, 1e16, 1e21, 1e22, 123e-20, 5e-324]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-SAFE, SAFE),
    floats,
    st.text(),  # any Unicode, controls included
)


def json_values(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4)
        ),
        max_leaves=20,
    )


@settings(max_examples=400)
@given(json_values(st.text()))
def test_canonical_json_equals_rfc8785(value: Any) -> None:
    assert canonical_json_bytes(value) == rfc8785.dumps(value)
    assert canonical_json(value) == rfc8785.dumps(value).decode("utf-8")


@settings(max_examples=400)
@given(json_values(st.text(alphabet=st.characters(max_codepoint=127), max_size=8)))
def test_fast_path_for_valid_fields_equals_rfc8785(value: Any) -> None:
    # The fast path's precondition: ASCII keys (the schema's property names).
    assert canonical_json_of_valid_field(value) == rfc8785.dumps(value).decode("utf-8")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"b": 1, "a": [16.0, 0.5, -0.0]}, '{"a":[16,0.5,0],"b":1}'),
        (1e-7, "1e-7"),
        (1e21, "1e+21"),
        (0.00001, "0.00001"),
        ("é\n\u2028", '"é\\n\u2028"'),
    ],
)
def test_known_canonical_forms(value: Any, text: str) -> None:
    assert canonical_json(value) == text
    assert canonical_json_of_valid_field(value) == text


@pytest.mark.parametrize("value", [float("nan"), 2**53, "\ud800", {1: "a"}])
def test_values_without_a_canonical_form_are_refused(value: Any) -> None:
    with pytest.raises(CanonicalizationError):
        canonical_json(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ('{"a": NaN}', "NaN is not valid JSON"),
        ('{"a": Infinity}', "Infinity is not valid JSON"),
        ('{"a": 1,}', "line 1, column 9"),
        ("", "not valid JSON"),
    ],
)
def test_strict_parse(text: str, message: str) -> None:
    with pytest.raises(JSONInputError, match=message):
        parse_json(text)


def test_deep_nesting_is_refused_cleanly() -> None:
    with pytest.raises(JSONInputError, match="nested deeper than 64 levels"):
        parse_json("[" * 100_000 + "]" * 100_000)


def test_nesting_limit_ignores_brackets_inside_strings() -> None:
    text = '{"a": "' + "[" * 500 + '\\"[[["}'
    assert parse_json(text) == {"a": "[" * 500 + '"[[['}
