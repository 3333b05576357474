"""Validation of reports and of single fields: every problem at once, each with its path.

``validate_report`` is what the chain scripts call before anything is sealed or sent;
it raises ReportInvalid listing every problem. ``report_problems`` returns the same
list without raising, for tools that only want to show it.
"""

from __future__ import annotations

from typing import Any

from bci_registry.report.checks import FIELD_CHECKS, cross_field_problems, text_problems
from bci_registry.report.errors import Found, Problem, ReportInvalid, Steps, json_path
from bci_registry.report.fields import FIELD_INDEX, REPORT_FIELDS, UnknownFieldError
from bci_registry.report.schema import (
    field_validator,
    gate_accepts,
    gate_explanation,
    report_validator,
    schema_problems,
)


def _sort_key(found: Found) -> tuple[object, ...]:
    """Order problems as the report reads: fields in REPORT_FIELDS order, then by path."""
    path, message = found
    first = path[0] if path else None
    rank = FIELD_INDEX.get(first, -1) if isinstance(first, str) else -1
    steps = tuple((0, step, "") if isinstance(step, int) else (1, 0, step) for step in path)
    return (rank, steps, message)


def to_problems(found: list[Found]) -> list[Problem]:
    """Sort, de-duplicate and format found problems."""
    unique = sorted(set(found), key=_sort_key)
    return [Problem(json_path(path), message) for path, message in unique]


def report_problems(report: Any) -> list[Problem]:
    """Every problem of a would-be bci-report/1 report; an empty list means valid.

    Runs the JSON Schema, the per-field checks and the cross-field checks, all of them,
    so that one run shows everything that needs fixing.
    """
    found: list[Found] = []
    slow_path = not gate_accepts(report)
    if slow_path:
        found = schema_problems(report_validator(), report)
    if isinstance(report, dict):
        for name in REPORT_FIELDS:
            if name in report:
                found += FIELD_CHECKS[name](report[name], (name,))
        found += cross_field_problems(report)
    if slow_path:
        # Only a report the gate rejected can hold control characters: every string of
        # the schema has a pattern that excludes them under the gate's strict "$".
        found += _new_paths(text_problems(report, ()), found)
        explanation = None if found else gate_explanation(report)
        if explanation is not None:
            # The gate and the reference validator disagree; never pass such a report.
            found = [explanation]
    return to_problems(found)


def _new_paths(extra: list[Found], found: list[Found]) -> list[Found]:
    """The problems of ``extra`` at paths that have no problem yet (one report per mistake)."""
    seen = {path for path, _ in found}
    return [item for item in extra if item[0] not in seen]


def validate_report(report: Any) -> None:
    """Raise ReportInvalid with every problem unless ``report`` is a valid bci-report/1 report."""
    problems = report_problems(report)
    if problems:
        raise ReportInvalid(problems)


def field_problems(name: str, value: Any, base: Steps | None = None) -> list[Problem]:
    """Every problem of one field's value, at paths ``$.<name>...`` (or under ``base``).

    Used for disclosed fields, which must each pass the schema on their own. Cross-field
    checks cannot run on a single field and are not made. Raises UnknownFieldError for a
    name that is not a report field.
    """
    if name not in FIELD_INDEX:
        raise UnknownFieldError(name)
    where: Steps = (name,) if base is None else base
    found = schema_problems(field_validator(name), value, where)
    found += FIELD_CHECKS[name](value, where)
    found += _new_paths(text_problems(value, where), found)
    return to_problems(found)


def validate_field(name: str, value: Any) -> None:
    """Raise ReportInvalid unless ``value`` is a valid value of report field ``name``."""
    problems = field_problems(name, value)
    if problems:
        raise ReportInvalid(problems)
