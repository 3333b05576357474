"""Signature attacks against the approval paths."""

from typing import Any

import ape
import pytest
from eth_account import Account
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bci_registry.eip712 import Domain, signable
from bci_registry.signatures import SignatureError, SignedApproval, compact, pack
from conftest import FAR_FUTURE, OTHER_ORG, REPORT, approval

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def test_other_chain_id_refused(
    registry: Any, org: bytes, signers: list[Any], sign_as: Any, domain: Domain, outsider: Any
) -> None:
    foreign = Domain(chain_id=domain.chain_id + 1, verifying_contract=domain.verifying_contract)
    blob = pack([sign_as(signers[0], "Approval", approval(org, REPORT), foreign)])
    with ape.reverts("registry: signature from a non-signer"):
        registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)


def test_other_contract_refused(
    registry: Any,
    project: Any,
    governance: Any,
    org: bytes,
    signers: list[Any],
    sign_as: Any,
    domain: Domain,
    outsider: Any,
) -> None:
    twin = governance.deploy(project.ReportRegistry, governance, governance)
    elsewhere = Domain(chain_id=domain.chain_id, verifying_contract=twin.address)
    blob = pack([sign_as(signers[0], "Approval", approval(org, REPORT), elsewhere)])
    with ape.reverts("registry: signature from a non-signer"):
        registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)


def test_signature_for_other_report_or_organisation_refused(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    blob = approvals(signers[:1], approval(OTHER_ORG, REPORT))
    with ape.reverts("registry: signature from a non-signer"):
        registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)


def test_replayed_approvals_cannot_anchor_again(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any, governance: Any
) -> None:
    blob = approvals(signers[:2], approval(org, REPORT))
    registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)
    registry.revoke_for_cause(REPORT, 1, sender=governance)
    with ape.reverts("registry: report already known"):
        registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)


def test_high_s_signature_refused(
    registry: Any, org: bytes, signers: list[Any], sign_as: Any, outsider: Any
) -> None:
    signed = sign_as(signers[0], "Approval", approval(org, REPORT))
    r, s, v = (
        signed.signature[:32],
        int.from_bytes(signed.signature[32:64], "big"),
        signed.signature[64],
    )
    # The malleable twin (n - s, flipped parity) recovers the same signer in the
    # 65-byte form. A compact entry cannot carry it: n - s has its top bit set,
    # which the contract reads as y-parity, so the twin recovers a stranger.
    high_s = (((v - 27) ^ 1) << 255) | (SECP256K1_N - s)
    with ape.reverts("registry: signature from a non-signer"):
        registry.anchor(org, REPORT, FAR_FUTURE, r + high_s.to_bytes(32, "big"), sender=outsider)
    with pytest.raises(SignatureError, match="upper half"):
        compact(r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v]))


def test_duplicate_signer_refused(
    registry: Any, org: bytes, signers: list[Any], sign_as: Any, outsider: Any
) -> None:
    entry = sign_as(signers[0], "Approval", approval(org, REPORT)).entry()
    with ape.reverts("registry: signers not strictly ascending"):
        registry.anchor(org, REPORT, FAR_FUTURE, entry + entry, sender=outsider)
    with pytest.raises(SignatureError, match="two signatures"):
        pack([sign_as(signers[0], "Approval", approval(org, REPORT))] * 2)


def test_unordered_signers_refused(
    registry: Any, org: bytes, signers: list[Any], sign_as: Any, outsider: Any
) -> None:
    signed = sorted(
        (sign_as(s, "Approval", approval(org, REPORT)) for s in signers[:2]),
        key=lambda a: int(a.signer, 16),
        reverse=True,
    )
    with ape.reverts("registry: signers not strictly ascending"):
        registry.anchor(
            org, REPORT, FAR_FUTURE, b"".join(a.entry() for a in signed), sender=outsider
        )


def test_non_signer_refused(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    with ape.reverts("registry: signature from a non-signer"):
        registry.anchor(
            org, REPORT, FAR_FUTURE, approvals([signers[4]], approval(org, REPORT)), sender=outsider
        )


def test_below_threshold_refused(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    with ape.reverts("registry: approvals below threshold"):
        registry.anchor(
            org, REPORT, FAR_FUTURE, approvals(signers[:1], approval(org, REPORT)), sender=outsider
        )
    with ape.reverts("registry: approvals below threshold"):
        registry.anchor(org, REPORT, FAR_FUTURE, b"", sender=outsider)


def test_expired_deadline_refused(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any, chain: Any
) -> None:
    deadline = chain.pending_timestamp - 1
    blob = approvals(signers[:2], approval(org, REPORT, deadline=deadline))
    with ape.reverts("registry: signatures expired"):
        registry.anchor(org, REPORT, deadline, blob, sender=outsider)


def test_stale_signer_set_version_refused(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    blob = approvals(signers[:1], approval(org, REPORT, version=2))
    with ape.reverts("registry: signature from a non-signer"):
        registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)


@pytest.mark.parametrize("cut", [1, 63, 65, 100])
def test_malformed_blob_refused(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any, cut: int
) -> None:
    blob = approvals(signers[:2], approval(org, REPORT))
    with ape.reverts("registry: malformed signatures"):
        registry.anchor(
            org,
            REPORT,
            FAR_FUTURE,
            blob[:cut] if cut < len(blob) else blob + b"\x01" * 7,
            sender=outsider,
        )


@pytest.fixture
def wallet_org(
    registry: Any, project: Any, governance: Any, signers: list[Any]
) -> tuple[bytes, Any]:
    """An organisation whose signers are a contract wallet (owned by signers[3]) and signers[0]."""
    wallet = signers[3].deploy(project.MockWallet, signers[3])
    registry.register_organisation(
        OTHER_ORG, [wallet.address, signers[0].address], 2, [], sender=governance
    )
    return OTHER_ORG, wallet


def wallet_approval(
    owner: Any, wallet: Any, domain: Domain, message: dict[str, Any]
) -> SignedApproval:
    signed = Account.sign_message(signable(domain, "Approval", message), owner.private_key)
    return SignedApproval(signer=wallet.address, signature=bytes(signed.signature), wallet=True)


def test_eip1271_wallet_signer(
    registry: Any,
    wallet_org: tuple[bytes, Any],
    signers: list[Any],
    sign_as: Any,
    domain: Domain,
    outsider: Any,
) -> None:
    org, wallet = wallet_org
    message = approval(org, REPORT)
    blob = pack(
        [
            wallet_approval(signers[3], wallet, domain, message),
            sign_as(signers[0], "Approval", message),
        ]
    )
    registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)
    assert registry.report_status(REPORT).approvers == 0b11


def test_eip1271_wallet_refusal(
    registry: Any,
    wallet_org: tuple[bytes, Any],
    signers: list[Any],
    sign_as: Any,
    domain: Domain,
    outsider: Any,
) -> None:
    org, wallet = wallet_org
    wallet.set_refuse_all(True, sender=signers[3])
    message = approval(org, REPORT)
    blob = pack(
        [
            wallet_approval(signers[3], wallet, domain, message),
            sign_as(signers[0], "Approval", message),
        ]
    )
    with ape.reverts("registry: invalid wallet signature"):
        registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)


def test_wallet_signed_by_stranger_refused(
    registry: Any,
    wallet_org: tuple[bytes, Any],
    signers: list[Any],
    sign_as: Any,
    domain: Domain,
    outsider: Any,
) -> None:
    org, wallet = wallet_org
    message = approval(org, REPORT)
    blob = pack(
        [
            wallet_approval(signers[4], wallet, domain, message),
            sign_as(signers[0], "Approval", message),
        ]
    )
    with ape.reverts("registry: invalid wallet signature"):
        registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(garbage=st.binary(min_size=64, max_size=64))
def test_random_entries_never_anchor(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any, garbage: bytes
) -> None:
    """One valid approval plus any 64 random bytes never reaches the 2-of-3 threshold."""
    valid = approvals(signers[:1], approval(org, REPORT))
    with ape.reverts():
        registry.anchor(org, REPORT, FAR_FUTURE, valid + garbage, sender=outsider)


def test_wallet_entry_with_high_s_refused(
    registry: Any,
    wallet_org: tuple[bytes, Any],
    signers: list[Any],
    sign_as: Any,
    domain: Domain,
    outsider: Any,
) -> None:
    org, wallet = wallet_org
    message = approval(org, REPORT)
    good = wallet_approval(signers[3], wallet, domain, message)
    r, s, v = good.signature[:32], int.from_bytes(good.signature[32:64], "big"), good.signature[64]
    twin = SignedApproval(
        signer=wallet.address,
        wallet=True,
        signature=r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v]),
    )
    blob = pack([twin, sign_as(signers[0], "Approval", message)])
    with ape.reverts("registry: invalid wallet signature"):
        registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)
