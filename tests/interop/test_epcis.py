"""EPCIS 2.0 export: official schema, CBV checks, GS1 event hash, EPC URIs, JSON-LD."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from bci_registry.interop.epcis import (
    NAMESPACE,
    document_problems,
    epcis_document,
    event_hashes,
    sgtin_uri,
    sscc_uri,
)
from bci_registry.interop.jsonld import dropped_terms, expand
from bci_registry.interop.model import ModelError, Verdict

from .helpers import OTHER_KEY, REFERENCE, SAMPLE_NAMES, export_input, sample

ANCHORED = datetime(2025, 8, 18, 6, 0, tzinfo=UTC)
CREATED = datetime(2025, 8, 21, tzinfo=UTC)


def _document(name: str) -> dict:
    report = sample(name)
    passed = export_input(report)
    failed = export_input(report, verdict=Verdict.FAIL, key=OTHER_KEY)
    return epcis_document(passed, ANCHORED, [passed, failed], created=CREATED)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_document_is_valid_and_hashed(name: str) -> None:
    document = _document(name)
    assert document_problems(document, check_hashes=True) == []
    events = document["epcisBody"]["eventList"]
    assert [e.get("bizStep") for e in events][1:] == ["inspecting", "inspecting"]
    assert [e.get("disposition") for e in events][1:] == ["conformant", "non_conformant"]
    assert events[1]["bizTransactionList"][0]["type"] == "cert"
    assert all(e["epcList"][0].startswith("urn:epc:id:sscc:") for e in events)
    assert all(e["epcList"][1].startswith("urn:epc:id:sgtin:") for e in events)
    assert all(e["eventID"].startswith("ni:///sha-256;") for e in events)
    assert len({e["eventID"] for e in events}) == 3
    assert events[0]["bci:reportRoot"] == "0x" + "7e" * 32
    assert dropped_terms(document) == []
    expanded = json.dumps(expand(document))
    assert NAMESPACE + "reportRoot" in expanded and NAMESPACE + "verdict" in expanded


def test_event_hash_ignores_event_id_and_changes_with_content() -> None:
    document = _document(SAMPLE_NAMES[0])
    event = document["epcisBody"]["eventList"][1]
    assert event_hashes([event]) == [event["eventID"]]
    changed = copy.deepcopy(event)
    changed["bci:verdict"] = "FAIL"
    assert event_hashes([changed]) != [event["eventID"]]
    document["epcisBody"]["eventList"][1] = changed
    problems = document_problems(document, check_hashes=True)
    assert problems and "GS1 event hash" in problems[0]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("bizStep", "inspectin"),
        ("bizStep", "https://ref.gs1.org/cbv/BizStep-inspectng"),
        ("disposition", "https://ref.gs1.org/cbv/Disp-conformnt"),
        ("disposition", "non conformant"),
    ],
)
def test_cbv_typos_pass_the_schema_but_not_our_check(key: str, value: str) -> None:
    from jsonschema import Draft7Validator

    from bci_registry.interop.reference import EPCIS_SCHEMA, reference_json

    document = _document(SAMPLE_NAMES[0])
    document["epcisBody"]["eventList"][1][key] = value
    assert list(Draft7Validator(reference_json(EPCIS_SCHEMA)).iter_errors(document)) == []
    problems = document_problems(document)
    assert len(problems) == 1 and problems[0].startswith(f"$.epcisBody.eventList[1].{key}:")


def test_bad_epc_uris_and_transaction_types_are_reported() -> None:
    document = _document(SAMPLE_NAMES[0])
    event = document["epcisBody"]["eventList"][1]
    event["epcList"][0] = "urn:epc:id:sscc:6901234.000006789"  # one digit short
    event["bizTransactionList"][0]["type"] = "certificate"
    problems = document_problems(document)
    assert any(".epcList[0]:" in p for p in problems)
    assert any(".bizTransactionList[0].type:" in p for p in problems)


def test_official_example_passes_schema_and_cbv_checks() -> None:
    example = json.loads((REFERENCE / "Example_9.6.1-ObjectEvent.jsonld").read_text("utf-8"))
    assert document_problems(example) == []
    assert dropped_terms(example) == []


def test_epc_uris() -> None:
    assert sscc_uri("069012340000678901", 7) == "urn:epc:id:sscc:6901234.0000067890"
    assert sgtin_uri("16901234500018", "ESS5MWH0000218", 7) == (
        "urn:epc:id:sgtin:6901234.150001.ESS5MWH0000218"
    )
    assert sgtin_uri("4012345000016", "A/B%1", 7) == "urn:epc:id:sgtin:4012345.000001.A%2FB%251"
    with pytest.raises(ModelError):
        sscc_uri("069012340000678901", 13)
