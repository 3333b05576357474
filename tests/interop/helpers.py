"""Shared inputs of the interop tests: a sample report and made-up chain facts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bci_registry.interop.did import VerifierKey
from bci_registry.interop.model import (
    AnchorFacts,
    AttestationFacts,
    ExportInput,
    ProductIds,
    Verdict,
)
from bci_registry.report import field_mask

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
REFERENCE = Path(__file__).resolve().parent / "reference"
SAMPLE_NAMES = ("lfp-ess-cn-to-jp", "nca-cells-jp-to-kr", "nmc811-module-kr-to-de")

VERIFIER_KEY = VerifierKey(bytes.fromhex("5a" * 32))
OTHER_KEY = VerifierKey(bytes.fromhex("3c" * 32))
DOMAIN = "verifier.example"
CHAIN_ID = 84532
ATTESTED = ("batteryIdentifiers", "shipment", "recycledContent", "batteryCarbonFootprint")


def sample(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text("utf-8"))


def export_input(
    report: dict,
    *,
    verdict: Verdict = Verdict.PASS,
    revoked: bool = False,
    key: VerifierKey = VERIFIER_KEY,
) -> ExportInput:
    anchor = AnchorFacts(
        chain_id=CHAIN_ID,
        registry="0x" + "ab" * 20,
        organisation="0x" + "01" * 32,
        root="0x" + "7e" * 32,
        transaction="0x" + "c4" * 32,
    )
    attestation = AttestationFacts(
        verifier=key.address,
        verifier_domain=DOMAIN,
        verdict=verdict,
        fields_mask=field_mask(ATTESTED),
        verified_at=datetime(2025, 8, 20, 9, 30, tzinfo=UTC),
        expires_at=datetime(2027, 8, 20, 9, 30, tzinfo=UTC),
        evidence="0x" + "e5" * 32,
        revoked=revoked,
        transaction="0x" + "d7" * 32,
        verifier_name="Example Verification Body",
    )
    return ExportInput(
        anchor=anchor,
        attestation=attestation,
        product=ProductIds.from_report(report, gs1_company_prefix_length=7),
        disclosed={name: report[name] for name in ATTESTED[:3]},
        organisation_name=report["facilityAndOperator"]["operator"]["name"],
    )
