"""The bci-report/1 JSON Schema: loading it, compiled validators, readable messages.

The schema ships inside the package (``bci_registry/schemas/bci-report-1.schema.json``).
Validators are compiled once per process and cached, because building one costs far
more than using it.

Two validators serve two purposes. ``jsonschema`` (pure Python, draft 2020-12) is the
reference and lists every violation with its path; it takes about 5 ms per report, too
slow for the throughput target. So every report first meets a ``jsonschema-rs`` gate
(the same schema, compiled in Rust, about 40 µs) that only answers "valid or not", and
only a rejected report is then explained by ``jsonschema``. The two differ in one known
way: patterns are ECMA-262-like in Rust, where ``$`` is the very end of the string,
while Python's ``re`` also lets ``$`` match before a final line break. The gate is the
stricter one; ``checks.text_problems`` explains what it rejects for that reason.
tests/report/test_schema.py checks that both agree on generated reports otherwise.

jsonschema's own messages are written for schema authors ("'x' does not match
'^CID[0-9]{6}$'"); ``schema_problems`` rewrites them as what was expected, using the
schema's ``x-expected`` phrases, and puts each at the path of the value concerned (a
missing or unknown field gets its own path).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from bci_registry.report.errors import Found, Steps
from bci_registry.report.fields import REPORT_FIELDS

SCHEMA_FILE = "schemas/bci-report-1.schema.json"
"""Location of the schema inside the ``bci_registry`` package."""


@functools.cache
def _schema_text() -> str:
    return resources.files("bci_registry").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def report_schema() -> dict[str, Any]:
    """A fresh copy of the bci-report/1 JSON Schema (draft 2020-12) as a dict."""
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


@functools.cache
def report_validator() -> Validator:
    """The compiled validator of a whole report (cached; checked against the meta-schema once)."""
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    # No format checker on purpose: dates, timestamps and URLs are parsed for real by
    # bci_registry.report.checks, instead of depending on optional format libraries.
    return Draft202012Validator(schema)


@functools.cache
def field_validator(name: str) -> Validator:
    """The compiled validator of one field's value, for disclosed fields (cached per field)."""
    if name not in REPORT_FIELDS:
        raise KeyError(name)
    schema = report_schema()
    return Draft202012Validator(
        {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{name}"}
    )


@functools.cache
def _report_gate() -> jsonschema_rs.Validator:
    # Formats stay annotations, as for the reference validator: checks.py parses dates,
    # timestamps and URLs for real. offline: every $ref is local, nothing is fetched.
    return jsonschema_rs.validator_for(report_schema(), validate_formats=False, offline=True)


def gate_accepts(report: Any) -> bool:
    """True if the fast gate finds ``report`` schema-valid (no explanation either way)."""
    try:
        return _report_gate().is_valid(report)
    except (UnicodeEncodeError, ValueError, TypeError):
        # Values Rust cannot take (lone surrogates, non-JSON types) are not valid JSON
        # reports; the reference validator and the text check explain them.
        return False


def gate_explanation(report: Any) -> Found | None:
    """The gate's own first complaint about ``report`` (path and message), if it has one."""
    try:
        _report_gate().validate(report)
    except jsonschema_rs.ValidationError as exc:
        return (tuple(exc.instance_path), f"rejected by the report schema: {exc.message}")
    except (UnicodeEncodeError, ValueError, TypeError) as exc:
        return ((), f"not a JSON report: {exc}")
    return None


_TYPE_PHRASES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "null": "null",
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a non-JSON {type(value).__name__}"


def show(value: Any, limit: int = 80) -> str:
    """A value as JSON for a message: scalars literally (cut to ``limit``), containers by type."""
    if isinstance(value, dict | list):
        return _json_type(value)
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return _json_type(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _bounds(schema: dict[str, Any]) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    xlow, xhigh = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    parts = []
    if low is not None:
        parts.append(f"at least {low}")
    if xlow is not None:
        parts.append(f"above {xlow}")
    if high is not None:
        parts.append(f"at most {high}")
    if xhigh is not None:
        parts.append(f"below {xhigh}")
    return "a number " + " and ".join(parts)


def _translate(error: ValidationError, base: Steps) -> list[Found]:
    """Turn one jsonschema error into problems at the paths a user looks at."""
    path: Steps = (*base, *error.absolute_path)
    keyword = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    expected = schema.get("x-expected")
    rule = error.validator_value
    value = error.instance

    if keyword == "required" and isinstance(value, dict):
        return [((*path, key), "required field is missing") for key in rule if key not in value]
    if keyword == "additionalProperties" and isinstance(value, dict):
        allowed = list(schema.get("properties", {}))
        return [
            ((*path, key), f"unknown field; expected only: {', '.join(allowed)}")
            for key in value
            if key not in allowed
        ]
    if keyword == "type":
        want = expected or _TYPE_PHRASES.get(str(rule), str(rule))
        return [(path, f"expected {want}, got {_json_type(value)}")]
    if keyword == "enum":
        choices = ", ".join(json.dumps(choice) for choice in rule)
        return [(path, f"expected one of {choices}; got {show(value)}")]
    if keyword == "const":
        return [(path, f"expected {json.dumps(rule)}, got {show(value)}")]
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return [(path, f"expected {expected or _bounds(schema)}, got {show(value)}")]
    if keyword in ("pattern", "minLength", "maxLength"):
        want = expected or f"a string matching {rule}"
        return [(path, f"expected {want}, got {show(value)}")]
    if keyword == "minItems" and isinstance(value, list):
        return [(path, f"expected at least {_plural(rule, 'item')}, got {len(value)}")]
    if keyword == "maxItems" and isinstance(value, list):
        return [(path, f"expected at most {_plural(rule, 'item')}, got {len(value)}")]
    if keyword == "uniqueItems":
        return [(path, "expected no repeated items")]
    return [(path, error.message)]


def schema_problems(validator: Validator, instance: Any, base: Steps = ()) -> list[Found]:
    """Every schema violation of ``instance``, translated, with paths under ``base``."""
    out: list[Found] = []
    for error in validator.iter_errors(instance):
        out += _translate(error, base)
    return out
