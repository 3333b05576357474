"""Disclosures: every subset proves its fields and the organisation; any tampering fails."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bci_registry.report import (
    REPORT_FIELDS,
    Disclosure,
    DisclosureInvalid,
    SealedReport,
    UnknownFieldError,
    disclose,
    disclosure_problems,
    field_mask,
    load_disclosure,
    seal_report,
    verify_disclosure,
)
from bci_registry.report.leaves import FieldLeaf, hex32, organisation_leaf
from bci_registry.report.sealing import fields_root

from .helpers import ORG, OTHER_ORG, SAMPLE_NAMES, sample

subsets = st.lists(st.sampled_from(REPORT_FIELDS), min_size=1, max_size=12, unique=True)


@cache
def sealed_sample(name: str) -> SealedReport:
    return seal_report(sample(name), organisation=ORG)


def paths(disclosure: Disclosure, root: bytes | None = None) -> list[str]:
    return [p.path for p in disclosure_problems(disclosure, root)]


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(SAMPLE_NAMES), subsets)
def test_every_subset_verifies_and_survives_json(name: str, names: list[str]) -> None:
    sealed = sealed_sample(name)
    disclosure = disclose(sealed, names)
    assert set(disclosure.names) == set(names)
    assert disclosure.mask == field_mask(names)
    assert disclosure.values() == {n: sample(name)[n] for n in names}
    assert len(disclosure.leaves) == len(names) + 1
    assert disclosure.organisation == ORG
    verify_disclosure(disclosure, sealed.root, ORG)
    verify_disclosure(disclosure, sealed.root_hex)
    again = Disclosure.from_json(disclosure.to_json())
    assert again == disclosure
    verify_disclosure(again, sealed.root)


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(SAMPLE_NAMES), subsets, st.data())
def test_tampering_fails(name: str, names: list[str], data: st.DataObject) -> None:
    sealed = sealed_sample(name)
    disclosure = disclose(sealed, names)
    leaves = list(disclosure.leaves)
    fields_at = [k for k, leaf in enumerate(leaves) if not leaf.is_organisation]
    [org_at] = [k for k, leaf in enumerate(leaves) if leaf.is_organisation]
    i = data.draw(st.sampled_from(fields_at))
    kinds = ["value", "salt", "proof", "flags", "name", "root", "organisation", "org salt"]
    kind = data.draw(st.sampled_from(kinds))
    if kind == "organisation":
        # Another exporter's id in the organisation leaf: only the proof can catch it.
        leaves[org_at] = replace(leaves[org_at], value=hex32(OTHER_ORG))
        forged = replace(disclosure, leaves=tuple(leaves))
        assert paths(forged, sealed.root) == ["$.proof"]
        assert paths(forged) == ["$.proof"]  # even against the root the file names
    elif kind == "org salt":
        leaves[org_at] = replace(leaves[org_at], salt=b"\x99" * 32)
        assert paths(replace(disclosure, leaves=tuple(leaves)), sealed.root) == ["$.proof"]
    elif kind == "value":
        # Another valid value of the same field: only the proof can catch it.
        other = data.draw(st.sampled_from([n for n in SAMPLE_NAMES if n != name]))
        replacement = json.dumps(
            sample(other)[leaves[i].name], sort_keys=True, separators=(",", ":")
        )
        leaves[i] = replace(leaves[i], value=replacement)
        forged = replace(disclosure, leaves=tuple(leaves))
        assert paths(forged, sealed.root) == ["$.proof"]
    elif kind == "salt":
        leaves[i] = replace(leaves[i], salt=b"\x99" * 32)
        assert paths(replace(disclosure, leaves=tuple(leaves)), sealed.root) == ["$.proof"]
    elif kind == "proof":
        if not disclosure.proof:
            return  # all 12 disclosed: nothing to change
        j = data.draw(st.integers(0, len(disclosure.proof) - 1))
        proof = list(disclosure.proof)
        proof[j] = b"\x42" * 32
        assert paths(replace(disclosure, proof=tuple(proof)), sealed.root) == ["$.proof"]
    elif kind == "flags":
        flags = list(disclosure.proof_flags)
        assert flags  # 13 leaves: every multiproof hashes at least once
        k = data.draw(st.integers(0, len(flags) - 1))
        flags[k] = not flags[k]
        assert paths(replace(disclosure, proof_flags=tuple(flags)), sealed.root) == ["$.proof"]
    elif kind == "name":
        # The value claims to be another (undisclosed) field: its leaf hash changes.
        hidden = [n for n in REPORT_FIELDS if n not in names]
        if not hidden:
            return
        leaves[i] = replace(leaves[i], name=data.draw(st.sampled_from(hidden)))
        assert "$.proof" in paths(replace(disclosure, leaves=tuple(leaves)), sealed.root)
    else:
        other_root = sealed_sample(next(n for n in SAMPLE_NAMES if n != name)).root
        assert paths(disclosure, other_root) == ["$.root"]


def test_unknown_and_empty_field_lists() -> None:
    sealed = sealed_sample(SAMPLE_NAMES[0])
    with pytest.raises(UnknownFieldError, match="unknown report field 'colour'"):
        disclose(sealed, ["shipment", "colour"])
    with pytest.raises(ValueError, match="at least one field"):
        disclose(sealed, [])
    assert disclose(sealed, ["shipment", "shipment"]).names == ("shipment",)


def test_without_a_root_the_file_root_is_used_and_a_wrong_root_is_named() -> None:
    sealed = sealed_sample(SAMPLE_NAMES[0])
    disclosure = disclose(sealed, ["shipment"])
    verify_disclosure(disclosure)
    with pytest.raises(DisclosureInvalid) as raised:
        verify_disclosure(disclosure, "0x" + "00" * 32)
    [problem] = raised.value.problems
    assert problem.path == "$.root"
    assert f"for root {hex32(sealed.root)}, expected root 0x{'00' * 32}" in problem.message
    with pytest.raises(ValueError):
        verify_disclosure(disclosure, "0x1234")


def test_a_disclosed_value_must_pass_its_field_schema() -> None:
    # A tree whose shipment leaf holds an invalid value (sealed without validation):
    # the proof is fine, the value is not.
    report = sample(SAMPLE_NAMES[0])
    report["shipment"]["sscc"] = "12345"
    leaves = tuple(
        FieldLeaf(
            "string",
            n,
            json.dumps(report[n], sort_keys=True, separators=(",", ":")),
            bytes([i]) * 32,
        )
        for i, n in enumerate(REPORT_FIELDS)
    )
    org = organisation_leaf(ORG, b"\xee" * 32)
    sealed = SealedReport(fields=leaves, organisation_leaf=org, root=fields_root((*leaves, org)))
    disclosure = disclose(sealed, ["shipment", "recycledContent"])
    with pytest.raises(DisclosureInvalid) as raised:
        verify_disclosure(disclosure, sealed.root)
    assert [p.path for p in raised.value.problems] == ["$.shipment.sscc"]
    assert "18 digits" in raised.value.problems[0].message


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [
        (lambda o: o.update(proofFlags=[1]), "$.proofFlags", "true/false"),
        (lambda o: o.update(proof=["0x12"]), "$.proof[0]", "32-byte hash"),
        (lambda o: o.update(leaves=[]), "$.leaves", "non-empty array"),
        (lambda o: o["leaves"].append(dict(o["leaves"][0])), "$.leaves[3].name", "disclosed twice"),
        (lambda o: o["leaves"][0].update(name="x"), "$.leaves[0].name", "report field name"),
        (lambda o: o.pop("proof"), "$.proof", "required field is missing"),
        (lambda o: o.update(schema="other"), "$.schema", 'expected "bci-report/1"'),
        (lambda o: o.update(values=[]), "$.values", "unknown field"),
    ],
)
def test_malformed_disclosure_files(mutate: Any, path: str, message: str) -> None:
    obj = disclose(sealed_sample(SAMPLE_NAMES[0]), ["shipment", "smelterIds"]).to_dict()
    mutate(obj)
    with pytest.raises(DisclosureInvalid) as raised:
        Disclosure.from_dict(obj)
    assert any(p.path == path and message in p.message for p in raised.value.problems), (
        raised.value.problems
    )


def test_disclosure_file_loading(tmp_path: Any) -> None:
    sealed = sealed_sample(SAMPLE_NAMES[1])
    path = tmp_path / "d.json"
    path.write_text(disclose(sealed, ["batteryIdentifiers"]).to_json(), encoding="utf-8")
    verify_disclosure(load_disclosure(path), sealed.root)
    path.write_text("[", encoding="utf-8")
    with pytest.raises(DisclosureInvalid, match="not valid JSON"):
        load_disclosure(path)


def test_a_disclosure_of_three_fields_proves_the_organisation(tmp_path: Any) -> None:
    sealed = sealed_sample(SAMPLE_NAMES[0])
    disclosure = disclose(sealed, ["shipment", "recycledContent", "batteryIdentifiers"])
    path = tmp_path / "d.json"
    path.write_text(disclosure.to_json(), encoding="utf-8")
    loaded = load_disclosure(path)
    assert loaded.names == ("recycledContent", "batteryIdentifiers", "shipment")
    assert loaded.mask == field_mask(loaded.names)
    assert [leaf.name for leaf in loaded.field_leaves] == [
        leaf.name for leaf in loaded.leaves if leaf.name != "organisation"
    ]
    assert loaded.organisation_leaf == sealed.organisation_leaf
    assert loaded.organisation == ORG and loaded.organisation_label == "BPNL00000007KRNM"
    assert "organisation" not in loaded.values()
    verify_disclosure(loaded, sealed.root, ORG)
    # Checked for another exporter, it fails and names both organisations.
    [problem] = disclosure_problems(loaded, sealed.root, OTHER_ORG)
    assert problem.path.startswith("$.leaves[") and problem.path.endswith("].value")
    assert problem.message == (
        "the disclosure is for organisation BPNL00000007KRNM, expected organisation NL862345671"
    )


def test_an_altered_organisation_leaf_fails() -> None:
    sealed = sealed_sample(SAMPLE_NAMES[0])
    obj = disclose(sealed, ["shipment", "recycledContent", "smelterIds"]).to_dict()
    [org] = [leaf for leaf in obj["leaves"] if leaf["name"] == "organisation"]
    org["value"] = hex32(OTHER_ORG)
    forged = Disclosure.from_dict(obj)  # well-formed...
    assert forged.organisation == OTHER_ORG
    with pytest.raises(DisclosureInvalid) as raised:  # ...but proves nothing
        verify_disclosure(forged, sealed.root)
    [problem] = raised.value.problems
    assert problem.path == "$.proof"
    assert "the organisation" in problem.message
    # The organisation leaf of the other exporter's own sealing of the same report does
    # not fit this root either: salts differ, and so would the root.
    theirs = seal_report(sample(SAMPLE_NAMES[0]), organisation=OTHER_ORG)
    org.update(theirs.organisation_leaf.to_dict())
    assert paths(Disclosure.from_dict(obj), sealed.root) == ["$.proof"]


def test_a_disclosure_without_the_organisation_leaf_is_refused() -> None:
    sealed = sealed_sample(SAMPLE_NAMES[0])
    disclosure = disclose(sealed, ["shipment", "recycledContent", "smelterIds"])
    obj = disclosure.to_dict()
    obj["leaves"] = [leaf for leaf in obj["leaves"] if leaf["name"] != "organisation"]
    with pytest.raises(DisclosureInvalid) as raised:
        Disclosure.from_dict(obj)
    [problem] = raised.value.problems
    assert problem.path == "$.leaves"
    assert problem.message.startswith("the organisation leaf is missing")
    assert "proves whose report it is" in str(raised.value)
    # Built in code without it, it is refused by the check and has no organisation.
    stripped = replace(disclosure, leaves=disclosure.field_leaves)
    problems = disclosure_problems(stripped, sealed.root)
    assert [p.path for p in problems] == ["$.leaves", "$.proof"]
    assert problems[0].message.startswith("the organisation leaf is missing")
    with pytest.raises(DisclosureInvalid, match="organisation leaf is missing"):
        _ = stripped.organisation


def test_the_organisation_is_disclosed_once_and_never_alone() -> None:
    sealed = sealed_sample(SAMPLE_NAMES[0])
    with pytest.raises(UnknownFieldError, match="every disclosure includes it"):
        disclose(sealed, ["shipment", "organisation"])
    obj = disclose(sealed, ["shipment"]).to_dict()
    twice = {**obj, "leaves": [*obj["leaves"], sealed.organisation_leaf.to_dict()]}
    with pytest.raises(DisclosureInvalid, match="the organisation leaf is disclosed twice"):
        Disclosure.from_dict(twice)
    alone = {**obj, "leaves": [sealed.organisation_leaf.to_dict()]}
    with pytest.raises(DisclosureInvalid, match="discloses no report field"):
        Disclosure.from_dict(alone)
