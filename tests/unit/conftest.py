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

from bci_registry.attestations import AttestationDomain, SignedAttestation, attestation_message
from bci_registry.attestations import sign as sign_attestation_message
from bci_registry.audit import LoggedEvent
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
    """The registry with `governance` as admin too (the timelocked set-up is in
    test_governance.py), deployed by `governance`."""
    return governance.deploy(project.ReportRegistry, governance, governance, pauser)


@pytest.fixture
def domain(registry: Any, chain: Any) -> Domain:
    return Domain(chain_id=chain.chain_id, verifying_contract=registry.address)


@pytest.fixture
def org(registry: Any, governance: Any, signers: list[Any], submitter: Any) -> bytes:
    registry.register_organisation(
        ORG, [s.address for s in signers[:3]], 2, [submitter], sender=governance
    )
    return ORG


#: Messages signed by an organisation's signers: each names its signer.
SIGNER_MESSAGES = ("Approval", "Revocation", "OrganisationUpdate")


def approval(
    org: bytes,
    report: bytes,
    supersedes: bytes = bytes(32),
    version: int = 1,
    deadline: int = FAR_FUTURE,
) -> dict[str, Any]:
    """An `Approval` message without its signer (`sign_as` / `approvals` add it)."""
    return {
        "organisation": org,
        "report": report,
        "supersedes": supersedes,
        "signerSetVersion": version,
        "deadline": deadline,
    }


def for_signer(account: Any, primary_type: str, message: dict[str, Any]) -> dict[str, Any]:
    """`message` naming `account` as its signer, unless it already names one."""
    if primary_type not in SIGNER_MESSAGES or "signer" in message:
        return message
    address = account if isinstance(account, str) else account.address
    return {"signer": address, **message}


@pytest.fixture
def sign_as(domain: Domain) -> Callable[..., SignedApproval]:
    """Sign a message as an Ape test account (naming it as the signer)."""

    def _sign(
        account: Any, primary_type: str, message: dict[str, Any], on_domain: Domain | None = None
    ) -> SignedApproval:
        return sign(
            account.private_key,
            on_domain or domain,
            primary_type,
            for_signer(account, primary_type, message),
        )

    return _sign


@pytest.fixture
def approvals(registry: Any, sign_as: Callable[..., SignedApproval]) -> Callable[..., bytes]:
    """Blob of approvals from `who` for a message, each naming its signer.

    Slots come from the organisation's current signer list (`order` overrides
    it, e.g. for an organisation that is not registered).
    """

    def _blob(
        who: Sequence[Any],
        message: dict[str, Any],
        primary_type: str = "Approval",
        order: Sequence[str] | None = None,
    ) -> bytes:
        if order is None:
            order = [str(a) for a in registry.organisation(message["organisation"]).signers]
            if not order:
                order = [a.address for a in who]
        return pack((sign_as(a, primary_type, message) for a in who), order)

    return _blob


@pytest.fixture
def reverts() -> Any:
    return ape.reverts


# ----------------------------------------------------------- attestations

VERIFIER_ID = keccak(text="verifier:battery-lab-1")
EVIDENCE = keccak(text="evidence:audit-certificate-1")
DAY = 86_400
YEAR = 365 * DAY
ALL_FIELDS = 0xFFF


@pytest.fixture
def attestation_registry(project: Any, registry: Any, governance: Any) -> Any:
    return governance.deploy(project.AttestationRegistry, registry)


@pytest.fixture
def att_domain(attestation_registry: Any, chain: Any) -> AttestationDomain:
    return AttestationDomain(
        chain_id=chain.chain_id, verifying_contract=attestation_registry.address
    )


def _funded_account(accounts: Any, funder: Any) -> Any:
    account = accounts.generate_test_account()
    funder.transfer(account, 10**18)
    return account


@pytest.fixture
def verifier(accounts: Any, governance: Any) -> Any:
    """A fresh, funded EOA (not accredited: see `accredited`)."""
    return _funded_account(accounts, governance)


@pytest.fixture
def verifier2(accounts: Any, governance: Any) -> Any:
    return _funded_account(accounts, governance)


@pytest.fixture
def anchored(registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any) -> bytes:
    """REPORT, anchored by the organisation's 2-of-3 fast path."""
    registry.anchor(
        org, REPORT, FAR_FUTURE, approvals(signers[:2], approval(org, REPORT)), sender=outsider
    )
    return REPORT


@pytest.fixture
def accredit(attestation_registry: Any, governance: Any, chain: Any) -> Callable[..., Any]:
    """Accredit an account: every field, valid from now for a year, unless told otherwise."""

    def _accredit(
        account: Any,
        scope: int = ALL_FIELDS,
        valid_from: int | None = None,
        valid_until: int | None = None,
        verifier_id: bytes = VERIFIER_ID,
    ) -> Any:
        now = chain.pending_timestamp
        return attestation_registry.accredit_verifier(
            account,
            verifier_id,
            scope,
            now - 1 if valid_from is None else valid_from,
            now + YEAR if valid_until is None else valid_until,
            sender=governance,
        )

    return _accredit


@pytest.fixture
def accredited(verifier: Any, accredit: Callable[..., Any]) -> Any:
    """`verifier`, accredited for every field for a year."""
    accredit(verifier)
    return verifier


def attest_args(
    report: bytes,
    now: int,
    verdict: int = 1,
    fields: int = ALL_FIELDS,
    evidence: bytes = EVIDENCE,
    verified_at: int | None = None,
    expires_at: int | None = None,
    organisation: bytes = ORG,
) -> list[Any]:
    """Arguments of `attest(organisation, report, ...)`: a pass on every field of
    ORG's report, verified a day ago, for half a year (inside the `accredit`
    fixture's one-year accreditation). The attestation tests' own helpers are
    in `test_attestation_support.py`."""
    return [
        organisation,
        report,
        verdict,
        fields,
        evidence,
        now - DAY if verified_at is None else verified_at,
        now + YEAR // 2 if expires_at is None else expires_at,
    ]


def attestation_msg(
    verifier: Any, report: bytes, now: int, nonce: int = 0, deadline: int = FAR_FUTURE, **terms: Any
) -> dict[str, Any]:
    """An `Attestation` message with the `attest_args` defaults."""
    organisation, report_, verdict, fields, evidence, verified_at, expires_at = attest_args(
        report, now, **terms
    )
    return attestation_message(
        verifier=verifier.address,
        organisation=organisation,
        report=report_,
        verdict=verdict,
        fields=fields,
        evidence=evidence,
        verified_at=verified_at,
        expires_at=expires_at,
        nonce=nonce,
        deadline=deadline,
    )


@pytest.fixture
def sign_attestation(att_domain: AttestationDomain) -> Callable[..., SignedAttestation]:
    """Sign an attestation-registry message as an Ape test account."""

    def _sign(
        account: Any,
        message: dict[str, Any],
        primary_type: str = "Attestation",
        on_domain: AttestationDomain | None = None,
    ) -> SignedAttestation:
        return sign_attestation_message(
            account.private_key, on_domain or att_domain, primary_type, message
        )

    return _sign


def contract_events(contract: Any, chain: Any) -> list[LoggedEvent]:
    """Every event a contract has emitted, as the audit replay takes them."""
    events = []
    for abi in contract.contract_type.events:
        for log in getattr(contract, abi.name).range(0, chain.blocks.height + 1):
            events.append(
                LoggedEvent(
                    name=log.event_name,
                    args=dict(log.event_arguments),
                    block_number=log.block_number,
                    log_index=log.log_index,
                    block_timestamp=chain.blocks[log.block_number].timestamp,
                )
            )
    return events
