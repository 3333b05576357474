"""Batch trees: many report roots of one organisation under one anchored root.

An organisation anchors a *batch root* with one threshold approval
(``ReportRegistry.anchor_batch``, EIP-712 ``BatchApproval``); each member
report then proves its inclusion with a Merkle proof, on chain
(``member_status``, ``in_force``, ``revoke_member``, ...) and off chain.

The tree is an OpenZeppelin ``StandardMerkleTree`` with leaf encoding
``["bytes32", "bytes32"]`` over ``(organisation, report root)``::

    leaf = keccak256(keccak256(abi.encode(bytes32 organisation, bytes32 report)))

- hashing twice keeps a leaf (keccak of 32 bytes) from ever equalling an inner
  node (keccak of 64 bytes): no second-preimage by presenting an inner node;
- the organisation in the leaf binds the member to its exporter: a proof for
  organisation A's member does not prove anything under organisation B;
- pairs are hashed sorted and the leaves sorted, exactly as
  ``@openzeppelin/merkle-tree`` does (``StandardMerkleTree.of(values,
  ["bytes32","bytes32"])`` gives the same root and proofs), so the contract's
  snekmate ``merkle_proof_verification`` and OpenZeppelin's ``MerkleProof``
  both accept them.

A member's proof file (``bci-batch-proof/1``) sits beside its sealed report::

    {"schema": "bci-batch-proof/1", "organisation": "0x<64 hex>",
     "report": "0x<64 hex>", "batch": "0x<64 hex>", "size": 100,
     "proof": ["0x<64 hex>", ...]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bci_registry.report.leaves import hex32, parse_hex32
from bci_registry.report.merkle import StandardMerkleTree, process_proof, standard_leaf_hash

PROOF_SCHEMA = "bci-batch-proof/1"
LEAF_ENCODING = ("bytes32", "bytes32")
#: The contract's ``MAX_BATCH_PROOF``: proofs longer than this are refused on chain.
MAX_PROOF = 32
#: A batch size is a ``uint32`` in the signed ``BatchApproval``.
MAX_SIZE = 2**32 - 1


class BatchError(ValueError):
    """A batch or a batch proof that cannot be used."""


def _bytes32(value: bytes, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != 32:
        raise BatchError(f"{what} must be 32 bytes")
    return bytes(value)


def member_leaf(organisation: bytes, report: bytes) -> bytes:
    """The leaf of ``report`` in a batch of ``organisation`` (the contract's ``member_leaf``)."""
    return standard_leaf_hash(
        LEAF_ENCODING,
        [_bytes32(organisation, "an organisation id"), _bytes32(report, "a report root")],
    )


@dataclass(frozen=True)
class BatchProof:
    """One member's inclusion proof: what customs and the contract need besides the report."""

    organisation: bytes
    report: bytes
    batch: bytes
    size: int
    proof: tuple[bytes, ...]

    def verify(self) -> bool:
        """Whether ``proof`` leads from the member's leaf to ``batch``."""
        return verify_member(self.organisation, self.report, self.batch, self.proof)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": PROOF_SCHEMA,
            "organisation": hex32(self.organisation),
            "report": hex32(self.report),
            "batch": hex32(self.batch),
            "size": self.size,
            "proof": [hex32(node) for node in self.proof],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, obj: Any) -> BatchProof:
        """Load a ``bci-batch-proof/1`` object; BatchError names the first problem."""
        if not isinstance(obj, Mapping):
            raise BatchError("a batch proof is a JSON object")
        if obj.get("schema") != PROOF_SCHEMA:
            raise BatchError(f"$.schema: expected {PROOF_SCHEMA!r}, got {obj.get('schema')!r}")
        extra = set(obj) - {"schema", "organisation", "report", "batch", "size", "proof"}
        if extra:
            raise BatchError(f"$: unknown keys {sorted(extra)}")
        values: dict[str, bytes] = {}
        for key in ("organisation", "report", "batch"):
            parsed = parse_hex32(obj.get(key))
            if parsed is None:
                raise BatchError(f"$.{key}: expected 0x followed by 64 hex digits")
            values[key] = parsed
        size = obj.get("size")
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_SIZE:
            raise BatchError(f"$.size: expected an integer from 1 to {MAX_SIZE}")
        raw = obj.get("proof")
        if not isinstance(raw, list) or len(raw) > MAX_PROOF:
            raise BatchError(f"$.proof: expected an array of at most {MAX_PROOF} hashes")
        nodes = []
        for i, item in enumerate(raw):
            node = parse_hex32(item)
            if node is None:
                raise BatchError(f"$.proof[{i}]: expected 0x followed by 64 hex digits")
            nodes.append(node)
        return cls(size=size, proof=tuple(nodes), **values)

    @classmethod
    def from_json(cls, text: str) -> BatchProof:
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as exc:
            raise BatchError(f"not JSON: {exc}") from None


def verify_member(organisation: bytes, report: bytes, batch: bytes, proof: Sequence[bytes]) -> bool:
    """Off-chain check of a member proof, as the contract does it."""
    if len(proof) > MAX_PROOF:
        return False
    try:
        return process_proof(member_leaf(organisation, report), list(proof)) == batch
    except ValueError:
        return False


class BatchTree:
    """The batch tree over an organisation's report roots (at least one, no duplicates)."""

    def __init__(self, organisation: bytes, reports: Iterable[bytes]) -> None:
        self.organisation = _bytes32(organisation, "an organisation id")
        self.reports: tuple[bytes, ...] = tuple(
            _bytes32(report, "a report root") for report in reports
        )
        if not self.reports:
            raise BatchError("a batch needs at least one report")
        if len(self.reports) > MAX_SIZE:
            raise BatchError(f"a batch holds at most {MAX_SIZE} reports")
        if any(report == bytes(32) for report in self.reports):
            raise BatchError("a report root is zero")
        if len(set(self.reports)) != len(self.reports):
            raise BatchError("a report root appears twice in the batch (anchor each report once)")
        self._leaf = {report: member_leaf(self.organisation, report) for report in self.reports}
        self._tree = StandardMerkleTree(list(self._leaf.values()))

    @property
    def root(self) -> bytes:
        """The batch root that ``anchor_batch`` anchors."""
        return self._tree.root

    @property
    def size(self) -> int:
        """The number of member reports (the ``size`` the signers approve)."""
        return len(self.reports)

    def leaf(self, report: bytes) -> bytes:
        try:
            return self._leaf[report]
        except KeyError:
            raise BatchError(f"report {hex32(report)} is not in the batch") from None

    def proof(self, report: bytes) -> BatchProof:
        """The member's inclusion proof."""
        return BatchProof(
            organisation=self.organisation,
            report=report,
            batch=self.root,
            size=self.size,
            proof=tuple(self._tree.proof(self.leaf(report))),
        )

    def proofs(self) -> list[BatchProof]:
        """Every member's proof, in the order the reports were given."""
        return [self.proof(report) for report in self.reports]


def batch_approval_message(
    signer: str,
    organisation: bytes,
    batch: bytes,
    size: int,
    signer_set_version: int,
    deadline: int,
) -> dict[str, Any]:
    """The EIP-712 ``BatchApproval`` message ``signer`` signs (it names its signer)."""
    return {
        "signer": signer,
        "organisation": organisation,
        "batch": batch,
        "size": size,
        "signerSetVersion": signer_set_version,
        "deadline": deadline,
    }
