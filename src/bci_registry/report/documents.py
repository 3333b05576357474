"""Checks shared by the sealed report and disclosure file formats.

Both files carry leaves ``{type, name, value, salt}`` and a few fixed keys; these
functions check them and collect problems with their paths instead of stopping at the
first one.
"""

from __future__ import annotations

import json
from typing import Any

from bci_registry.report.canonical import (
    CanonicalizationError,
    JSONInputError,
    canonical_json,
    parse_json,
)
from bci_registry.report.errors import PathPart, Problem, json_path
from bci_registry.report.fields import FIELD_INDEX, LEAF_TYPE, REPORT_FIELDS, SCHEMA_ID
from bci_registry.report.leaves import FieldLeaf, parse_hex32

_LEAF_KEYS = ("type", "name", "value", "salt")


def check_keys(
    obj: dict[str, Any], allowed: tuple[str, ...], path: tuple[PathPart, ...], out: list[Problem]
) -> None:
    """Report keys of ``allowed`` that are missing and keys that are not in it."""
    for key in allowed:
        if key not in obj:
            out.append(Problem(json_path((*path, key)), "required field is missing"))
    for key in obj:
        if key not in allowed:
            out.append(
                Problem(
                    json_path((*path, key)), f"unknown field; expected only: {', '.join(allowed)}"
                )
            )


def check_schema_id(obj: dict[str, Any], out: list[Problem]) -> None:
    """Report a ``schema`` other than bci-report/1."""
    if "schema" in obj and obj["schema"] != SCHEMA_ID:
        out.append(
            Problem(
                "$.schema", f"expected {json.dumps(SCHEMA_ID)}, got {json.dumps(obj['schema'])}"
            )
        )


def read_leaf(
    raw: Any, path: tuple[PathPart, ...], out: list[Problem]
) -> tuple[FieldLeaf, Any] | None:
    """Check one ``{type, name, value, salt}`` leaf from a file; return it and its parsed value.

    Problems go to ``out`` (paths under ``path``); returns None if the leaf is unusable.
    The value must be the RFC 8785 text of itself: the root commits to exact bytes, and
    one canonical spelling per value is what lets anyone recompute it.
    """
    if not isinstance(raw, dict):
        out.append(Problem(json_path(path), "expected a leaf object {type, name, value, salt}"))
        return None
    before = len(out)
    check_keys(raw, _LEAF_KEYS, path, out)
    leaf_type, name, value = raw.get("type"), raw.get("name"), raw.get("value")
    if "type" in raw and leaf_type != LEAF_TYPE:
        out.append(
            Problem(json_path((*path, "type")), f'expected "string", got {_show(leaf_type)}')
        )
    if "name" in raw and (not isinstance(name, str) or name not in FIELD_INDEX):
        out.append(
            Problem(
                json_path((*path, "name")),
                f"expected a report field name, got {_show(name)}; the fields are: "
                + ", ".join(REPORT_FIELDS),
            )
        )
    salt = parse_hex32(raw.get("salt"))
    if "salt" in raw and salt is None:
        out.append(
            Problem(json_path((*path, "salt")), "expected a 32-byte salt: 0x + 64 hex digits")
        )
    parsed: Any = None
    if "value" in raw:
        if not isinstance(value, str):
            out.append(
                Problem(json_path((*path, "value")), "expected the field's JSON text (a string)")
            )
        else:
            try:
                parsed = parse_json(value)
                canonical = canonical_json(parsed)
            except (JSONInputError, CanonicalizationError) as exc:
                out.append(Problem(json_path((*path, "value")), f"expected JSON text: {exc}"))
            else:
                if canonical != value:
                    out.append(
                        Problem(
                            json_path((*path, "value")),
                            "expected RFC 8785 canonical JSON text (sorted keys, no spaces, "
                            "shortest numbers)",
                        )
                    )
    if len(out) > before:
        return None
    assert isinstance(name, str) and isinstance(value, str) and salt is not None
    return FieldLeaf(LEAF_TYPE, name, value, salt), parsed


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"
