"""The bounded loader's depth scan agrees with the parser, and its limits hold."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bci_registry import inputs

_values = st.recursive(
    st.none() | st.integers() | st.text(alphabet=st.sampled_from('ab"\\[]{}\u00e9\n'), max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.text(alphabet=st.sampled_from('k"\\[{'), max_size=4), inner, max_size=3
        )
    ),
    max_leaves=20,
)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(_values, st.booleans())
def test_depth_scan_equals_the_real_depth(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=1 if ascii_only else None)
    assert inputs.json_depth(text) == _depth(value)


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ('"[[[["', 0),
        ('["\\"[[["]', 1),
        ('["\\\\", [[]]]', 3),
        ("[" * 65 + "]" * 65, 65),
        ('{"a": "}}}}", "b": [{"c": []}]}', 4),
    ],
)
def test_depth_scan_examples(text: str, depth: int) -> None:
    assert inputs.json_depth(text) == depth


def test_limits() -> None:
    with pytest.raises(inputs.BoundedInputError, match="deeper than 64"):
        inputs.parse_json("[" * 65 + "]" * 65)
    assert inputs.parse_json("[" * 64 + "]" * 64) is not None
    with pytest.raises(inputs.BoundedInputError, match="101 digits"):
        inputs.parse_json("1" * 101)
    with pytest.raises(inputs.BoundedInputError, match="out of range"):
        inputs.parse_json("1e400")
    with pytest.raises(inputs.BoundedInputError, match="lone UTF-16 surrogate"):
        inputs.parse_json('["\\ud800"]')
    assert inputs.parse_json('["\\ud83d\\ude00"]') == ["\U0001f600"]
    with pytest.raises(inputs.BoundedInputError, match="anchors and aliases"):
        inputs.parse_yaml("a: &x [1]\nb: *x\n")
    with pytest.raises(inputs.BoundedInputError, match="deeper than 64"):
        inputs.parse_yaml("- " * 100 + "x\n")
