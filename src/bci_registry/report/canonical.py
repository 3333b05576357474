"""RFC 8785 (JSON Canonicalization Scheme) text of field values, and strict JSON parsing.

``canonical_json`` returns exactly what ``rfc8785.dumps`` returns, decoded as UTF-8.
The ``rfc8785`` library is the reference; because it is written in pure Python and is
the largest cost of sealing, ``canonical_json`` first tries the standard library's C
JSON encoder, which produces the same bytes whenever

- every object key is ASCII (then code-point order is RFC 8785's UTF-16 order),
- every integer is within the IEEE 754 safe range RFC 8785 allows, and
- every float is either integral and within the safe range (written as an integer, as
  ECMAScript does), or not integral with magnitude in [1e-4, 1e16), where Python's
  shortest round-trip ``repr`` and ECMAScript's Number-to-String agree digit for digit
  and both use plain notation.

Anything else (tiny floats, non-ASCII keys, unexpected types) goes to ``rfc8785.dumps``.
Strings are escaped identically by both (``\\" \\\\ \\b \\f \\n \\r \\t`` and ``\\u00xx``
for other controls, everything else verbatim). tests/report/test_canonical.py checks the
equality on generated values.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import rfc8785

from bci_registry import inputs

CanonicalizationError = rfc8785.CanonicalizationError
"""Raised for values JSON cannot carry canonically (NaN, huge integers, lone surrogates)."""

_SAFE_INT = 2**53 - 1
_PLAIN_FLOAT_MIN = 1e-4
_PLAIN_FLOAT_MAX = 1e16


# The C encoder, configured once: compact, sorted keys, UTF-8 text left as is.
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)


class _UseReference(Exception):
    """The fast path cannot guarantee RFC 8785 output for this value."""


def _prepare(value: Any) -> Any:
    """Copy of ``value`` in which the C encoder writes RFC 8785 text, or _UseReference."""
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if -_SAFE_INT <= value <= _SAFE_INT:
            return value
        raise _UseReference
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _UseReference
        if value.is_integer():
            if abs(value) <= _SAFE_INT:
                return int(value)  # ECMAScript writes 16.0 as "16" (and -0.0 as "0")
            raise _UseReference
        if _PLAIN_FLOAT_MIN <= abs(value) < _PLAIN_FLOAT_MAX:
            return value
        raise _UseReference
    if isinstance(value, list):
        return [_prepare(item) for item in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise _UseReference
            out[key] = _prepare(item)
        return out
    raise _UseReference


def canonical_json_bytes(value: Any) -> bytes:
    """RFC 8785 canonical UTF-8 bytes of a JSON value; CanonicalizationError if impossible."""
    try:
        return _ENCODER.encode(_prepare(value)).encode("utf-8")
    except (_UseReference, UnicodeEncodeError):
        return rfc8785.dumps(value)


def canonical_json(value: Any) -> str:
    """RFC 8785 canonical JSON text of a value (the text that becomes a report leaf)."""
    return canonical_json_bytes(value).decode("utf-8")


# In compact JSON from Python, a float that ECMAScript would write differently shows as
# an integral float ("16.0" before , } ] or the end) or in exponent form ("1e-05"). A
# match inside a string only costs the slow path, never a wrong result. (Integers beyond
# RFC 8785's safe range cannot occur: the schema bounds every number far below it.)
_NOT_PLAIN_NUMBER = re.compile(r"\d\.0(?:[,}\]]|\Z)|\de[+-]\d")


def canonical_json_of_valid_field(value: Any) -> str:
    """``canonical_json`` for a value that passed the report schema; faster, same text.

    The schema guarantees what the general function has to check node by node: every
    object key is one of its ASCII property names, every value is a JSON type, strings
    are valid Unicode, and numbers are bounded. So one pass of the C encoder is enough,
    unless a number would be written differently (see _NOT_PLAIN_NUMBER).
    """
    try:
        text = _ENCODER.encode(value)
    except (TypeError, ValueError):
        return canonical_json(value)
    # Substring tests are far cheaper than the regex and rule out most texts at once.
    suspect = ".0" in text or "e-" in text or "e+" in text
    if suspect and _NOT_PLAIN_NUMBER.search(text):
        return canonical_json(value)
    return text


class JSONInputError(ValueError):
    """Text that is not acceptable JSON input: a syntax error, a duplicate key, NaN."""


MAX_DEPTH = inputs.MAX_DEPTH
"""Deepest nesting of arrays and objects accepted; a report is about 5 levels deep."""


def parse_json(text: str) -> Any:
    """Parse JSON strictly: no duplicate keys, no NaN/Infinity, at most MAX_DEPTH levels.

    Raises JSONInputError with the reason (and line and column for syntax errors).
    """
    # One bounded parser for every file (bci_registry.inputs): the depth is checked
    # iteratively before the C decoder, which recurses per level, ever runs.
    try:
        return inputs.parse_json(text, strict_unicode=False)
    except inputs.BoundedInputError as exc:
        raise JSONInputError(str(exc)) from None
