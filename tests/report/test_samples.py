"""The sample reports are valid, seal, and seal differently every time."""

from __future__ import annotations

import pytest

from bci_registry.report import (
    REPORT_FIELDS,
    DisclosureInvalid,
    SealedReport,
    disclose,
    load_report,
    report_problems,
    seal_report,
    verify_disclosure,
)
from bci_registry.report.canonical import canonical_json

from .helpers import ORG, SAMPLE_NAMES, SAMPLES_DIR, sample


def test_there_are_at_least_three_samples() -> None:
    assert len(SAMPLE_NAMES) >= 3


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_is_valid(name: str) -> None:
    assert report_problems(sample(name)) == []
    assert load_report(SAMPLES_DIR / f"{name}.json") == sample(name)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_seals_into_twelve_canonical_leaves_and_the_organisation(name: str) -> None:
    report = sample(name)
    sealed = seal_report(report, organisation=ORG)
    assert [leaf.name for leaf in sealed.fields] == list(REPORT_FIELDS)
    for leaf in sealed.fields:
        assert leaf.type == "string"
        assert leaf.value == canonical_json(report[leaf.name])
        assert len(leaf.salt) == 32
    org = sealed.organisation_leaf
    assert (org.type, org.name, org.value) == ("bytes32", "organisation", "0x" + ORG.hex())
    assert len({leaf.salt for leaf in sealed.leaves}) == 13
    assert len(sealed.root) == 32
    assert sealed.report() == report


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_two_seals_differ_and_both_verify(name: str) -> None:
    report = sample(name)
    first, second = seal_report(report, organisation=ORG), seal_report(report, organisation=ORG)
    assert first.root != second.root
    assert all(a.salt != b.salt for a, b in zip(first.leaves, second.leaves, strict=True))
    assert [a.value for a in first.fields] == [b.value for b in second.fields]
    for sealed in (first, second):
        assert SealedReport.from_json(sealed.to_json()) == sealed
        verify_disclosure(disclose(sealed, REPORT_FIELDS), sealed.root)
    # A disclosure of one seal does not verify against the other's root.
    other = disclose(first, ["shipment"])
    with pytest.raises(DisclosureInvalid, match="expected root"):
        verify_disclosure(other, second.root)


def test_samples_cover_optional_parts_both_ways() -> None:
    reports = [sample(name) for name in SAMPLE_NAMES]
    legs = [("legs" in r["transportEmissions"]) for r in reports]
    lithium = [("lithium" in r["recycledContent"]) for r in reports]
    performance = [("performanceClass" in r["batteryCarbonFootprint"]) for r in reports]
    eori = [("eori" in r["shipment"]["consignee"]) for r in reports]
    for present in (legs, lithium, performance, eori):
        assert any(present) and not all(present)
