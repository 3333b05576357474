"""Sealed reports: salts, the file format, and every check made when one is loaded."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bci_registry.report import (
    REPORT_FIELDS,
    ReportInvalid,
    SealedReport,
    SealedReportInvalid,
    load_sealed_report,
    seal_report,
)
from bci_registry.report.leaves import hex32

from .helpers import sample

NAME = "nmc811-module-kr-to-de"
SALTS = {name: bytes([i + 1]) * 32 for i, name in enumerate(REPORT_FIELDS)}


def sealed_dict() -> dict[str, Any]:
    return seal_report(sample(NAME), SALTS).to_dict()


def problems_of(obj: Any) -> list[tuple[str, str]]:
    with pytest.raises(SealedReportInvalid) as raised:
        SealedReport.from_dict(obj)
    return [(p.path, p.message) for p in raised.value.problems]


def test_fixed_salts_give_a_fixed_root_and_file() -> None:
    first, second = seal_report(sample(NAME), SALTS), seal_report(sample(NAME), SALTS)
    assert first == second
    assert first.to_json() == second.to_json()
    obj = json.loads(first.to_json())
    assert list(obj) == ["schema", "root", "fields"]
    assert obj["schema"] == "bci-report/1"
    assert obj["root"] == hex32(first.root)
    assert [f["name"] for f in obj["fields"]] == list(REPORT_FIELDS)
    assert all(set(f) == {"type", "name", "value", "salt"} for f in obj["fields"])


def test_sealing_refuses_an_invalid_report_with_every_problem() -> None:
    report = sample(NAME)
    report["shipment"]["sscc"] = "1"
    del report["verifications"]
    with pytest.raises(ReportInvalid) as raised:
        seal_report(report)
    assert {p.path for p in raised.value.problems} == {"$.shipment.sscc", "$.verifications"}


@pytest.mark.parametrize(
    "salts",
    [
        {**SALTS, "extra": b"\x00" * 32},
        {k: v for k, v in SALTS.items() if k != "shipment"},
        {**SALTS, "shipment": b"\x00" * 31},
    ],
)
def test_salts_must_be_twelve_32_byte_values(salts: dict[str, bytes]) -> None:
    with pytest.raises(ValueError):
        seal_report(sample(NAME), salts)


def test_roundtrip_and_file_loading(tmp_path: Any) -> None:
    sealed = seal_report(sample(NAME))
    path = tmp_path / "sealed.json"
    path.write_text(sealed.to_json(), encoding="utf-8")
    loaded = load_sealed_report(path)
    assert loaded == sealed
    assert loaded.report() == sample(NAME)
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
        (lambda o: o["fields"].append(dict(o["fields"][0])), "$.fields[12].name", "appears twice"),
        (lambda o: o["fields"][0].update(type="bytes"), "$.fields[0].type", 'expected "string"'),
        (lambda o: o["fields"][0].update(name="colour"), "$.fields[0].name", "a report field name"),
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
