"""The registry deployed on Ape's in-process chain, with one anchored and attested sample report.

Module-scoped: Ape reverts each test's changes to the state these fixtures built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak

from bci_registry.customs.chain import ChainReader, Web3Node
from bci_registry.deployment import DeployedContract, Deployment
from bci_registry.eip712 import Domain
from bci_registry.registry import approval_message
from bci_registry.signatures import pack, sign

from .helpers import write_sample

ORGANISATION = b"KR-EORI-KR1234567890123".ljust(32, b"\0")
VERIFIER_ID = keccak(text="verifier:battery-lab-1")
FAR_FUTURE = 2**40 - 1
YEAR = 365 * 86_400


class CountingNode(Web3Node):
    """Ape's web3, counting the eth_calls made."""

    def __init__(self, web3: Any) -> None:
        super().__init__(web3, "ape test chain")
        self.eth_calls = 0

    def call(self, to: str, data: bytes) -> bytes:
        self.eth_calls += 1
        return super().call(to, data)


@pytest.fixture(scope="module")
def governance(accounts: Any) -> Any:
    return accounts[0]


@pytest.fixture(scope="module")
def relayer(accounts: Any) -> Any:
    return accounts[3]


@pytest.fixture(scope="module")
def signers(accounts: Any) -> list[Any]:
    return [accounts[i] for i in (4, 5, 6)]


@pytest.fixture(scope="module")
def verifier(accounts: Any) -> Any:
    return accounts[8]


@pytest.fixture(scope="module")
def contracts(project: Any, governance: Any) -> dict[str, Any]:
    registry = governance.deploy(project.ReportRegistry, governance, governance, governance)
    return {
        "registry": registry,
        "attestations": governance.deploy(project.AttestationRegistry, registry),
        "multicall": governance.deploy(project.Multicall),
    }


@pytest.fixture(scope="module")
def deployment(contracts: dict[str, Any], chain: Any, governance: Any) -> Deployment:
    def deployed(contract: Any) -> DeployedContract:
        return DeployedContract(contract.address, 1, "0x" + "00" * 32)

    return Deployment(
        network="ethereum:local",
        chain_id=chain.chain_id,
        report_registry=deployed(contracts["registry"]),
        attestation_registry=deployed(contracts["attestations"]),
        deployer=governance.address,
        governance=governance.address,
        pauser=governance.address,
        compiler="vyper 0.4.3",
        multicall=deployed(contracts["multicall"]),
    )


@pytest.fixture
def node(chain: Any) -> CountingNode:
    return CountingNode(chain.provider.web3)


@pytest.fixture
def reader(node: CountingNode, deployment: Deployment) -> ChainReader:
    return ChainReader(node, deployment)


@pytest.fixture(scope="module")
def anchor(contracts: dict[str, Any], chain: Any, signers: list[Any], relayer: Any) -> Any:
    """Anchor a root with two of the three signers' EIP-712 approvals (the fast path)."""
    registry = contracts["registry"]
    domain = Domain(chain_id=chain.chain_id, verifying_contract=registry.address)

    def _anchor(root: bytes, supersedes: bytes = bytes(32)) -> Any:
        blob = pack(
            (
                sign(
                    s.private_key,
                    domain,
                    "Approval",
                    approval_message(s.address, ORGANISATION, root, supersedes, 1, FAR_FUTURE),
                )
                for s in signers[:2]
            ),
            [s.address for s in signers],
        )
        if supersedes != bytes(32):
            return registry.anchor_correction(
                ORGANISATION, root, supersedes, FAR_FUTURE, blob, sender=relayer
            )
        return registry.anchor(ORGANISATION, root, FAR_FUTURE, blob, sender=relayer)

    return _anchor


@pytest.fixture(scope="module")
def sample(
    tmp_path_factory: pytest.TempPathFactory,
    contracts: dict[str, Any],
    governance: Any,
    signers: list[Any],
    verifier: Any,
    anchor: Any,
    chain: Any,
) -> tuple[bytes, Path, Path]:
    """The sample sealed (fresh salts), anchored 2-of-3 and attested: (root, sealed, disclosure)."""
    root, sealed, disclosure = write_sample(tmp_path_factory.mktemp("customs-chain"), ORGANISATION)
    registry, attestations = contracts["registry"], contracts["attestations"]
    registry.register_organisation(
        ORGANISATION, [s.address for s in signers], 2, [governance], sender=governance
    )
    anchor(root)
    now = chain.pending_timestamp
    attestations.accredit_verifier(
        verifier, VERIFIER_ID, 0xFFF, now - 1, now + YEAR, sender=governance
    )
    attestations.attest(
        ORGANISATION, root, 1, 0xFFF, keccak(text="evidence"), now - 60, now + YEAR, sender=verifier
    )
    return root, sealed, disclosure
