"""Sealed reports: salts, the organisation leaf, the file format, and every check on loading."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bci_registry.registry import organisation_id
from bci_registry.report import (
    ORGANISATION_LEAF,
    REPORT_FIELDS,
    ReportInvalid,
    SealedReport,
    SealedReportInvalid,
    load_sealed_report,
    seal,
    seal_report,
)
from bci_registry.report.leaves import hex32

from .helpers import ORG, ORG_TEXT, OTHER_ORG, sample

NAME = "nmc811-module-kr-to-de"
SALTS = {name: bytes([i + 1]) * 32 for i, name in enumerate((*REPORT_FIELDS, ORGANISATION_LEAF))}
ORG_INDEX = 12  # the organisation leaf is the 13th entry of "fields"


def sealed_dict() -> dict[str, Any]:
    return seal_report(sample(NAME), SALTS, organisation=ORG).to_dict()


def problems_of(obj: Any) -> list[tuple[str, str]]:
    with pytest.raises(SealedReportInvalid) as raised:
        SealedReport.from_dict(obj)
    return [(p.path, p.message) for p in raised.value.problems]


def test_fixed_salts_give_a_fixed_root_and_file() -> None:
    first = seal_report(sample(NAME), SALTS, organisation=ORG)
    second = seal(sample(NAME), organisation=ORG, salts=SALTS)  # seal is seal_report
    assert first == second
    assert first.to_json() == second.to_json()
    obj = json.loads(first.to_json())
    assert list(obj) == ["schema", "root", "fields"]
    assert obj["schema"] == "bci-report/1"
    assert obj["root"] == hex32(first.root)
    assert [f["name"] for f in obj["fields"]] == [*REPORT_FIELDS, "organisation"]
    assert all(set(f) == {"type", "name", "value", "salt"} for f in obj["fields"])
    assert obj["fields"][ORG_INDEX] == {
        "type": "bytes32",
        "name": "organisation",
        "value": hex32(ORG),
        "salt": hex32(SALTS["organisation"]),
    }


def test_the_root_commits_to_the_organisation() -> None:
    sealed = seal_report(sample(NAME), SALTS, organisation=ORG)
    assert sealed.organisation == ORG == ORG_TEXT.encode().ljust(32, b"\0")
    assert sealed.organisation_label == ORG_TEXT
    assert sealed.field("organisation") == sealed.organisation_leaf
    assert len(sealed.leaves) == 13 and len(sealed.tree().tree) == 25
    assert sealed.report() == sample(NAME)  # the organisation is not a report field


def test_two_exporters_sealing_the_same_content_get_different_roots() -> None:
    # Same report, same salts for every leaf: only the organisation differs.
    ours = seal_report(sample(NAME), SALTS, organisation=ORG)
    theirs = seal_report(sample(NAME), SALTS, organisation=OTHER_ORG)
    assert ours.fields == theirs.fields
    assert ours.root != theirs.root
    assert theirs.organisation == OTHER_ORG
    # With fresh salts, as in real use, too.
    assert (
        seal_report(sample(NAME), organisation=ORG).root
        != seal_report(sample(NAME), organisation=OTHER_ORG).root
    )


@pytest.mark.parametrize(
    ("organisation", "message"),
    [
        (b"\x01" * 31, "32-byte organisation id"),
        ("BPNL00000007KRNM", "32-byte organisation id"),
        (bytes(32), "organisation id is zero"),
    ],
)
def test_sealing_needs_a_32_byte_nonzero_organisation(organisation: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        seal_report(sample(NAME), organisation=organisation)
    with pytest.raises(TypeError, match="organisation"):
        seal_report(sample(NAME))  # type: ignore[call-arg]


def test_a_changed_organisation_breaks_the_root() -> None:
    # Another exporter relabels a sealed report: the root it names no longer matches.
    obj = sealed_dict()
    obj["fields"][ORG_INDEX]["value"] = hex32(OTHER_ORG)
    [(path, message)] = problems_of(obj)
    assert path == "$.root"
    assert "the organisation leaf (organisation NL862345671)" in message
    assert "a value, a salt or the organisation was changed" in message


def test_a_sealed_file_without_the_organisation_leaf_is_refused() -> None:
    obj = sealed_dict()
    del obj["fields"][ORG_INDEX]
    [(path, message)] = problems_of(obj)
    assert path == "$.fields"
    assert message.startswith("the organisation leaf is missing")
    assert "sealed again" in message


def test_sealing_refuses_an_invalid_report_with_every_problem() -> None:
    report = sample(NAME)
    report["shipment"]["sscc"] = "1"
    del report["verifications"]
    with pytest.raises(ReportInvalid) as raised:
        seal_report(report, organisation=ORG)
    assert {p.path for p in raised.value.problems} == {"$.shipment.sscc", "$.verifications"}


@pytest.mark.parametrize(
    "salts",
    [
        {**SALTS, "extra": b"\x00" * 32},
        {k: v for k, v in SALTS.items() if k != "shipment"},
        {k: v for k, v in SALTS.items() if k != "organisation"},
        {**SALTS, "shipment": b"\x00" * 31},
        {**SALTS, "organisation": b"\x00" * 33},
    ],
)
def test_salts_must_be_thirteen_32_byte_values(salts: dict[str, bytes]) -> None:
    with pytest.raises(ValueError):
        seal_report(sample(NAME), salts, organisation=ORG)


def test_roundtrip_and_file_loading(tmp_path: Any) -> None:
    sealed = seal_report(sample(NAME), organisation=organisation_id("0x" + "ab" * 32))
    path = tmp_path / "sealed.json"
    path.write_text(sealed.to_json(), encoding="utf-8")
    loaded = load_sealed_report(path)
    assert loaded == sealed
    assert loaded.report() == sample(NAME)
    assert loaded.organisation == b"\xab" * 32
    assert loaded.organisation_label == "0x" + "ab" * 32  # not text: shown as hex
    assert loaded.field("shipment").value == json.dumps(
        sample(NAME)["shipment"], sort_keys=True, separators=(",", ":")
    )


def test_changed_value_breaks_the_root() -> None:
    obj = sealed_dict()
    shipment = json.loads(obj["fields"][8]["value"])
    shipment["deliveryDate"] = "2025-06-29"  # still a valid report
    obj["fields"][8]["value"] = json.dumps(shipment, sort_keys=True, separators=(",", ":"))
    [(path, message)] = problems_of(obj)
    assert path == "$.root"
    assert "does not match the fields" in message


def test_changed_salt_breaks_the_root() -> None:
    obj = sealed_dict()
    obj["fields"][3]["salt"] = "0x" + "ee" * 32
    assert [p for p, _ in problems_of(obj)] == ["$.root"]


def test_a_sealed_invalid_value_is_reported_at_its_report_path() -> None:
    obj = sealed_dict()
    shipment = json.loads(obj["fields"][8]["value"])
    shipment["sscc"] = "088012340000123456"
    obj["fields"][8]["value"] = json.dumps(shipment, sort_keys=True, separators=(",", ":"))
    paths = [p for p, _ in problems_of(obj)]
    assert paths == ["$.shipment.sscc", "$.root"]


def test_non_canonical_value_is_refused() -> None:
    obj = sealed_dict()
    obj["fields"][2]["value"] = json.dumps(json.loads(obj["fields"][2]["value"]), indent=1)
    [(path, message)] = problems_of(obj)
    assert path == "$.fields[2].value"
    assert "RFC 8785 canonical JSON" in message


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [
        (lambda o: o.update(schema="bci-report/2"), "$.schema", 'expected "bci-report/1"'),
        (lambda o: o.update(root="0x12"), "$.root", "64 hex digits"),
        (lambda o: o.update(extra=1), "$.extra", "unknown field"),
        (lambda o: o.pop("fields"), "$.fields", "required field is missing"),
        (lambda o: o["fields"].pop(5), "$.fields", "missing field leaves: transportEmissions"),
        (lambda o: o["fields"].append(dict(o["fields"][0])), "$.fields[13].name", "appears twice"),
        (lambda o: o["fields"][0].update(type="bytes"), "$.fields[0].type", 'expected "string"'),
        (lambda o: o["fields"][0].update(name="colour"), "$.fields[0].name", "a report field name"),
        (
            lambda o: o["fields"].append(dict(o["fields"][ORG_INDEX])),
            "$.fields[13].name",
            "the organisation leaf appears twice",
        ),
        (
            lambda o: o["fields"][ORG_INDEX].update(type="string"),
            "$.fields[12].type",
            'expected "bytes32" (the organisation leaf)',
        ),
        (
            lambda o: o["fields"][0].update(name="organisation"),
            "$.fields[0].type",
            'expected "bytes32"',
        ),
        (
            lambda o: o["fields"][ORG_INDEX].update(value="BPNL00000007KRNM"),
            "$.fields[12].value",
            "32-byte organisation id",
        ),
        (
            lambda o: o["fields"][ORG_INDEX].update(value="0x" + "00" * 32),
            "$.fields[12].value",
            "organisation id is zero",
        ),
        (lambda o: o["fields"][0].update(salt="0x00"), "$.fields[0].salt", "32-byte salt"),
        (lambda o: o["fields"][0].update(value=5), "$.fields[0].value", "JSON text (a string)"),
        (lambda o: o["fields"][0].update(value="[1,"), "$.fields[0].value", "expected JSON text"),
        (lambda o: o["fields"][0].pop("salt"), "$.fields[0].salt", "required field is missing"),
    ],
)
def test_malformed_sealed_files(mutate: Any, path: str, message: str) -> None:
    obj = sealed_dict()
    mutate(obj)
    problems = problems_of(obj)
    assert any(p == path and message in m for p, m in problems), problems


def test_not_json_and_not_an_object() -> None:
    with pytest.raises(SealedReportInvalid, match="not valid JSON"):
        SealedReport.from_json("{")
    assert problems_of([]) == [("$", "expected a sealed report object")]
