"""Shared helpers of the attestation tests (no tests here).

The attestation tests build their calls and messages here rather than in
`conftest.py`, so that the report registry's fixtures and these helpers can
change independently. A report is identified by (organisation, root).
"""

from __future__ import annotations

from typing import Any

from eth_account import Account

from bci_registry.attestations import (
    AttestationDomain,
    SignedAttestation,
    attestation_message,
    revocation_message,
    signable_message,
)
from bci_registry.eip712 import signable
from bci_registry.signatures import compact
from conftest import ALL_FIELDS, DAY, EVIDENCE, FAR_FUTURE, ORG, OTHER_ORG, REPORT, VERIFIER_ID

__all__ = [
    "ALL_FIELDS",
    "DAY",
    "EVIDENCE",
    "FAR_FUTURE",
    "HALF_YEAR",
    "ORG",
    "OTHER_ORG",
    "REPORT",
    "VERIFIER_ID",
    "att_args",
    "att_msg",
    "forge",
    "raw_signature",
    "rev_msg",
]

#: The default lifetime of a test attestation: inside the `accredit`
#: fixture's one-year accreditation (an attestation may not outlive it).
HALF_YEAR = 182 * DAY


def att_args(
    org: bytes,
    report: bytes,
    now: int,
    verdict: int = 1,
    fields: int = ALL_FIELDS,
    evidence: bytes = EVIDENCE,
    verified_at: int | None = None,
    expires_at: int | None = None,
) -> list[Any]:
    """Arguments of `attest`: a pass on every field, verified a day ago, for half a year."""
    return [
        org,
        report,
        verdict,
        fields,
        evidence,
        now - DAY if verified_at is None else verified_at,
        now + HALF_YEAR if expires_at is None else expires_at,
    ]


def att_msg(
    verifier: Any,
    org: bytes,
    report: bytes,
    now: int,
    nonce: int = 0,
    deadline: int = FAR_FUTURE,
    **terms: Any,
) -> dict[str, Any]:
    """An `Attestation` message with the `att_args` defaults."""
    org_, report_, verdict, fields, evidence, verified_at, expires_at = att_args(
        org, report, now, **terms
    )
    return attestation_message(
        verifier=getattr(verifier, "address", verifier),
        organisation=org_,
        report=report_,
        verdict=verdict,
        fields=fields,
        evidence=evidence,
        verified_at=verified_at,
        expires_at=expires_at,
        nonce=nonce,
        deadline=deadline,
    )


def rev_msg(
    verifier: Any,
    org: bytes,
    report: bytes,
    attested_at: int,
    reason: int = 4,
    nonce: int = 0,
    deadline: int = FAR_FUTURE,
) -> dict[str, Any]:
    """An `AttestationRevocation` message (checked by the Python builder)."""
    return revocation_message(
        verifier=getattr(verifier, "address", verifier),
        organisation=org,
        report=report,
        attested_at=attested_at,
        reason=reason,
        nonce=nonce,
        deadline=deadline,
    )


def raw_signature(
    key: bytes, domain: AttestationDomain, primary_type: str, message: dict[str, Any]
) -> bytes:
    """The 65-byte r || s || v signature of any message, unchecked (for attacks
    the Python builder would refuse to sign)."""
    return bytes(Account.sign_message(signable(domain, primary_type, message), key).signature)


def forge(
    account: Any,
    message: dict[str, Any],
    domain: AttestationDomain,
    primary_type: str = "Attestation",
) -> SignedAttestation:
    """`account`'s signature over `message`, unchecked (the Python side refuses a wrong signer)."""
    raw = Account.sign_message(signable_message(domain, primary_type, message), account.private_key)
    return SignedAttestation(domain, primary_type, message, bytes(raw.signature))


def compact_of(signature: bytes) -> bytes:
    """The EIP-2098 form the contract takes from an EOA."""
    return compact(signature)
