"""The EIP-712 types are written once: Python and the contract must agree."""

from typing import Any

import pytest

from bci_registry.eip712 import TYPES, type_hash


@pytest.mark.parametrize(
    ("primary_type", "constant"),
    [
        ("Approval", "APPROVAL_TYPEHASH"),
        ("Revocation", "REVOCATION_TYPEHASH"),
        ("OrganisationUpdate", "ORGANISATION_UPDATE_TYPEHASH"),
    ],
)
def test_type_hashes_match_contract(registry: Any, primary_type: str, constant: str) -> None:
    assert bytes(getattr(registry, constant)()) == type_hash(primary_type)


def test_every_python_type_is_checked() -> None:
    assert set(TYPES) == {"Approval", "Revocation", "OrganisationUpdate"}


def test_domain_is_reported_by_contract(registry: Any, chain: Any) -> None:
    fields, name, version, chain_id, contract, _salt, _ext = registry.eip712Domain()
    assert (name, version, chain_id, contract) == ("BCI Report Registry", "1", chain.chain_id, registry.address)
