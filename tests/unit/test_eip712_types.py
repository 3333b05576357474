"""The EIP-712 types are written once: Python and the contract must agree."""

from typing import Any

import pytest

from bci_registry.attestations import AttestationDomain
from bci_registry.eip712 import TYPES, type_hash


@pytest.mark.parametrize(
    ("primary_type", "constant"),
    [
        ("Approval", "APPROVAL_TYPEHASH"),
        ("Revocation", "REVOCATION_TYPEHASH"),
        ("OrganisationUpdate", "ORGANISATION_UPDATE_TYPEHASH"),
        ("BatchApproval", "BATCH_APPROVAL_TYPEHASH"),
    ],
)
def test_type_hashes_match_contract(registry: Any, primary_type: str, constant: str) -> None:
    assert bytes(getattr(registry, constant)()) == type_hash(primary_type)


@pytest.mark.parametrize(
    ("primary_type", "constant"),
    [
        ("Attestation", "ATTESTATION_TYPEHASH"),
        ("AttestationRevocation", "ATTESTATION_REVOCATION_TYPEHASH"),
        ("NonceCancellation", "NONCE_CANCELLATION_TYPEHASH"),
        ("BatchAttestation", "BATCH_ATTESTATION_TYPEHASH"),
        ("MemberAttestationRevocation", "MEMBER_ATTESTATION_REVOCATION_TYPEHASH"),
    ],
)
def test_attestation_type_hashes_match_contract(
    attestation_registry: Any, primary_type: str, constant: str
) -> None:
    assert bytes(getattr(attestation_registry, constant)()) == type_hash(primary_type)


def test_every_python_type_is_checked() -> None:
    assert set(TYPES) == {
        "Approval",
        "Revocation",
        "OrganisationUpdate",
        "BatchApproval",
        "Attestation",
        "AttestationRevocation",
        "NonceCancellation",
        "BatchAttestation",
        "MemberAttestationRevocation",
    }


def test_attestation_domain_is_reported_by_contract(attestation_registry: Any, chain: Any) -> None:
    _fields, name, version, chain_id, contract, _salt, _ext = attestation_registry.eip712Domain()
    expected = AttestationDomain(chain.chain_id, attestation_registry.address).as_dict()
    reported = {"name": name, "version": version, "chainId": chain_id}
    assert reported | {"verifyingContract": contract} == expected


def test_domain_is_reported_by_contract(registry: Any, chain: Any) -> None:
    fields, name, version, chain_id, contract, _salt, _ext = registry.eip712Domain()
    assert fields == b"\x0f"  # name, version, chainId, verifyingContract
    assert (name, version, chain_id, contract) == (
        "BCI Report Registry",
        "1",
        chain.chain_id,
        registry.address,
    )
