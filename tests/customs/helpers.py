"""Fabricated customs views, evidence and files for the customs tests."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from bci_registry.customs.checks import Delivery
from bci_registry.customs.evidence import DISCLOSURE, SEALED, Evidence
from bci_registry.customs.view import ANCHORED, AttestationRecord, CustomsView, ReportRecord
from bci_registry.report import REPORT_FIELDS, disclose, load_report, seal_report
from bci_registry.report.files import write_text

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "nmc811-module-kr-to-de.json"
REPORT_ROOT = bytes.fromhex("ab" * 32)
SUCCESSOR = bytes.fromhex("cd" * 32)
PREDECESSOR = bytes.fromhex("ef" * 32)
ORG = b"KR-EORI-KR1234567890123".ljust(32, b"\0")
VERIFIER = "0x" + "11" * 20
VERIFIER_ID = bytes.fromhex("22" * 32)
NOW = 1_800_000_000
ANCHORED_AT = NOW - 3_600
DELIVERY = Delivery(NOW, "--delivery")
DISCLOSED = ("recycledContent", "batteryIdentifiers", "shipment")


def report(**changes: Any) -> ReportRecord:
    """An anchored 2-of-3 report of an active organisation."""
    base = ReportRecord(
        state=ANCHORED,
        organisation=ORG,
        organisation_status=1,
        approvals=2,
        threshold=2,
        approvers=0b011,
        signer_set_version=1,
        anchored_at=ANCHORED_AT,
        anchored_block=42,
        supersedes=bytes(32),
        superseded_by=bytes(32),
        revocation_reason=0,
    )
    return dataclasses.replace(base, **changes)


def attestation(**changes: Any) -> AttestationRecord:
    """A valid pass on every field, made after anchoring, expiring in a year."""
    base = AttestationRecord(
        verifier=VERIFIER,
        verifier_index=1,
        verifier_id=VERIFIER_ID,
        verdict=1,
        fields=0xFFF,
        verified_at=ANCHORED_AT + 60,
        expires_at=NOW + 365 * 86_400,
        attested_at=ANCHORED_AT + 120,
        revoked_at=0,
        revocation_reason=0,
        expired=False,
        invalidated=False,
        valid=True,
    )
    return dataclasses.replace(base, **changes)


def view(
    attestations: tuple[AttestationRecord, ...] | None = None, **report_changes: Any
) -> CustomsView:
    return CustomsView(
        report=report(**report_changes),
        attestations=(attestation(),) if attestations is None else attestations,
        checked_at=NOW,
    )


def sealed_evidence(**changes: Any) -> Evidence:
    base = Evidence(
        path="r.sealed.json",
        kind=SEALED,
        root=REPORT_ROOT,
        fields=REPORT_FIELDS,
        problems=(),
        organisation=ORG,
    )
    return dataclasses.replace(base, **changes)


def disclosure_evidence(**changes: Any) -> Evidence:
    base = Evidence(
        path="r.disclosure.json",
        kind=DISCLOSURE,
        root=REPORT_ROOT,
        fields=tuple(f for f in REPORT_FIELDS if f in DISCLOSED),
        problems=(),
        delivery_date="2025-06-30",
        organisation=ORG,
    )
    return dataclasses.replace(base, **changes)


def write_sample(directory: Path, organisation: bytes = ORG) -> tuple[bytes, Path, Path]:
    """Seal the sample for ``organisation`` (fresh salts), write it and a 3-field disclosure.

    Returns (root, sealed report path, disclosure path).
    """
    sealed = seal_report(load_report(SAMPLE), organisation=organisation)
    sealed_path = directory / "report.sealed.json"
    disclosure_path = directory / "report.disclosure.json"
    write_text(sealed_path, sealed.to_json(), private=True)
    write_text(disclosure_path, disclose(sealed, DISCLOSED).to_json())
    return sealed.root, sealed_path, disclosure_path
