"""Signature attacks against the approval paths (slot-indexed blob, one message per signer)."""

from typing import Any

import ape
import pytest
from eth_account import Account
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bci_registry.eip712 import Domain, signable
from bci_registry.signatures import SignatureError, SignedApproval, compact, pack
from conftest import FAR_FUTURE, OTHER_ORG, REPORT, approval, for_signer

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HALF_N = SECP256K1_N // 2
INVALID = "registry: invalid signature"


def entries(*pairs: tuple[int, SignedApproval]) -> bytes:
    """A blob built by hand: (slot, signature) pairs in the given order."""
    return b"".join(signed.entry(slot) for slot, signed in pairs)


def test_other_chain_id_refused(
    registry: Any, org: bytes, signers: list[Any], sign_as: Any, domain: Domain, outsider: Any
) -> None:
    foreign = Domain(chain_id=domain.chain_id + 1, verifying_contract=domain.verifying_contract)
    message = approval(org, REPORT)
    blob = entries(
        (1, sign_as(signers[0], "Approval", message, foreign)),
        (2, sign_as(signers[1], "Approval", message, foreign)),
    )
    with ape.reverts(INVALID):
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
    twin = governance.deploy(project.ReportRegistry, governance, governance, governance)
    elsewhere = Domain(chain_id=domain.chain_id, verifying_contract=twin.address)
    blob = entries((1, sign_as(signers[0], "Approval", approval(org, REPORT), elsewhere)))
    with ape.reverts(INVALID):
        registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)


def test_signature_for_other_report_or_organisation_refused(
    registry: Any, org: bytes, signers: list[Any], sign_as: Any, outsider: Any
) -> None:
    for message in (approval(OTHER_ORG, REPORT), approval(org, OTHER_ORG)):
        blob = entries((1, sign_as(signers[0], "Approval", message)))
        with ape.reverts(INVALID):
            registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)


def test_replayed_approvals_cannot_anchor_again(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any, governance: Any
) -> None:
    blob = approvals(signers[:2], approval(org, REPORT))
    registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)
    registry.revoke_for_cause(org, REPORT, 1, sender=governance)
    with ape.reverts("registry: report already known"):
        registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)


def test_signature_names_its_signer_and_fills_one_seat(
    registry: Any, org: bytes, signers: list[Any], sign_as: Any, outsider: Any
) -> None:
    """signers[0]'s signature presented in signers[1]'s slot is checked against
    signers[1]'s message and refused."""
    signed = sign_as(signers[0], "Approval", approval(org, REPORT))
    with ape.reverts(INVALID):
        registry.anchor(org, REPORT, FAR_FUTURE, entries((1, signed), (2, signed)), sender=outsider)


def test_high_s_refused_in_compact_form(
    registry: Any, org: bytes, signers: list[Any], sign_as: Any, outsider: Any
) -> None:
    signed = sign_as(signers[0], "Approval", approval(org, REPORT))
    r = signed.signature[:32]
    # Any s in (n/2, 2**255) fits the 255 bits of the compact form, so a high
    # s CAN be expressed there; snekmate's ecdsa refuses it before ecrecover.
    for high_s in (HALF_N + 1, 2**255 - 1):
        for parity in (0, 1):
            entry = bytes([1]) + r + ((parity << 255) | high_s).to_bytes(32, "big")
            with ape.reverts("ecdsa: invalid signature `s` value"):
                registry.anchor(org, REPORT, FAR_FUTURE, entry, sender=outsider)
    # The malleable twin of this very signature (n - s, other parity) needs 256
    # bits for n - s unless s is within ~2**127 of n/2: written into the compact
    # form its top bit becomes the parity and it is another, refused signature.
    s, v = int.from_bytes(signed.signature[32:64], "big"), signed.signature[64]
    twin = ((((v - 27) ^ 1) << 255) | (SECP256K1_N - s)) % 2**256
    with ape.reverts():
        registry.anchor(
            org, REPORT, FAR_FUTURE, bytes([1]) + r + twin.to_bytes(32, "big"), sender=outsider
        )
    # The Python side never produces either.
    with pytest.raises(SignatureError, match="upper half"):
        compact(r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v]))


def test_duplicate_slot_refused(
    registry: Any, org: bytes, signers: list[Any], sign_as: Any, outsider: Any
) -> None:
    signed = sign_as(signers[0], "Approval", approval(org, REPORT))
    with ape.reverts("registry: signer slots not strictly ascending"):
        registry.anchor(org, REPORT, FAR_FUTURE, entries((1, signed), (1, signed)), sender=outsider)
    with pytest.raises(SignatureError, match="two signatures"):
        pack([signed] * 2, [s.address for s in signers[:3]])


def test_unordered_slots_refused(
    registry: Any, org: bytes, signers: list[Any], sign_as: Any, outsider: Any
) -> None:
    first, second = (sign_as(s, "Approval", approval(org, REPORT)) for s in signers[:2])
    with ape.reverts("registry: signer slots not strictly ascending"):
        registry.anchor(org, REPORT, FAR_FUTURE, entries((2, second), (1, first)), sender=outsider)


@pytest.mark.parametrize("slot", [0, 4, 16, 0x7F])
def test_slot_outside_the_signer_set_refused(
    registry: Any, org: bytes, signers: list[Any], sign_as: Any, outsider: Any, slot: int
) -> None:
    signed = sign_as(signers[0], "Approval", approval(org, REPORT))
    entry = bytes([slot]) + compact(signed.signature)
    with ape.reverts("registry: no signer in that slot"):
        registry.anchor(org, REPORT, FAR_FUTURE, entry, sender=outsider)


def test_non_signer_refused(
    registry: Any, org: bytes, signers: list[Any], sign_as: Any, outsider: Any
) -> None:
    stranger = sign_as(signers[4], "Approval", approval(org, REPORT))
    with ape.reverts(INVALID):
        registry.anchor(org, REPORT, FAR_FUTURE, entries((1, stranger)), sender=outsider)
    with pytest.raises(SignatureError, match="not one of the organisation's signers"):
        pack([stranger], [s.address for s in signers[:3]])


def test_below_threshold_and_empty_blob_refused(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    with ape.reverts("registry: approvals below threshold"):
        registry.anchor(
            org, REPORT, FAR_FUTURE, approvals(signers[:1], approval(org, REPORT)), sender=outsider
        )
    with ape.reverts("registry: no new approval"):
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
    blob = approvals(signers[:2], approval(org, REPORT, version=2))
    with ape.reverts(INVALID):
        registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)


@pytest.mark.parametrize("cut", [1, 64, 66, 129, 137])
def test_malformed_blob_refused(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any, cut: int
) -> None:
    blob = approvals(signers[:2], approval(org, REPORT))
    assert len(blob) == 130
    with ape.reverts("registry: malformed signatures"):
        registry.anchor(
            org,
            REPORT,
            FAR_FUTURE,
            blob[:cut] if cut < len(blob) else blob + b"\x03" * (cut - len(blob)),
            sender=outsider,
        )


# ----------------------------------------------------------- EIP-1271


def wallet_approval(
    owner: Any, wallet: Any, domain: Domain, message: dict[str, Any], names: Any = None
) -> SignedApproval:
    """The wallet owner's signature over the message naming `names` (the wallet by default)."""
    named = for_signer(names or wallet.address, "Approval", message)
    signed = Account.sign_message(signable(domain, "Approval", named), owner.private_key)
    return SignedApproval(signer=wallet.address, signature=bytes(signed.signature), wallet=True)


@pytest.fixture
def wallet_org(registry: Any, mocks: Any, governance: Any, signers: list[Any]) -> tuple[bytes, Any]:
    """An organisation whose signers are a contract wallet (owned by signers[3]) and signers[0]."""
    wallet = signers[3].deploy(mocks.MockWallet, signers[3])
    registry.register_organisation(
        OTHER_ORG, [wallet.address, signers[0].address], 2, [], sender=governance
    )
    return OTHER_ORG, wallet


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
        ],
        [wallet.address, signers[0].address],
    )
    assert blob[0] == 0x81 and len(blob) == 66 + 65
    registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)
    assert registry.report_status(org, REPORT).approvers == 0b11


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
    blob = entries(
        (1, wallet_approval(signers[3], wallet, domain, message)),
        (2, sign_as(signers[0], "Approval", message)),
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
    blob = entries(
        (1, wallet_approval(signers[4], wallet, domain, message)),
        (2, sign_as(signers[0], "Approval", message)),
    )
    with ape.reverts("registry: invalid wallet signature"):
        registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)


def test_eoa_entry_for_a_wallet_seat_and_wallet_entry_for_an_eoa_seat_refused(
    registry: Any,
    wallet_org: tuple[bytes, Any],
    signers: list[Any],
    sign_as: Any,
    domain: Domain,
    outsider: Any,
) -> None:
    org, wallet = wallet_org
    message = approval(org, REPORT)
    by_wallet = wallet_approval(signers[3], wallet, domain, message)
    eoa = sign_as(signers[0], "Approval", message)
    # Slot 1 (the wallet) tagged as an EOA: ecrecover gives the owner, not the wallet.
    as_eoa = SignedApproval(signer=wallet.address, signature=by_wallet.signature)
    with ape.reverts(INVALID):
        registry.anchor(org, REPORT, FAR_FUTURE, entries((1, as_eoa), (2, eoa)), sender=outsider)
    # Slot 2 (an EOA) tagged as a wallet: an account without code answers nothing.
    as_wallet = SignedApproval(signer=eoa.signer, signature=eoa.signature, wallet=True)
    with ape.reverts("registry: invalid wallet signature"):
        registry.anchor(
            org, REPORT, FAR_FUTURE, entries((1, by_wallet), (2, as_wallet)), sender=outsider
        )


def test_one_key_cannot_fill_two_seats_through_its_wallet(
    registry: Any,
    mocks: Any,
    governance: Any,
    signers: list[Any],
    sign_as: Any,
    domain: Domain,
    outsider: Any,
) -> None:
    """Issue 8 point 5. Signer A sits in slot 1 and its EIP-1271 wallet (which
    accepts A's ECDSA signature over the raw digest) in slot 2, threshold 2.
    On the old contract the `Approval` did not name its signer, so A's one
    signature counted for both seats and anchored the report alone."""
    owner = signers[0]
    wallet = owner.deploy(mocks.MockWallet, owner)
    registry.register_organisation(
        OTHER_ORG, [owner.address, wallet.address], 2, [], sender=governance
    )
    message = approval(OTHER_ORG, REPORT)
    signed = sign_as(owner, "Approval", message)  # names the owner
    reused = SignedApproval(signer=wallet.address, signature=signed.signature, wallet=True)
    with ape.reverts("registry: invalid wallet signature"):
        registry.anchor(
            OTHER_ORG, REPORT, FAR_FUTURE, entries((1, signed), (2, reused)), sender=outsider
        )
    # The wallet's seat needs its own signature, over the message naming the wallet.
    for_wallet = wallet_approval(owner, wallet, domain, message)
    registry.anchor(
        OTHER_ORG, REPORT, FAR_FUTURE, entries((1, signed), (2, for_wallet)), sender=outsider
    )
    assert registry.report_status(OTHER_ORG, REPORT).approvers == 0b11


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(garbage=st.binary(min_size=65, max_size=66))
def test_random_entries_never_anchor(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any, garbage: bytes
) -> None:
    """One valid approval plus any 65 or 66 random bytes never reaches the 2-of-3 threshold."""
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
    blob = entries((1, twin), (2, sign_as(signers[0], "Approval", message)))
    with ape.reverts("registry: invalid wallet signature"):
        registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)
