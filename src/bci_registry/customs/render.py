"""The verdict for people (every check, ok or FAILED, with its detail) and for machines (JSON)."""

from __future__ import annotations

import json

from bci_registry.customs.checks import CHECKS, ReportVerdict, iso
from bci_registry.customs.verify import Outcome
from bci_registry.registry import organisation_label

_TITLE_WIDTH = max(len(title) for _, title in CHECKS)


def report_text(verdict: ReportVerdict) -> str:
    head = "PASS" if verdict.passed else "FAIL"
    evidence = verdict.evidence
    lines = [
        f"{head}  {evidence.path}",
        f"      {evidence.kind}, root {evidence.root_hex}"
        + (
            f", organisation {organisation_label(evidence.organisation)}"
            if evidence.organisation is not None
            else ""
        ),
        f"      checked at block time {iso(verdict.view.checked_at)}",
    ]
    if verdict.view.report.paused:
        lines.append("      the registry is PAUSED")
    for check in verdict.checks:
        mark = "ok    " if check.ok else "FAILED"
        lines.append(f"  {mark}  {check.title:<{_TITLE_WIDTH}}  {check.detail}")
    return "\n".join(lines)


def outcome_text(outcome: Outcome) -> str:
    blocks = [report_text(v) for v in outcome.verdicts]
    total = len(outcome.verdicts)
    failed = [v for v in outcome.verdicts if not v.passed]
    where = f"chain {outcome.chain_id}, attestation registry {outcome.deployment.attestations}"
    # One shape for PASS and FAIL, so a clearance system can read the last line alike.
    summary = final_line(not failed, total - len(failed), total, where)
    return "\n\n".join([*blocks, summary])


def final_line(passed: bool, passing: int, total: int, where: str) -> str:
    """``PASS: 1 of 1 report passes (...)`` / ``FAIL: 0 of 1 report passes (...)``."""
    verb = "passes" if total == 1 else "pass"
    noun = "report" if total == 1 else "reports"
    return f"{'PASS' if passed else 'FAIL'}: {passing} of {total} {noun} {verb} ({where})"


def outcome_json(outcome: Outcome) -> str:
    return json.dumps(outcome.to_json(), indent=2, ensure_ascii=False)
