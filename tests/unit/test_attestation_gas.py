"""Gas and calldata of the attestation paths, from receipts, against the issue's goals.

Before issue 8 (reports keyed by the bare root, verifier-indexed storage)
the same scenarios measured: attest 58,950 gas / 196 B, attest_by_signature
70,598 / 420 B, revoke_attestation 36,441 / 68 B,
revoke_attestation_by_signature 48,335 / 324 B. Run with `-s` to print the
numbers now.
"""

from typing import Any

from eth_utils import keccak
from test_attestation_support import FAR_FUTURE, ORG, att_args, att_msg, rev_msg

from conftest import approval


def test_gas_and_calldata(
    attestation_registry: Any, registry: Any, org: bytes, signers: list[Any], approvals: Any,
    accredit: Any, accounts: Any, governance: Any, outsider: Any, sign_attestation: Any,
    chain: Any,
) -> None:  # fmt: skip
    reports = [keccak(text=f"gas:{i}") for i in range(2)]
    for root in reports:
        registry.anchor(
            org, root, FAR_FUTURE, approvals(signers[:2], approval(org, root)), sender=outsider
        )
    first, second = (accounts.generate_test_account() for _ in range(2))
    measured: dict[str, tuple[int, int]] = {}
    for verifier in (first, second):
        governance.transfer(verifier, 10**18)
    measured["accredit_verifier (new)"] = (accredit(first).gas_used, 4 + 5 * 32)
    accredit(second)
    now = chain.pending_timestamp

    def record(name: str, tx: Any) -> None:
        measured[name] = (tx.gas_used, len(tx.data))

    record("attest", attestation_registry.attest(*att_args(ORG, reports[0], now), sender=first))
    record(
        "attest (second verifier of the report)",
        attestation_registry.attest(*att_args(ORG, reports[0], now), sender=second),
    )
    record(
        "attest (replacing its own)",
        attestation_registry.attest(
            *att_args(ORG, reports[0], now, verified_at=now - 10), sender=first
        ),
    )
    record(
        "revoke_attestation",
        attestation_registry.revoke_attestation(ORG, reports[0], 1, sender=first),
    )
    signed = sign_attestation(first, att_msg(first, ORG, reports[1], now, nonce=0))
    tx = attestation_registry.attest_by_signature(*signed.call_args(), sender=outsider)
    record("attest_by_signature", tx)
    revocation = sign_attestation(
        first, rev_msg(first, ORG, reports[1], tx.timestamp, nonce=1), "AttestationRevocation"
    )
    record(
        "revoke_attestation_by_signature",
        attestation_registry.revoke_attestation_by_signature(
            *revocation.call_args(), sender=outsider
        ),
    )
    record("cancel_nonces", attestation_registry.cancel_nonces(10, sender=first))
    for name, (gas, calldata) in measured.items():
        print(f"{name:42} {gas:>7,} gas {calldata:>4} B calldata")
    view = attestation_registry.customs_view.estimate_gas_cost(ORG, reports[0])
    print(f"{'customs_view (2 attestations, eth_call)':42} {view:>7,} gas")
    assert measured["attest"][0] <= 60_000
    assert measured["attest_by_signature"][0] <= 75_000
    assert measured["attest"][1] == 4 + 7 * 32
    assert measured["attest_by_signature"][1] == 4 + 12 * 32 + 64
