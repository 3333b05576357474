"""EIP-712 types of the registry, written once.

The contract declares the same type strings as constants (``*_TYPEHASH``); a
test checks that :func:`type_hash` gives the contract's value for every type,
so Python, the contract and the tests cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_account.messages import SignableMessage, encode_typed_data
from eth_utils import keccak

DOMAIN_NAME = "BCI Report Registry"
DOMAIN_VERSION = "1"

Field = tuple[str, str]

#: Every primary type the registry accepts signatures for, field by field.
#: Messages signed by an organisation's signers name the signer first: one
#: signature then counts for one seat only, even when an EIP-1271 wallet
#: accepts its owner's signature over the raw digest.
TYPES: dict[str, tuple[Field, ...]] = {
    "Approval": (
        ("signer", "address"),
        ("organisation", "bytes32"),
        ("report", "bytes32"),
        ("supersedes", "bytes32"),
        ("signerSetVersion", "uint32"),
        ("deadline", "uint64"),
    ),
    "Revocation": (
        ("signer", "address"),
        ("organisation", "bytes32"),
        ("report", "bytes32"),
        ("reason", "uint16"),
        ("signerSetVersion", "uint32"),
        ("deadline", "uint64"),
    ),
    # A batch root: the Merkle root of `size` report roots of the
    # organisation (`bci_registry.exporter.batch_tree`).
    "BatchApproval": (
        ("signer", "address"),
        ("organisation", "bytes32"),
        ("batch", "bytes32"),
        ("size", "uint32"),
        ("signerSetVersion", "uint32"),
        ("deadline", "uint64"),
    ),
    "OrganisationUpdate": (
        ("signer", "address"),
        ("organisation", "bytes32"),
        ("signers", "address[]"),
        ("threshold", "uint8"),
        ("submitters", "address[]"),
        ("signerSetVersion", "uint32"),
        ("deadline", "uint64"),
    ),
    # Signed by verifiers for the attestation registry (its own domain:
    # `bci_registry.attestations.AttestationDomain`).
    "Attestation": (
        ("verifier", "address"),
        ("organisation", "bytes32"),
        ("report", "bytes32"),
        ("verdict", "uint8"),
        ("fields", "uint16"),
        ("evidence", "bytes32"),
        ("verifiedAt", "uint64"),
        ("expiresAt", "uint64"),
        ("nonce", "uint64"),
        ("deadline", "uint64"),
    ),
    "AttestationRevocation": (
        ("verifier", "address"),
        ("organisation", "bytes32"),
        ("report", "bytes32"),
        ("attestedAt", "uint64"),
        ("reason", "uint16"),
        ("nonce", "uint64"),
        ("deadline", "uint64"),
    ),
    # A verifier attests every member of an anchored batch (its root and
    # approved size); and withdraws that attestation from one member.
    "BatchAttestation": (
        ("verifier", "address"),
        ("organisation", "bytes32"),
        ("batch", "bytes32"),
        ("size", "uint32"),
        ("verdict", "uint8"),
        ("fields", "uint16"),
        ("evidence", "bytes32"),
        ("verifiedAt", "uint64"),
        ("expiresAt", "uint64"),
        ("nonce", "uint64"),
        ("deadline", "uint64"),
    ),
    "MemberAttestationRevocation": (
        ("verifier", "address"),
        ("organisation", "bytes32"),
        ("report", "bytes32"),
        ("batch", "bytes32"),
        ("attestedAt", "uint64"),
        ("reason", "uint16"),
        ("nonce", "uint64"),
        ("deadline", "uint64"),
    ),
    # A verifier withdraws every signed message it has not had relayed:
    # all nonces below `below` become used.
    "NonceCancellation": (
        ("verifier", "address"),
        ("below", "uint64"),
        ("deadline", "uint64"),
    ),
}


@dataclass(frozen=True)
class Domain:
    """The registry's EIP-712 domain: one deployment on one chain."""

    chain_id: int
    verifying_contract: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": self.verifying_contract,
        }


def type_string(primary_type: str) -> str:
    """The canonical EIP-712 type string, e.g. ``Approval(bytes32 organisation,...)``."""
    fields = ",".join(f"{kind} {name}" for name, kind in TYPES[primary_type])
    return f"{primary_type}({fields})"


def type_hash(primary_type: str) -> bytes:
    """keccak256 of the type string: what the contract's ``*_TYPEHASH`` holds."""
    return keccak(text=type_string(primary_type))


def typed_data(domain: Domain, primary_type: str, message: Mapping[str, Any]) -> dict[str, Any]:
    """The full EIP-712 JSON document (as wallets and ``eth_signTypedData_v4`` take it)."""
    names = {name for name, _ in TYPES[primary_type]}
    if set(message) != names:
        missing, extra = sorted(names - set(message)), sorted(set(message) - names)
        raise ValueError(f"{primary_type} message: missing {missing}, unexpected {extra}")
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            primary_type: [{"name": name, "type": kind} for name, kind in TYPES[primary_type]],
        },
        "primaryType": primary_type,
        "domain": domain.as_dict(),
        "message": dict(message),
    }


def signable(domain: Domain, primary_type: str, message: Mapping[str, Any]) -> SignableMessage:
    """The message an account signs (``0x1901 || domainSeparator || structHash``)."""
    return encode_typed_data(full_message=typed_data(domain, primary_type, message))


def digest(domain: Domain, primary_type: str, message: Mapping[str, Any]) -> bytes:
    """The 32-byte EIP-712 digest the contract recovers signers from."""
    msg = signable(domain, primary_type, message)
    return keccak(b"\x19" + msg.version + msg.header + msg.body)
