"""Battery Pass import: Catena-X BatteryPass 6.1.0 payload + supplement -> bci-report/1."""

from __future__ import annotations

import codecs
import copy
import json

import pytest

from bci_registry.interop.batterypass import (
    LACKING,
    ImportInvalid,
    import_battery_pass,
    import_files,
    parse_json_bytes,
    payload_problems,
    read_json_file,
)
from bci_registry.report import validate_report

from .helpers import REFERENCE, SAMPLE_NAMES, sample

SAMPLE_PAYLOAD = REFERENCE / "catenax-BatteryPass-6.1.0-sample.json"

# Report paths the Catena-X payload fills in these tests.
FROM_PAYLOAD = (
    ("batteryIdentifiers", "passportId"),
    ("batteryIdentifiers", "serialNumber"),
    ("batteryIdentifiers", "batchId"),
    ("shipment", "hsCode"),
    ("facilityAndOperator", "manufacturingDate"),
    ("batteryCarbonFootprint", "studyUrl"),
    ("dueDiligenceReport", "url"),
)


def payload_for(report: dict) -> dict:
    """The official sample payload, carrying this report's values where the model has them."""
    payload = read_json_file(SAMPLE_PAYLOAD)
    payload["operation"]["intoServiceDate"] = "2025-08-01"
    ids = report["batteryIdentifiers"]
    payload["metadata"]["passportIdentifier"] = ids["passportId"]
    ident = payload["identification"]["identification"]
    ident["serial"] = [{"key": "partInstanceId", "value": ids["serialNumber"]}]
    ident["batch"] = [{"key": "batchId", "value": ids["batchId"]}]
    ident["codes"] = [{"key": "TARIC", "value": report["shipment"]["hsCode"]}]
    operator = report["facilityAndOperator"]["operator"]
    if operator["idScheme"] == "BPNL":
        payload["metadata"]["economicOperatorId"] = operator["id"]
    else:
        payload["metadata"]["economicOperatorId"] = "BPNL000000000XYZ"  # not used: EORI given
    month = report["facilityAndOperator"]["manufacturingDate"]
    payload["operation"]["manufacturer"]["manufacturingDate"] = f"{month}-15"
    footprint = report["batteryCarbonFootprint"]
    entry = payload["sustainability"]["carbonFootprint"][0]
    entry["declaration"][0]["content"] = footprint["studyUrl"]
    if "performanceClass" in footprint:
        entry["performanceClass"] = footprint["performanceClass"]
    else:
        del entry["performanceClass"]
    payload["conformity"]["dueDiligencePolicy"][0]["content"] = report["dueDiligenceReport"]["url"]
    for metal in ("cobalt", "lithium", "nickel", "lead"):
        share = report["recycledContent"].get(metal)
        node = payload["materials"]["active"].get(metal)
        if node is None:
            continue
        if share is not None:
            node["recycled"] = share["preConsumerPercent"] + share["postConsumerPercent"]
    return payload


def supplement_for(report: dict) -> dict:
    supplement = copy.deepcopy(report)
    del supplement["schema"]
    for path in FROM_PAYLOAD:
        del supplement[path[0]][path[1]]
    if report["facilityAndOperator"]["operator"]["idScheme"] == "BPNL":
        del supplement["facilityAndOperator"]["operator"]["id"]
    return supplement


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_reports_round_trip_through_a_battery_pass(name: str) -> None:
    report = sample(name)
    imported = import_battery_pass(payload_for(report), supplement_for(report))
    assert imported.report == report
    validate_report(imported.report)
    prov = imported.provenance
    assert prov["$.batteryIdentifiers.passportId"] == "payload:$.metadata.passportIdentifier"
    assert prov["$.shipment.hsCode"].startswith("payload:$.identification.identification.codes[0]")
    assert prov["$.shipment.sscc"] == "supplement:$.shipment.sscc"
    assert prov["$.cathodeMaterialOrigin[0].country"].startswith("supplement:")
    # every value of the report has a recorded source
    leaves = _leaf_paths(report)
    assert leaves <= set(prov), leaves - set(prov)
    assert set(LACKING) <= set(imported.lacking)
    assert "recycledContent" in imported.lacking


def _leaf_paths(node: object, path: str = "$") -> set[str]:
    if isinstance(node, dict):
        out: set[str] = set()
        for key, value in node.items():
            if path == "$" and key == "schema":
                continue
            out |= _leaf_paths(value, f"{path}.{key}")
        return out
    if isinstance(node, list) and node:
        out = set()
        for index, value in enumerate(node):
            out |= _leaf_paths(value, f"{path}[{index}]")
        return out
    return {path}


def test_official_sample_passes_its_schema_but_its_dates_are_refused() -> None:
    payload = read_json_file(SAMPLE_PAYLOAD)
    problems = payload_problems(payload)
    assert [str(p) for p in problems] == [
        "$.operation.intoServiceDate: expected a real calendar date YYYY-MM-DD, got '7172-75-08'"
    ]
    with pytest.raises(ImportInvalid) as caught:
        import_battery_pass(payload, supplement_for(sample(SAMPLE_NAMES[0])))
    assert caught.value.problems[0].path == "$.payload.operation.intoServiceDate"


def test_impossible_date_time_is_refused() -> None:
    payload = payload_for(sample(SAMPLE_NAMES[0]))
    payload["performance"]["dynamic"]["stateOfCharge"]["time"] = "2023-02-30T10:39:13.576+01:00"
    paths = [p.path for p in payload_problems(payload)]
    assert paths == ["$.performance.dynamic.stateOfCharge.time"]


def test_missing_fields_are_named_when_the_supplement_lacks_them() -> None:
    report = sample(SAMPLE_NAMES[0])
    supplement = supplement_for(report)
    del supplement["smelterIds"]
    del supplement["mineLicences"]
    with pytest.raises(ImportInvalid) as caught:
        import_battery_pass(payload_for(report), supplement)
    messages = {p.path: p.message for p in caught.value.problems}
    assert "no RMI smelter ids" in messages["$.smelterIds"]
    assert "no mining licences" in messages["$.mineLicences"]


def test_conflicts_and_recycled_share_mismatch_are_reported() -> None:
    report = sample("nmc811-module-kr-to-de")
    payload = payload_for(report)
    payload["materials"]["active"]["cobalt"]["recycled"] = 99.0
    supplement = supplement_for(report)
    supplement["shipment"]["hsCode"] = "85076010"
    with pytest.raises(ImportInvalid) as caught:
        import_battery_pass(payload, supplement)
    paths = {p.path for p in caught.value.problems}
    assert paths == {"$.shipment.hsCode", "$.recycledContent.cobalt"}


def test_result_is_validated_with_path_named_errors_and_value_source() -> None:
    report = sample(SAMPLE_NAMES[0])
    payload = payload_for(report)
    payload["identification"]["identification"]["serial"][0]["value"] = "bad serial with spaces"
    supplement = supplement_for(report)
    supplement["shipment"]["sscc"] = "069012340000678902"  # wrong check digit
    with pytest.raises(ImportInvalid) as caught:
        import_battery_pass(payload, supplement)
    by_path = {p.path: p.message for p in caught.value.problems}
    assert (
        "payload:$.identification.identification.serial[0].value"
        in (by_path["$.batteryIdentifiers.serialNumber"])
    )
    assert "check digit" in by_path["$.shipment.sscc"]
    assert "supplement:" in by_path["$.shipment.sscc"]


def test_unknown_supplement_field_is_refused() -> None:
    report = sample(SAMPLE_NAMES[0])
    supplement = supplement_for(report)
    supplement["colour"] = "blue"
    with pytest.raises(ImportInvalid) as caught:
        import_battery_pass(payload_for(report), supplement)
    assert [p.path for p in caught.value.problems] == ["$.supplement.colour"]


def test_utf16_files_are_read(tmp_path) -> None:
    consortium = read_json_file(REFERENCE / "batterypass-consortium-Circularity-utf16.json")
    assert consortium["recycledContent"][0]["recycledMaterial"] == "Cobalt"
    report = sample(SAMPLE_NAMES[1])
    text = json.dumps(payload_for(report))
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        (tmp_path / "p.json").write_bytes(bom + text.encode(codec))
        (tmp_path / "s.json").write_bytes(
            codecs.BOM_UTF8 + json.dumps(supplement_for(report)).encode()
        )
        imported, provenance = import_files(tmp_path / "p.json", tmp_path / "s.json")
        assert imported.report == report
        assert provenance["payload"].startswith("p.json sha256:")
    with pytest.raises(ImportInvalid):
        parse_json_bytes(b"\xff\xfe{\x00")


def test_bci_report_import_writes_the_report_and_its_provenance(tmp_path) -> None:
    from click.testing import CliRunner

    from bci_registry.report.cli import cli

    report = sample(SAMPLE_NAMES[0])
    payload, supplement = tmp_path / "pass.json", tmp_path / "supplement.json"
    payload.write_text(json.dumps(payload_for(report)))
    supplement.write_text(json.dumps(supplement_for(report)))
    out = tmp_path / "report.json"
    args = ["import", "--from", "batterypass", str(payload), "--supplement", str(supplement)]
    result = CliRunner().invoke(cli, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text()) == report
    provenance = json.loads((tmp_path / "report.provenance.json").read_text())
    assert provenance["format"] == "bci-import-provenance/1"
    assert provenance["values"]["$.shipment.sscc"] == "supplement:$.shipment.sscc"
    assert provenance["values"]["$.batteryIdentifiers.passportId"].startswith("payload:")
    # Without the supplement the fields the payload lacks are named, and nothing is written.
    again = CliRunner().invoke(cli, [*args[:4], "-o", str(tmp_path / "other.json")])
    assert again.exit_code == 1
    assert "smelterIds" in again.output
    assert not (tmp_path / "other.json").exists()
