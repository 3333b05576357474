"""Every report of the invalid corpus is rejected with exactly its expected problems."""

from __future__ import annotations

from typing import Any

import pytest

from bci_registry.report import ReportInvalid, report_problems, seal_report, validate_report

from .helpers import ORG, case_report, invalid_cases

CASES = invalid_cases()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_invalid_report_gives_expected_problems(name: str, case: dict[str, Any]) -> None:
    report = case_report(case)
    problems = report_problems(report)
    expected = case["expect"]
    for want in expected:
        matching = [
            p for p in problems if p.path == want["path"] and want["message_contains"] in p.message
        ]
        assert matching, (
            f"{name}: no {want['message_contains']!r} at {want['path']}; got {problems}"
        )
    # Exactly the expected problems: one mistake is reported once, nothing else is noise.
    assert len(problems) == len(expected), f"{name}: {problems}"


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_invalid_report_is_never_sealed(name: str, case: dict[str, Any]) -> None:
    report = case_report(case)
    with pytest.raises(ReportInvalid) as raised:
        validate_report(report)
    assert raised.value.problems == tuple(report_problems(report))
    with pytest.raises(ReportInvalid):
        seal_report(report, organisation=ORG)
