"""Fixtures for the registry's unit tests on Ape's in-process chain.

Ape reverts chain state between tests, so roles and organisations are set up
here, per test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ape
import pytest
from eth_utils import keccak

from bci_registry.eip712 import Domain
from bci_registry.signatures import SignedApproval, pack, sign

ORG = keccak(text="org:acme-cells")
OTHER_ORG = keccak(text="org:other-exporter")
REPORT = keccak(text="report:1")
FAR_FUTURE = 2**40


@pytest.fixture
def governance(accounts: Any) -> Any:
    return accounts[0]


@pytest.fixture
def pauser(accounts: Any) -> Any:
    return accounts[1]


@pytest.fixture
def submitter(accounts: Any) -> Any:
    return accounts[2]


@pytest.fixture
def outsider(accounts: Any) -> Any:
    return accounts[3]


@pytest.fixture
def signers(accounts: Any) -> list[Any]:
    """Five signers; the organisation fixture uses the first three (2-of-3)."""
    return [accounts[i] for i in range(4, 9)]


@pytest.fixture
def registry(project: Any, governance: Any, pauser: Any) -> Any:
    return governance.deploy(project.ReportRegistry, governance, pauser)


@pytest.fixture
def domain(registry: Any, chain: Any) -> Domain:
    return Domain(chain_id=chain.chain_id, verifying_contract=registry.address)


@pytest.fixture
def org(registry: Any, governance: Any, signers: list[Any], submitter: Any) -> bytes:
    registry.register_organisation(ORG, [s.address for s in signers[:3]], 2, [submitter], sender=governance)
    return ORG


def approval(org: bytes, report: bytes, supersedes: bytes = bytes(32), version: int = 1,
             deadline: int = FAR_FUTURE) -> dict[str, Any]:
    return {
        "organisation": org,
        "report": report,
        "supersedes": supersedes,
        "signerSetVersion": version,
        "deadline": deadline,
    }


@pytest.fixture
def sign_as(domain: Domain) -> Callable[..., SignedApproval]:
    def _sign(account: Any, primary_type: str, message: dict[str, Any],
              on_domain: Domain | None = None) -> SignedApproval:
        return sign(account.private_key, on_domain or domain, primary_type, message)

    return _sign


@pytest.fixture
def approvals(sign_as: Callable[..., SignedApproval]) -> Callable[..., bytes]:
    """Blob of approvals from `who` for a message."""

    def _blob(who: Sequence[Any], message: dict[str, Any], primary_type: str = "Approval") -> bytes:
        return pack(sign_as(a, primary_type, message) for a in who)

    return _blob


@pytest.fixture
def reverts() -> Any:
    return ape.reverts
