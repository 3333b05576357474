"""Issue 8, attestation side: each attack as it worked before, then the rule that refuses it.

Points 2 (a revocation is final; cancelling signed messages), 3 (a signed
revocation must name its attestation), 6 (trust can be withdrawn while
paused), 7 (an attestation cannot outlive its accreditation), 8 (a verifier's
id is fixed), 11 (the customs view reads only the report's own list) and 12
(`accepted`), plus the report's identity (organisation, root).
"""

from collections.abc import Callable
from typing import Any

import ape
import pytest
from eth_account import Account
from eth_utils import keccak
from test_attestation_support import (
    DAY,
    FAR_FUTURE,
    HALF_YEAR,
    ORG,
    OTHER_ORG,
    VERIFIER_ID,
    att_args,
    att_msg,
    forge,
    raw_signature,
    rev_msg,
)

from bci_registry.attestations import (
    AttestationDomain,
    AttestationFileError,
    SignedAttestation,
    cancellation_message,
    from_signature,
    revocation_message,
    signable_message,
)
from bci_registry.signatures import compact
from conftest import approval

PAUSED = "pausable: contract is paused"
INVALID_SIGNATURE = "attestations: invalid verifier signature"
REVOKED_IS_FINAL = "attestations: revoked; only a later verification can attest again"
ALREADY_CANCELLED = "attestations: every nonce below that is already used"
LIST_FULL = "attestations: the report already has attestations from MAX_ATTESTATIONS (32) verifiers"
EOA_LONG_FORM = (
    "attestations: 65-byte signature from an account without code; "
    "send the 64-byte EIP-2098 compact form"
)


def relay(registry: Any, signed: SignedAttestation, relayer: Any) -> Any:
    function = {
        "Attestation": registry.attest_by_signature,
        "AttestationRevocation": registry.revoke_attestation_by_signature,
        "NonceCancellation": registry.cancel_nonces_by_signature,
    }[signed.primary_type]
    return function(*signed.call_args(), sender=relayer)


# ------------------------------------------------ point 2: revocation is final


@pytest.mark.parametrize("again", ["relayed_copy", "direct"])
def test_revoked_attestation_cannot_come_back(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    sign_attestation: Any, chain: Any, again: str,
) -> None:  # fmt: skip
    """Attack: the verifier signed one verification twice (nonces 0 and 1, e.g. an
    HSM retry); after it revoked the relayed copy, relaying the other copy (or
    attesting the same verification again) made the report attested again."""
    now = chain.pending_timestamp
    verified = now - DAY
    first, copy = (
        sign_attestation(
            accredited, att_msg(accredited, ORG, anchored, now, nonce=n, verified_at=verified)
        )
        for n in (0, 1)
    )
    relay(attestation_registry, first, outsider)
    attestation_registry.revoke_attestation(ORG, anchored, 3, sender=accredited)
    with ape.reverts(REVOKED_IS_FINAL):
        if again == "relayed_copy":
            relay(attestation_registry, copy, outsider)
        else:
            attestation_registry.attest(
                *att_args(ORG, anchored, now, verified_at=verified), sender=accredited
            )
    status = attestation_registry.attestation(ORG, anchored, accredited)
    assert (status.valid, status.revocation_reason) == (False, 3)


def test_a_later_verification_attests_again(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    sign_attestation: Any, chain: Any,
) -> None:  # fmt: skip
    now = chain.pending_timestamp
    stale_copy = sign_attestation(
        accredited, att_msg(accredited, ORG, anchored, now, nonce=5, verified_at=now - DAY)
    )
    attestation_registry.attest(
        *att_args(ORG, anchored, now, verified_at=now - DAY), sender=accredited
    )
    attestation_registry.revoke_attestation(ORG, anchored, 3, sender=accredited)
    tx = attestation_registry.attest(
        *att_args(ORG, anchored, now, verified_at=now - DAY + 1), sender=accredited
    )
    status = attestation_registry.attestation(ORG, anchored, accredited)
    assert (status.valid, status.revoked_at, status.attested_at) == (True, 0, tx.timestamp)
    assert status.verified_at == now - DAY + 1
    # The old verification's copy stays out: a later one is on record.
    with ape.reverts("attestations: a later verification is on record"):
        relay(attestation_registry, stale_copy, outsider)


# --------------------------------------------- point 2: cancelling signed messages


def test_cancel_nonces_withdraws_unrelayed_messages_and_unfreezes_the_window(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    sign_attestation: Any, chain: Any,
) -> None:  # fmt: skip
    """Attack: a signed attestation that nobody relayed could be relayed at any
    time, and its unused nonce 0 froze the window: nonce 56 was out of reach for
    good, and the verifier had no way to withdraw either."""
    now = chain.pending_timestamp

    def signed(nonce: int) -> SignedAttestation:
        message = att_msg(
            accredited, ORG, anchored, now, nonce=nonce, verified_at=now - DAY + nonce
        )
        return sign_attestation(accredited, message)

    withheld = signed(0)
    relay(attestation_registry, signed(55), outsider)
    with ape.reverts("attestations: nonce beyond the window"):
        relay(attestation_registry, signed(56), outsider)
    tx = attestation_registry.cancel_nonces(1, sender=accredited)
    event = tx.events.filter(attestation_registry.NoncesCancelled)[0]
    assert (event.verifier, event.nonce_base) == (accredited.address, 1)
    record = attestation_registry.verifier(accredited)
    assert (record.nonce_base, record.used_nonces) == (1, 1 << 54)
    with ape.reverts("attestations: nonce already used"):
        relay(attestation_registry, withheld, outsider)
    relay(attestation_registry, signed(56), outsider)  # the window moved on
    # Cancelling never touches attestations already made.
    assert attestation_registry.attestation(ORG, anchored, accredited).valid
    with ape.reverts(ALREADY_CANCELLED):
        attestation_registry.cancel_nonces(1, sender=accredited)
    # Far ahead: the whole window is cleared.
    attestation_registry.cancel_nonces(1000, sender=accredited)
    record = attestation_registry.verifier(accredited)
    assert (record.nonce_base, record.used_nonces) == (1000, 0)


def test_cancel_slides_past_nonces_already_used(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    sign_attestation: Any, chain: Any,
) -> None:  # fmt: skip
    now = chain.pending_timestamp
    for nonce in (3, 4):
        message = att_msg(accredited, ORG, anchored, now, nonce=nonce, verified_at=now - 9 + nonce)
        relay(attestation_registry, sign_attestation(accredited, message), outsider)
    tx = attestation_registry.cancel_nonces(3, sender=accredited)
    # 0..2 cancelled, 3 and 4 used: the base is 5, bit 0 of the window clear.
    assert tx.events.filter(attestation_registry.NoncesCancelled)[0].nonce_base == 5
    record = attestation_registry.verifier(accredited)
    assert (record.nonce_base, record.used_nonces) == (5, 0)


def test_cancel_nonces_by_signature(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    sign_attestation: Any, att_domain: AttestationDomain, chain: Any,
) -> None:  # fmt: skip
    now = chain.pending_timestamp
    withheld = sign_attestation(accredited, att_msg(accredited, ORG, anchored, now, nonce=3))
    message = cancellation_message(verifier=accredited.address, below=4, deadline=now + DAY)
    signed = sign_attestation(accredited, message, "NonceCancellation")
    with ape.reverts(INVALID_SIGNATURE):
        relay(
            attestation_registry,
            forge(outsider, message, att_domain, "NonceCancellation"),
            outsider,
        )
    with ape.reverts(EOA_LONG_FORM):
        attestation_registry.cancel_nonces_by_signature(
            *signed.call_args()[:-1], signed.signature, sender=outsider
        )
    tx = relay(attestation_registry, signed, outsider)
    event = tx.events.filter(attestation_registry.NoncesCancelled)[0]
    assert (event.verifier, event.nonce_base) == (accredited.address, 4)
    with ape.reverts("attestations: nonce already used"):
        relay(attestation_registry, withheld, outsider)
    with ape.reverts(ALREADY_CANCELLED):  # a replay changes nothing
        relay(attestation_registry, signed, outsider)
    later = sign_attestation(
        accredited,
        cancellation_message(verifier=accredited.address, below=9, deadline=now + DAY),
        "NonceCancellation",
    )
    chain.pending_timestamp = now + DAY + 1
    with ape.reverts("attestations: signature expired"):
        relay(attestation_registry, later, outsider)


def test_cancel_nonces_refusals(
    attestation_registry: Any, accredited: Any, outsider: Any, governance: Any
) -> None:
    with ape.reverts("attestations: unknown verifier"):
        attestation_registry.cancel_nonces(1, sender=outsider)
    with ape.reverts(ALREADY_CANCELLED):
        attestation_registry.cancel_nonces(0, sender=accredited)
    with ape.reverts("attestations: nonce out of range"):
        attestation_registry.cancel_nonces(2**32, sender=accredited)
    with pytest.raises(AttestationFileError, match=r"message\.below"):
        cancellation_message(verifier=accredited.address, below=0, deadline=FAR_FUTURE)
    # A verifier suspended for cause may still cancel (it only reduces trust).
    attestation_registry.suspend_verifier_for_cause(accredited, 0, sender=governance)
    attestation_registry.cancel_nonces(3, sender=accredited)
    assert attestation_registry.verifier(accredited).nonce_base == 3


def test_wallet_verifier_cancels_by_signature(
    attestation_registry: Any, mocks: Any, verifier: Any, accredit: Callable[..., Any],
    outsider: Any, att_domain: AttestationDomain,
) -> None:  # fmt: skip
    wallet = verifier.deploy(mocks.MockWallet, verifier)
    accredit(wallet)
    message = cancellation_message(verifier=wallet.address, below=7, deadline=FAR_FUTURE)
    raw = Account.sign_message(
        signable_message(att_domain, "NonceCancellation", message), verifier.private_key
    )
    signed = from_signature(
        att_domain, "NonceCancellation", message, bytes(raw.signature), wallet=True
    )
    assert signed.call_args()[-1] == bytes(raw.signature)  # a wallet's data is sent as is
    relay(attestation_registry, signed, outsider)
    assert attestation_registry.verifier(wallet).nonce_base == 7


# ---------------------------------- point 3: a signed revocation names its attestation


def test_signed_revocation_with_attested_at_zero_refused(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    att_domain: AttestationDomain, chain: Any,
) -> None:  # fmt: skip
    """Attack: `attestedAt = 0` skipped the check of which attestation is meant,
    so one signed revocation revoked whatever attestation came later."""
    message = {
        "verifier": accredited.address, "organisation": ORG, "report": anchored,
        "attestedAt": 0, "reason": 2, "nonce": 0, "deadline": FAR_FUTURE,
    }  # fmt: skip
    with pytest.raises(AttestationFileError, match=r"message\.attestedAt"):
        revocation_message(
            verifier=accredited.address, organisation=ORG, report=anchored, attested_at=0,
            reason=2, nonce=0, deadline=FAR_FUTURE,
        )  # fmt: skip
    signature = compact(
        raw_signature(accredited.private_key, att_domain, "AttestationRevocation", message)
    )
    attestation_registry.attest(
        *att_args(ORG, anchored, chain.pending_timestamp), sender=accredited
    )
    with ape.reverts("attestations: revocation names no attestation (attested_at is 0)"):
        attestation_registry.revoke_attestation_by_signature(
            *message.values(), signature, sender=outsider
        )
    assert attestation_registry.attestation(ORG, anchored, accredited).valid


# --------------------------------------------- point 6: trust can always be withdrawn


def test_trust_reducing_actions_work_while_paused(
    attestation_registry: Any, registry: Any, accredited: Any, verifier2: Any,
    accredit: Callable[..., Any], accounts: Any, governance: Any, pauser: Any, anchored: bytes,
    outsider: Any, sign_attestation: Any, chain: Any,
) -> None:  # fmt: skip
    """Attack: a pause (or a compromised pauser) blocked every way out: a verifier
    could not revoke, governance could not suspend a fraudulent verifier."""
    now = chain.pending_timestamp
    accredit(verifier2)
    fraud, lapsed = accounts.generate_test_account(), accounts.generate_test_account()
    accredit(fraud)
    accredit(lapsed)
    made = {}
    for who in (accredited, verifier2, fraud):
        signed = sign_attestation(who, att_msg(who, ORG, anchored, now))
        made[who.address] = relay(attestation_registry, signed, outsider).timestamp
    revocation = sign_attestation(
        verifier2, rev_msg(verifier2, ORG, anchored, made[verifier2.address], nonce=1),
        "AttestationRevocation",
    )  # fmt: skip
    cancel_below_20 = cancellation_message(
        verifier=accredited.address, below=20, deadline=FAR_FUTURE
    )
    cancellation = sign_attestation(accredited, cancel_below_20, "NonceCancellation")
    registry.pause(sender=pauser)
    assert attestation_registry.customs_view(ORG, anchored).report.paused
    attestation_registry.revoke_attestation(ORG, anchored, 1, sender=accredited)
    relay(attestation_registry, revocation, outsider)
    attestation_registry.suspend_verifier_for_cause(fraud, made[fraud.address], sender=governance)
    attestation_registry.suspend_verifier(lapsed, sender=governance)
    attestation_registry.cancel_nonces(10, sender=verifier2)
    relay(attestation_registry, cancellation, outsider)
    view = attestation_registry.customs_view(ORG, anchored)
    assert [a.valid for a in view.attestations] == [False, False, False]
    assert [a.invalidated for a in view.attestations] == [False, False, True]
    assert (view.report.paused, view.accepted) == (True, False)
    assert [attestation_registry.verifier(v).status for v in (fraud, lapsed)] == [5, 4]
    assert attestation_registry.verifier(accredited).nonce_base == 20


def test_trust_adding_actions_stay_blocked_while_paused(
    attestation_registry: Any, registry: Any, accredited: Any, verifier2: Any, governance: Any,
    pauser: Any, anchored: bytes, outsider: Any, sign_attestation: Any, chain: Any,
) -> None:  # fmt: skip
    now = chain.pending_timestamp
    signed = sign_attestation(accredited, att_msg(accredited, ORG, anchored, now))
    registry.pause(sender=pauser)
    calls = [
        lambda: attestation_registry.attest(*att_args(ORG, anchored, now), sender=accredited),
        lambda: relay(attestation_registry, signed, outsider),
        lambda: attestation_registry.accredit_verifier(
            verifier2, VERIFIER_ID, 1, now, now + HALF_YEAR, sender=governance
        ),
        lambda: attestation_registry.extend_accreditation(
            accredited, now + 2 * HALF_YEAR + DAY, sender=governance
        ),
    ]
    for call in calls:
        with ape.reverts(PAUSED):
            call()


# ------------------------------------ point 7: not past the accreditation's end


@pytest.mark.parametrize("path", ["direct", "signature"])
def test_attestation_cannot_outlive_its_accreditation(
    attestation_registry: Any, verifier: Any, accredit: Callable[..., Any], anchored: bytes,
    outsider: Any, sign_attestation: Any, chain: Any, path: str,
) -> None:  # fmt: skip
    """Attack: attest one second before the accreditation ends, with an expiry at
    the 40-bit maximum: valid for decades after the accreditation."""
    now = chain.pending_timestamp
    until = now + 10
    accredit(verifier, valid_from=now - 1, valid_until=until)

    def attempt(expires_at: int) -> Any:
        if path == "direct":
            args = att_args(ORG, anchored, now, expires_at=expires_at)
            return attestation_registry.attest(*args, sender=verifier)
        message = att_msg(verifier, ORG, anchored, now, expires_at=expires_at)
        return relay(attestation_registry, sign_attestation(verifier, message), outsider)

    for expiry in (2**40 - 1, until + 1):
        with ape.reverts("attestations: expiry is after the accreditation ends"):
            attempt(expiry)
    attempt(until)
    assert attestation_registry.attestation(ORG, anchored, verifier).expires_at == until


# --------------------------------------------------- point 8: the id is fixed


def test_reaccreditation_under_another_id_refused(
    attestation_registry: Any, accredited: Any, verifier2: Any, accredit: Callable[..., Any],
    anchored: bytes, chain: Any,
) -> None:  # fmt: skip
    """Attack: re-accrediting a verifier under a new id relabelled its past
    attestations (the view read the current id), changing what a policy's
    `accepted_verifiers` accepted after the fact."""
    attestation_registry.attest(
        *att_args(ORG, anchored, chain.pending_timestamp), sender=accredited
    )
    renamed = keccak(text="verifier:renamed-body")
    with ape.reverts("attestations: a verifier keeps its id; accredit a new key for another id"):
        accredit(accredited, verifier_id=renamed)
    assert (
        bytes(attestation_registry.attestation(ORG, anchored, accredited).verifier_id)
        == VERIFIER_ID
    )
    accredit(accredited, scope=0b1)  # same id: scope and window may change
    assert attestation_registry.verifier(accredited).scope == 0b1
    # The renamed body accredits a new key; the old attestations keep the old name.
    accredit(verifier2, verifier_id=renamed)
    assert bytes(attestation_registry.verifier(verifier2).verifier_id) == renamed
    view = attestation_registry.customs_view(ORG, anchored)
    assert [bytes(a.verifier_id) for a in view.attestations] == [VERIFIER_ID]


# ------------------------------------- point 11: the view reads the report's own list


def test_customs_view_reads_only_the_reports_own_list(
    attestation_registry: Any, accounts: Any, accredit: Callable[..., Any], anchored: bytes,
    outsider: Any, sign_attestation: Any, chain: Any,
) -> None:  # fmt: skip
    """The old view scanned every verifier index ever accredited (≈2.5 M gas when
    full, capped at 1,024 verifiers for good). Now it reads the report's list."""
    now = chain.pending_timestamp
    verifiers = [accounts.generate_test_account() for _ in range(40)]
    for v in verifiers:
        accredit(v)
    for v in (verifiers[39], verifiers[0]):
        relay(attestation_registry, sign_attestation(v, att_msg(v, ORG, anchored, now)), outsider)
    view = attestation_registry.customs_view(ORG, anchored)
    assert [(a.verifier, a.verifier_index) for a in view.attestations] == [
        (verifiers[39].address, 40),
        (verifiers[0].address, 1),
    ]
    assert all(a.valid for a in view.attestations) and view.accepted
    assert attestation_registry.attestations(ORG, anchored) == view.attestations
    assert attestation_registry.verifier_count() == 40
    assert not hasattr(attestation_registry, "MAX_VERIFIERS")  # no global cap
    cost = attestation_registry.customs_view.estimate_gas_cost(ORG, anchored)
    for _ in range(10):
        accredit(accounts.generate_test_account())
    # Ten more verifiers, the same cost: the view never looks at them.
    assert attestation_registry.customs_view.estimate_gas_cost(ORG, anchored) == cost


def test_33rd_verifier_on_one_report_refused(
    attestation_registry: Any, registry: Any, accounts: Any, accredit: Callable[..., Any],
    anchored: bytes, org: bytes, signers: list[Any], approvals: Any, outsider: Any,
    sign_attestation: Any, chain: Any,
) -> None:  # fmt: skip
    now = chain.pending_timestamp
    limit = attestation_registry.MAX_ATTESTATIONS()
    assert limit == 32
    verifiers = [accounts.generate_test_account() for _ in range(limit + 1)]
    for v in verifiers:
        accredit(v)
    for v in verifiers[:limit]:
        relay(attestation_registry, sign_attestation(v, att_msg(v, ORG, anchored, now)), outsider)
    last = verifiers[limit]
    with ape.reverts(LIST_FULL):
        relay(
            attestation_registry,
            sign_attestation(last, att_msg(last, ORG, anchored, now)),
            outsider,
        )
    # Those on the list may still attest again (their entry is replaced) and revoke.
    again = att_msg(verifiers[31], ORG, anchored, now, nonce=1, verdict=2, verified_at=now)
    relay(attestation_registry, sign_attestation(verifiers[31], again), outsider)
    listed = attestation_registry.attestations(ORG, anchored)
    assert len(listed) == limit and listed[31].verdict == 2
    assert [a.verifier_index for a in listed] == list(range(1, limit + 1))
    # Another report of the organisation has its own list.
    other = keccak(text="report:other")
    registry.anchor(
        org, other, FAR_FUTURE, approvals(signers[:2], approval(org, other)), sender=outsider
    )
    relay(
        attestation_registry,
        sign_attestation(last, att_msg(last, ORG, other, now, nonce=1)),
        outsider,
    )
    assert attestation_registry.attestation(ORG, other, last).valid


# --------------------------------------------------------- report identity


def test_attestation_is_bound_to_the_organisation(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    sign_attestation: Any, chain: Any,
) -> None:  # fmt: skip
    """(ORG, root) is anchored; the same root under another organisation is
    another report: not anchored, with none of (ORG, root)'s attestations."""
    now = chain.pending_timestamp
    with ape.reverts("attestations: report is not anchored"):
        attestation_registry.attest(*att_args(OTHER_ORG, anchored, now), sender=accredited)
    relay(
        attestation_registry,
        sign_attestation(accredited, att_msg(accredited, ORG, anchored, now)),
        outsider,
    )
    foreign = attestation_registry.customs_view(OTHER_ORG, anchored)
    assert (foreign.report.state, list(foreign.attestations), foreign.accepted) == (0, [], False)
    assert attestation_registry.attestation(OTHER_ORG, anchored, accredited).verdict == 0
    with ape.reverts("attestations: no attestation of this report by the verifier"):
        attestation_registry.revoke_attestation(OTHER_ORG, anchored, 1, sender=accredited)
    assert attestation_registry.customs_view(ORG, anchored).accepted


# ------------------------------------------------------------ point 12: accepted


@pytest.mark.parametrize(
    ("case", "accepted"),
    [
        ("pass", True),
        ("pass_and_fail", True),
        ("fail_only", False),
        ("qualified_only", False),
        ("no_attestation", False),
        ("pass_revoked", False),
        ("pass_expired", False),
        ("pass_invalidated", False),
        ("paused", False),
        ("organisation_suspended", False),
        ("report_superseded", False),
        ("report_revoked", False),
    ],
)
def test_accepted_combines_report_and_attestations(
    attestation_registry: Any, registry: Any, accredited: Any, verifier2: Any,
    accredit: Callable[..., Any], governance: Any, pauser: Any, anchored: bytes, org: bytes,
    signers: list[Any], approvals: Any, outsider: Any, chain: Any, case: str, accepted: bool,
) -> None:  # fmt: skip
    now = chain.pending_timestamp
    verdict = {"fail_only": 2, "qualified_only": 3}.get(case, 1)
    if case != "no_attestation":
        attestation_registry.attest(
            *att_args(ORG, anchored, now, verdict=verdict, expires_at=now + 100),
            sender=accredited,
        )
    if case == "pass_and_fail":
        accredit(verifier2)
        attestation_registry.attest(*att_args(ORG, anchored, now, verdict=2), sender=verifier2)
    elif case == "pass_revoked":
        attestation_registry.revoke_attestation(ORG, anchored, 1, sender=accredited)
    elif case == "pass_expired":
        chain.pending_timestamp = now + 100
        chain.mine()
    elif case == "pass_invalidated":
        attestation_registry.suspend_verifier_for_cause(accredited, 0, sender=governance)
    elif case == "paused":
        registry.pause(sender=pauser)
    elif case == "organisation_suspended":
        registry.suspend_organisation(org, sender=governance)
    elif case == "report_superseded":
        new = keccak(text="report:1-corrected")
        registry.anchor_correction(
            org, new, anchored, FAR_FUTURE,
            approvals(signers[:2], approval(org, new, anchored)), sender=outsider,
        )  # fmt: skip
    elif case == "report_revoked":
        registry.revoke_for_cause(org, anchored, 9, sender=governance)
    view = attestation_registry.customs_view(ORG, anchored)
    assert view.accepted == accepted
    assert view.checked_at == chain.blocks.head.timestamp
    # `valid` judges the attestation alone: unchanged by the report's fate.
    if case in ("paused", "organisation_suspended", "report_superseded", "report_revoked"):
        assert view.attestations[0].valid
