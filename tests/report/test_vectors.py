"""The committed test vectors are what our code computes, to the byte."""

from __future__ import annotations

import importlib.util
import json
from typing import Any

import pytest
from eth_abi.abi import encode as abi_encode

from bci_registry.registry import organisation_id
from bci_registry.report import (
    ORGANISATION_LEAF,
    REPORT_FIELDS,
    SealedReport,
    disclose,
    field_mask,
    load_disclosure,
    load_report,
    load_sealed_report,
    seal_report,
    verify_disclosure,
)
from bci_registry.report.leaves import LEAF_ENCODING, hex32, parse_hex32
from bci_registry.report.merkle import make_tree, process_multiproof

from .helpers import ROOT, VECTORS_DIR

DOC = json.loads((VECTORS_DIR / "report-vectors.json").read_text("utf-8"))
VECTORS = DOC["vectors"]
IDS = [v["name"] for v in VECTORS]


def test_vector_document_header() -> None:
    assert DOC["schema"] == "bci-report/1"
    assert DOC["leafEncoding"] == list(LEAF_ENCODING) == ["string", "string", "bytes", "bytes32"]
    assert DOC["fieldOrder"] == list(REPORT_FIELDS)
    assert DOC["organisationLeaf"] == {"type": "bytes32", "name": "organisation"}
    assert len(VECTORS) >= 3


def _sealed(vector: dict[str, Any]) -> SealedReport:
    report = load_report(ROOT / vector["report"])
    salts = {f["name"]: parse_hex32(f["salt"]) for f in vector["fields"]}
    organisation = parse_hex32(vector["organisation"]["id"])
    assert organisation is not None
    return seal_report(
        report, {k: v for k, v in salts.items() if v is not None}, organisation=organisation
    )


def _encoded_value(leaf_type: str, value: str) -> bytes:
    """abi.encode([type], [value]) by eth_abi, the reference coder."""
    typed: Any = bytes.fromhex(value[2:]) if leaf_type == "bytes32" else value
    return abi_encode([leaf_type], [typed])


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_each_vector_commits_to_its_documented_organisation(vector: dict[str, Any]) -> None:
    # The text id recorded in tests/vectors/README.md, zero-padded: what seal --organisation takes.
    org = vector["organisation"]
    assert org["id"] == hex32(organisation_id(org["text"]))
    assert [f["name"] for f in vector["fields"]] == [*REPORT_FIELDS, ORGANISATION_LEAF]
    leaf = vector["fields"][-1]
    assert (leaf["type"], leaf["value"], leaf["encodedValue"]) == ("bytes32", org["id"], org["id"])
    for multiproof in vector["multiproofs"]:
        assert ORGANISATION_LEAF in [leaf["name"] for leaf in multiproof["leaves"]]


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_leaves_tree_and_root_recompute(vector: dict[str, Any]) -> None:
    sealed = _sealed(vector)
    assert sealed.root_hex == vector["root"]
    assert hex32(sealed.organisation) == vector["organisation"]["id"]
    for leaf, want in zip(sealed.leaves, vector["fields"], strict=True):
        assert leaf.to_dict() == {k: want[k] for k in ("type", "name", "value", "salt")}
        assert "0x" + _encoded_value(leaf.type, leaf.value).hex() == want["encodedValue"]
        assert hex32(leaf.hash) == want["leafHash"]
    assert [hex32(n) for n in sealed.tree().tree] == vector["tree"]
    # The committed tree is internally consistent on its own (OpenZeppelin layout).
    leaves = [bytes.fromhex(h[2:]) for h in sorted(f["leafHash"] for f in vector["fields"])]
    assert [hex32(n) for n in make_tree(leaves)] == vector["tree"]


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_multiproofs_recompute_and_verify(vector: dict[str, Any]) -> None:
    sealed = _sealed(vector)
    for want in vector["multiproofs"]:
        disclosure = disclose(sealed, want["fields"])
        assert want["mask"] == field_mask(want["fields"])
        assert [leaf.to_dict() for leaf in disclosure.leaves] == want["leaves"]
        assert [hex32(n) for n in disclosure.proof] == want["proof"]
        assert list(disclosure.proof_flags) == want["proofFlags"]
        hashes = {f["name"]: bytes.fromhex(f["leafHash"][2:]) for f in vector["fields"]}
        root = process_multiproof(
            [hashes[leaf["name"]] for leaf in want["leaves"]],
            [bytes.fromhex(h[2:]) for h in want["proof"]],
            want["proofFlags"],
        )
        assert hex32(root) == vector["root"]


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_committed_sealed_and_disclosure_files(vector: dict[str, Any]) -> None:
    sealed = load_sealed_report(VECTORS_DIR / f"{vector['name']}.sealed.json")
    assert sealed == _sealed(vector)
    assert (VECTORS_DIR / f"{vector['name']}.sealed.json").read_text("utf-8") == sealed.to_json()
    disclosure = load_disclosure(VECTORS_DIR / f"{vector['name']}.disclosure.json")
    verify_disclosure(disclosure, vector["root"], sealed.organisation)
    assert disclosure.organisation == sealed.organisation


def test_generator_reproduces_every_committed_file() -> None:
    spec = importlib.util.spec_from_file_location("vector_generator", VECTORS_DIR / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    for name, text in generate.files().items():
        assert (VECTORS_DIR / name).read_text("utf-8") == text, name


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_readme_records_each_sample_organisation(vector: dict[str, Any]) -> None:
    readme = (VECTORS_DIR / "README.md").read_text("utf-8")
    org = vector["organisation"]
    assert f"| `{vector['name']}` | `{org['text']}` | `{org['id']}` |" in readme
