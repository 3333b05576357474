"""Regenerate the committed test vectors: ``python tests/vectors/generate.py``.

The vectors let other implementations check theirs against ours: for each sample report,
its fixed organisation id, fixed salts, every leaf (the 12 fields and the organisation
leaf: canonical value, ABI-encoded value, leaf hash), the whole OpenZeppelin array tree,
the root, and multiproofs for a few field subsets (each with the organisation leaf); plus
the sealed reports and one disclosure per sample as files. Salts are derived from a fixed
label so that regenerating gives the same bytes; real sealing uses random salts.

tests/report/test_vectors.py recomputes all of it and compares; a change in any output
here is a change of the on-chain format and must be deliberate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bci_registry.registry import organisation_id
from bci_registry.report import (
    ORGANISATION_LEAF,
    REPORT_FIELDS,
    SealedReport,
    disclose,
    field_mask,
    seal_report,
)
from bci_registry.report.files import load_report
from bci_registry.report.hashing import keccak
from bci_registry.report.leaves import LEAF_ENCODING, encode_value, hex32

ROOT = Path(__file__).resolve().parents[2]
VECTORS_DIR = ROOT / "tests" / "vectors"
SAMPLES = ("nmc811-module-kr-to-de", "lfp-ess-cn-to-jp", "nca-cells-jp-to-kr")
SUBSETS: tuple[tuple[str, ...], ...] = (
    ("shipment",),
    ("recycledContent", "shipment"),
    ("cathodeMaterialOrigin", "smelterIds", "mineLicences", "dueDiligenceReport"),
    ("batteryIdentifiers", "shipment", "facilityAndOperator", "verifications"),
    REPORT_FIELDS,
)
DISCLOSED = ("recycledContent", "shipment", "batteryCarbonFootprint")
ORGANISATIONS = {
    # The exporting operator's id (facilityAndOperator.operator.id) as a text id:
    # UTF-8, zero-padded on the right to 32 bytes.
    "nmc811-module-kr-to-de": "BPNL00000007KRNM",
    "lfp-ess-cn-to-jp": "NL862345671",
    "nca-cells-jp-to-kr": "BPNL00000009JPKC",
}


def vector_salt(sample: str, leaf: str) -> bytes:
    """The fixed salt of leaf ``leaf`` (a field or "organisation") in ``sample``."""
    return keccak(f"bci-registry test vector salt|{sample}|{leaf}".encode())


def sealed_sample(sample: str) -> SealedReport:
    """The sample report sealed for its fixed organisation with its fixed vector salts."""
    report = load_report(ROOT / "samples" / f"{sample}.json")
    salts = {name: vector_salt(sample, name) for name in (*REPORT_FIELDS, ORGANISATION_LEAF)}
    return seal_report(report, salts, organisation=organisation_id(ORGANISATIONS[sample]))


def vector(sample: str) -> dict[str, Any]:
    """The full vector of one sample report."""
    sealed = sealed_sample(sample)
    tree = sealed.tree()
    fields = []
    for leaf in sealed.leaves:
        fields.append(
            {
                **leaf.to_dict(),
                "encodedValue": "0x" + encode_value(leaf.type, leaf.value).hex(),
                "leafHash": hex32(leaf.hash),
            }
        )
    multiproofs = []
    for subset in SUBSETS:
        disclosure = disclose(sealed, subset)
        multiproofs.append(
            {
                "fields": list(subset),
                "mask": field_mask(subset),
                "leaves": [leaf.to_dict() for leaf in disclosure.leaves],
                "proof": [hex32(node) for node in disclosure.proof],
                "proofFlags": list(disclosure.proof_flags),
            }
        )
    return {
        "name": sample,
        "report": f"samples/{sample}.json",
        "organisation": {"text": ORGANISATIONS[sample], "id": sealed.organisation_hex},
        "fields": fields,
        "tree": [hex32(node) for node in tree.tree],
        "root": sealed.root_hex,
        "multiproofs": multiproofs,
    }


def all_vectors() -> dict[str, Any]:
    """The whole vector document."""
    return {
        "description": (
            "bci-report/1 field-commitment vectors: each report field is an EAS PrivateData "
            "leaf (type 'string', name, RFC 8785 value, salt) and the exporter's "
            "organisation id a 13th leaf (type 'bytes32', name 'organisation', the id, salt) "
            "of an OpenZeppelin StandardMerkleTree with leaf encoding "
            "[string, string, bytes, bytes32]; the third element is abi.encode([type], "
            "[value]). Every multiproof includes the organisation leaf. Salts are fixed "
            "test salts."
        ),
        "schema": "bci-report/1",
        "leafEncoding": list(LEAF_ENCODING),
        "fieldOrder": list(REPORT_FIELDS),
        "organisationLeaf": {"type": "bytes32", "name": ORGANISATION_LEAF},
        "vectors": [vector(sample) for sample in SAMPLES],
    }


def files() -> dict[str, str]:
    """Every vector file: name -> text."""
    out = {"report-vectors.json": json.dumps(all_vectors(), indent=2, ensure_ascii=False) + "\n"}
    for sample in SAMPLES:
        sealed = sealed_sample(sample)
        out[f"{sample}.sealed.json"] = sealed.to_json()
        out[f"{sample}.disclosure.json"] = disclose(sealed, DISCLOSED).to_json()
    return out


def main() -> None:
    for name, text in files().items():
        (VECTORS_DIR / name).write_text(text, encoding="utf-8")
        print(f"wrote tests/vectors/{name}")


if __name__ == "__main__":
    main()
