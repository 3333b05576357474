"""Regenerate the committed test vectors: ``python tests/vectors/generate.py``.

The vectors let other implementations check theirs against ours: for each sample report,
fixed salts, every leaf (canonical value, ABI-encoded value, leaf hash), the whole
OpenZeppelin array tree, the root, and multiproofs for a few field subsets; plus the
sealed reports and one disclosure per sample as files. Salts are derived from a fixed
label so that regenerating gives the same bytes; real sealing uses random salts.

tests/report/test_vectors.py recomputes all of it and compares; a change in any output
here is a change of the on-chain format and must be deliberate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eth_abi.abi import encode as abi_encode

from bci_registry.report import REPORT_FIELDS, SealedReport, disclose, field_mask, seal_report
from bci_registry.report.files import load_report
from bci_registry.report.hashing import keccak
from bci_registry.report.leaves import LEAF_ENCODING, hex32

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


def vector_salt(sample: str, field: str) -> bytes:
    """The fixed salt of ``field`` in ``sample``: keccak256 of a readable label."""
    return keccak(f"bci-registry test vector salt|{sample}|{field}".encode())


def sealed_sample(sample: str) -> SealedReport:
    """The sample report sealed with its fixed vector salts."""
    report = load_report(ROOT / "samples" / f"{sample}.json")
    return seal_report(report, {name: vector_salt(sample, name) for name in REPORT_FIELDS})


def vector(sample: str) -> dict[str, Any]:
    """The full vector of one sample report."""
    sealed = sealed_sample(sample)
    tree = sealed.tree()
    fields = []
    for leaf in sealed.fields:
        fields.append(
            {
                **leaf.to_dict(),
                "encodedValue": "0x" + abi_encode([leaf.type], [leaf.value]).hex(),
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
            "leaf (type, name, RFC 8785 value, salt) of an OpenZeppelin StandardMerkleTree "
            "with leaf encoding [string, string, bytes, bytes32]; the third element is "
            "abi.encode(['string'], [value]). Salts are fixed test salts."
        ),
        "schema": "bci-report/1",
        "leafEncoding": list(LEAF_ENCODING),
        "fieldOrder": list(REPORT_FIELDS),
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
