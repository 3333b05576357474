"""The shipped schema: well-formed, complete, and the fast gate agrees with the reference."""

from __future__ import annotations

import copy
import json
import re
from importlib import resources
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from bci_registry.report import REPORT_FIELDS, field_problems, report_problems, validate_field
from bci_registry.report.checks import text_problems
from bci_registry.report.errors import ReportInvalid
from bci_registry.report.schema import (
    SCHEMA_FILE,
    field_validator,
    gate_accepts,
    report_schema,
    report_validator,
)
from bci_registry.report.validation import to_problems

from .helpers import SAMPLE_NAMES, sample


def test_schema_ships_in_the_package_and_is_draft_2020_12() -> None:
    text = resources.files("bci_registry").joinpath(SCHEMA_FILE).read_text("utf-8")
    schema = json.loads(text)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema == report_schema()


def test_top_level_is_the_marker_and_the_twelve_fields_closed() -> None:
    schema = report_schema()
    assert list(schema["properties"]) == ["schema", *REPORT_FIELDS]
    assert schema["required"] == ["schema", *REPORT_FIELDS]
    assert schema["additionalProperties"] is False


def _schema_objects(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        found.append(node)
        for key, value in node.items():
            if key in ("properties", "$defs"):
                for sub in value.values():
                    found += _schema_objects(sub)
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                found += _schema_objects(value)
    return found


def test_every_object_is_closed_and_every_string_is_constrained() -> None:
    for node in _schema_objects(report_schema()):
        if node.get("type") == "object":
            assert node.get("additionalProperties") is False, node
        if node.get("type") == "string":
            # A pattern that excludes control characters (under a strict "$"), so a report
            # the gate accepts cannot hide one.
            pattern = node["pattern"]
            assert pattern.startswith("^") and pattern.endswith("$"), node
            assert not re.search(pattern.replace("$", r"\Z"), "a\x01b"), node


def test_every_definition_is_used() -> None:
    text = json.dumps(report_schema())
    for name in report_schema()["$defs"]:
        assert f'"#/$defs/{name}"' in text, name


@pytest.mark.parametrize("name", REPORT_FIELDS)
def test_each_field_validates_on_its_own(name: str) -> None:
    for sample_name in SAMPLE_NAMES:
        assert field_problems(name, sample(sample_name)[name]) == []
    assert list(field_validator(name).iter_errors(sample(SAMPLE_NAMES[0])[name])) == []
    with pytest.raises(ReportInvalid) as raised:
        validate_field(name, None)
    assert raised.value.problems[0].path == f"$.{name}"


def test_field_problems_refuses_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown report field"):
        field_problems("colour", "red")


# --- the gate agrees with the reference validator --------------------------------------

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.just("CID123456\n"),
    st.just("2025-01-01"),
    st.lists(st.integers(0, 6), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


@st.composite
def mutated_reports(draw: st.DrawFn) -> Any:
    report = copy.deepcopy(sample(draw(st.sampled_from(SAMPLE_NAMES))))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(report)[1:]))
        parent = report
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=6))] = draw(junk)
        else:
            parent[path[-1]] = draw(junk)
    return report


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_reports())
def test_gate_agrees_with_the_reference_validator(report: Any) -> None:
    reference_ok = not any(True for _ in report_validator().iter_errors(report))
    if gate_accepts(report):
        assert reference_ok
    elif reference_ok:
        # The only allowed disagreement: the gate's strict "$" refuses a control
        # character (say a trailing newline) that Python's "$" lets through. The report
        # is still refused, with a problem at that string: the control-character check,
        # or the string's own check when it has one (an EORI number, say).
        with_control_characters = {p.path for p in to_problems(text_problems(report, ()))}
        assert with_control_characters
        assert any(p.path in with_control_characters for p in report_problems(report))


@settings(max_examples=200, deadline=None)
@given(mutated_reports())
def test_every_rejected_report_names_at_least_one_problem(report: Any) -> None:
    problems = report_problems(report)
    if not gate_accepts(report):
        assert problems
    for problem in problems:
        assert problem.path.startswith("$")
        assert problem.message


@st.composite
def reports_with_a_control_character(draw: st.DrawFn) -> Any:
    report = copy.deepcopy(sample(draw(st.sampled_from(SAMPLE_NAMES))))
    strings = [p for p in _paths(report)[1:] if isinstance(_get(report, p), str)]
    path = draw(st.sampled_from(strings))
    text = _get(report, path)
    at = draw(st.integers(0, len(text)))
    char = draw(st.sampled_from(["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\ud800"]))
    parent = _get(report, path[:-1])
    parent[path[-1]] = text[:at] + char + text[at:]
    return report


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


@settings(max_examples=200, deadline=None)
@given(reports_with_a_control_character())
def test_a_control_character_in_any_string_is_refused(report: Any) -> None:
    assert not gate_accepts(report)
    assert report_problems(report)
