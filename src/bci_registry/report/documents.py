"""Checks shared by the sealed report and disclosure file formats.

Both files carry leaves ``{type, name, value, salt}`` (the 12 report fields and the
organisation leaf) and a few fixed keys; these functions check them and collect problems
with their paths instead of stopping at the first one.
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
from bci_registry.report.fields import (
    FIELD_INDEX,
    LEAF_TYPE,
    ORGANISATION_LEAF,
    ORGANISATION_LEAF_TYPE,
    REPORT_FIELDS,
    SCHEMA_ID,
)
from bci_registry.report.leaves import FieldLeaf, hex32, parse_hex32

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


ORGANISATION_LEAF_SHAPE = (
    '{"type": "bytes32", "name": "organisation", "value": "0x<64 hex: the organisation id>", '
    '"salt": "0x<64 hex>"}'
)
"""How the organisation leaf looks in a file, for messages."""


def read_leaf(
    raw: Any, path: tuple[PathPart, ...], out: list[Problem]
) -> tuple[FieldLeaf, Any] | None:
    """Check one ``{type, name, value, salt}`` leaf from a file; return it and its parsed value.

    A report field leaf has type ``"string"`` and its value must be the RFC 8785 text of
    itself: the root commits to exact bytes, and one canonical spelling per value is what
    lets anyone recompute it; the parsed value is the field's JSON value. The organisation
    leaf has type ``"bytes32"`` and a value of ``0x`` + 64 hex digits (kept lowercase);
    its parsed value is the 32-byte id.

    Problems go to ``out`` (paths under ``path``); returns None if the leaf is unusable.
    """
    if not isinstance(raw, dict):
        out.append(Problem(json_path(path), "expected a leaf object {type, name, value, salt}"))
        return None
    before = len(out)
    check_keys(raw, _LEAF_KEYS, path, out)
    leaf_type, name, value = raw.get("type"), raw.get("name"), raw.get("value")
    is_organisation = name == ORGANISATION_LEAF
    if (
        "name" in raw
        and not is_organisation
        and (not isinstance(name, str) or name not in FIELD_INDEX)
    ):
        out.append(
            Problem(
                json_path((*path, "name")),
                f'expected a report field name or "{ORGANISATION_LEAF}", got {_show(name)}; '
                "the fields are: " + ", ".join(REPORT_FIELDS),
            )
        )
    want_type = ORGANISATION_LEAF_TYPE if is_organisation else LEAF_TYPE
    if "type" in raw and leaf_type != want_type:
        whose = "the organisation leaf" if is_organisation else "a report field leaf"
        out.append(
            Problem(
                json_path((*path, "type")),
                f'expected "{want_type}" ({whose}), got {_show(leaf_type)}',
            )
        )
    salt = parse_hex32(raw.get("salt"))
    if "salt" in raw and salt is None:
        out.append(
            Problem(json_path((*path, "salt")), "expected a 32-byte salt: 0x + 64 hex digits")
        )
    parsed: Any = None
    if "value" in raw and is_organisation:
        parsed = parse_hex32(value)
        if parsed is None:
            out.append(
                Problem(
                    json_path((*path, "value")),
                    f"expected the 32-byte organisation id: 0x + 64 hex digits, got {_show(value)}",
                )
            )
        elif parsed == bytes(32):
            out.append(
                Problem(
                    json_path((*path, "value")),
                    "the organisation id is zero; the registry gives no organisation that id",
                )
            )
        else:
            value = hex32(parsed)
    elif "value" in raw:
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
    return FieldLeaf(want_type, name, value, salt), parsed


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"
