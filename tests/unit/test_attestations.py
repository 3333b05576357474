"""Attestations: made directly or by relayed signature, revoked; the accreditation matrix."""

from collections.abc import Callable
from typing import Any

import ape
import pytest
from eth_account import Account
from eth_utils import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_attestation_support import (
    ALL_FIELDS,
    DAY,
    EVIDENCE,
    FAR_FUTURE,
    HALF_YEAR,
    ORG,
    OTHER_ORG,
    REPORT,
    att_args,
    att_msg,
    forge,
    raw_signature,
    rev_msg,
)

from bci_registry.attestations import (
    AttestationDomain,
    SignedAttestation,
    from_signature,
    load,
    save,
    signable_message,
)
from bci_registry.eip712 import TYPES
from bci_registry.signatures import compact
from conftest import YEAR, approval

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
INVALID_SIGNATURE = "attestations: invalid verifier signature"
EOA_LONG_FORM = (
    "attestations: 65-byte signature from an account without code; "
    "send the 64-byte EIP-2098 compact form"
)


def attest_via(
    path: str, attestation_registry: Any, verifier: Any, sign_attestation: Any, relayer: Any,
    args: list[Any], nonce: int = 0,
) -> Any:  # fmt: skip
    """Attest directly, or by a signature that `relayer` submits."""
    if path == "direct":
        return attestation_registry.attest(*args, sender=verifier)
    org, report, verdict, fields, evidence, verified_at, expires_at = args
    message = att_msg(
        verifier, org, report, 0, nonce, verdict=verdict, fields=fields, evidence=evidence,
        verified_at=verified_at, expires_at=expires_at,
    )  # fmt: skip
    signed = sign_attestation(verifier, message)
    return attestation_registry.attest_by_signature(*signed.call_args(), sender=relayer)


# ---------------------------------------------------------------- direct


def test_attest_stores_and_logs(
    attestation_registry: Any, accredited: Any, anchored: bytes, chain: Any
) -> None:
    now = chain.pending_timestamp
    tx = attestation_registry.attest(
        *att_args(ORG, anchored, now, verdict=3, fields=0b1001), sender=accredited
    )
    event = tx.events.filter(attestation_registry.AttestationMade)[0]
    assert (bytes(event.organisation), bytes(event.report)) == (ORG, anchored)
    assert event.verifier == accredited.address
    assert (event.verdict, event.fields, bytes(event.evidence)) == (3, 0b1001, EVIDENCE)
    assert (event.verified_at, event.expires_at) == (now - DAY, now + HALF_YEAR)
    status = attestation_registry.attestation(ORG, anchored, accredited)
    assert (bytes(status.organisation), bytes(status.report)) == (ORG, anchored)
    assert (status.verifier, status.verifier_index, status.verdict, status.fields) == (
        accredited.address,
        1,
        3,
        0b1001,
    )
    assert (status.verified_at, status.expires_at, status.attested_at) == (
        now - DAY,
        now + HALF_YEAR,
        tx.timestamp,
    )
    assert (status.revoked_at, status.expired, status.invalidated, status.valid) == (
        0,
        False,
        False,
        True,
    )
    # One storage slot, a few cold reads: under the goal.
    assert tx.gas_used <= 60_000, tx.gas_used
    # Selector and seven words.
    assert len(tx.data) == 4 + 7 * 32


def test_each_verdict_accepted(
    attestation_registry: Any, accredited: Any, anchored: bytes, chain: Any
) -> None:
    for verdict in (1, 2, 3):
        attestation_registry.attest(
            *att_args(ORG, anchored, chain.pending_timestamp, verdict=verdict), sender=accredited
        )
        assert attestation_registry.attestation(ORG, anchored, accredited).verdict == verdict


@pytest.mark.parametrize("path", ["direct", "signature"])
@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"verdict": 0}, "attestations: invalid verdict"),
        ({"verdict": 4}, "attestations: invalid verdict"),
        ({"fields": 0}, "attestations: no fields attested"),
        ({"verified_at": 0}, "attestations: verification time is zero"),
        ({"verified_at": "future"}, "attestations: verification time is in the future"),
        ({"expires_at": "now"}, "attestations: expiry is not in the future"),
        (
            {"expires_at": "past_accreditation"},
            "attestations: expiry is after the accreditation ends",
        ),
        ({"expires_at": 2**40}, "attestations: expiry is after the accreditation ends"),
    ],
)
def test_malformed_terms_refused(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any, chain: Any,
    att_domain: AttestationDomain, path: str, terms: dict[str, Any], message: str,
) -> None:  # fmt: skip
    now = chain.pending_timestamp
    until = attestation_registry.verifier(accredited).valid_until
    placeholders = {"future": now + DAY, "now": now, "past_accreditation": until + 1}
    args = att_args(ORG, anchored, now, **{k: placeholders.get(v, v) for k, v in terms.items()})
    if path == "signature":
        # The Python builder refuses such terms before anything is signed:
        # sign the raw message, as a careless or hostile verifier could.
        names = [name for name, _ in TYPES["Attestation"]]
        raw = dict(zip(names, [accredited.address, *args, 0, FAR_FUTURE], strict=True))
        signature = raw_signature(accredited.private_key, att_domain, "Attestation", raw)
        with ape.reverts(message):
            attestation_registry.attest_by_signature(
                *raw.values(), compact(signature), sender=outsider
            )
    else:
        with ape.reverts(message):
            attestation_registry.attest(*args, sender=accredited)


@pytest.mark.parametrize("path", ["direct", "signature"])
def test_report_must_be_anchored(
    attestation_registry: Any,
    registry: Any,
    accredited: Any,
    org: bytes,
    signers: list[Any],
    submitter: Any,
    approvals: Any,
    governance: Any,
    outsider: Any,
    sign_attestation: Any,
    chain: Any,
    path: str,
) -> None:
    now = chain.pending_timestamp
    unknown, pending, old, new = (keccak(text=f"report:{x}") for x in ("u", "p", "old", "new"))

    def attempt(report: bytes, nonce: int) -> Any:
        return attest_via(
            path, attestation_registry, accredited, sign_attestation, outsider,
            att_args(ORG, report, now), nonce,
        )  # fmt: skip

    with ape.reverts("attestations: report is not anchored"):
        attempt(unknown, 0)
    registry.submit(org, pending, bytes(32), sender=submitter)
    with ape.reverts("attestations: report is not anchored"):
        attempt(pending, 0)
    registry.anchor(
        org, old, FAR_FUTURE, approvals(signers[:2], approval(org, old)), sender=outsider
    )
    registry.anchor_correction(
        org, new, old, FAR_FUTURE, approvals(signers[:2], approval(org, new, old)), sender=outsider
    )
    with ape.reverts("attestations: report is superseded"):
        attempt(old, 0)
    attempt(new, 0)  # the correction is anchored
    registry.revoke_for_cause(org, new, 7, sender=governance)
    with ape.reverts("attestations: report is revoked"):
        attempt(new, 1)


def test_outsider_cannot_attest(
    attestation_registry: Any, outsider: Any, anchored: bytes, chain: Any
) -> None:
    with ape.reverts("attestations: not an accredited verifier"):
        attestation_registry.attest(
            *att_args(ORG, anchored, chain.pending_timestamp), sender=outsider
        )


def test_new_attestation_replaces_the_verifiers_previous_one(
    attestation_registry: Any, accredited: Any, anchored: bytes, chain: Any
) -> None:
    now = chain.pending_timestamp
    attestation_registry.attest(*att_args(ORG, anchored, now, verdict=2), sender=accredited)
    attestation_registry.revoke_attestation(ORG, anchored, 1, sender=accredited)
    tx = attestation_registry.attest(
        *att_args(ORG, anchored, now, fields=0b11, verified_at=now - 1), sender=accredited
    )
    status = attestation_registry.attestation(ORG, anchored, accredited)
    assert (status.verdict, status.fields, status.revoked_at, status.valid) == (1, 0b11, 0, True)
    assert status.attested_at == tx.timestamp
    # A replacement must not be older than what is on record (a late relay).
    with ape.reverts("attestations: a later verification is on record"):
        attestation_registry.attest(
            *att_args(ORG, anchored, now, verified_at=now - 2), sender=accredited
        )


# ------------------------------------------------- accreditation x attestation


@pytest.mark.parametrize("path", ["direct", "signature"])
@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("window_not_open", "attestations: accreditation not yet valid"),
        ("window_closed", "attestations: accreditation expired"),
        ("scope_exceeded", "attestations: fields outside the verifier's scope"),
        ("suspended_before", "attestations: verifier is suspended"),
        ("for_cause_before", "attestations: verifier is suspended"),
        ("never_accredited", "attestations: not an accredited verifier"),
    ],
)
def test_attestation_refused_unless_accredited_now(
    attestation_registry: Any, verifier: Any, accredit: Callable[..., Any], governance: Any,
    anchored: bytes, outsider: Any, sign_attestation: Any, chain: Any, path: str, setup: str,
    message: str,
) -> None:  # fmt: skip
    now = chain.pending_timestamp
    fields = ALL_FIELDS
    if setup == "window_not_open":
        accredit(verifier, valid_from=now + DAY, valid_until=now + YEAR)
    elif setup == "window_closed":
        accredit(verifier, valid_from=now - YEAR, valid_until=now + 10)
        chain.pending_timestamp = now + 11
    elif setup == "scope_exceeded":
        accredit(verifier, scope=0b0111_1111_1111)
        fields = 0b1000_0000_0001
    elif setup == "suspended_before":
        accredit(verifier)
        attestation_registry.suspend_verifier(verifier, sender=governance)
    elif setup == "for_cause_before":
        accredit(verifier)
        attestation_registry.suspend_verifier_for_cause(verifier, now - YEAR, sender=governance)
    args = att_args(ORG, anchored, now, fields=fields, verified_at=now - 2 * DAY)
    with ape.reverts(message):
        attest_via(path, attestation_registry, verifier, sign_attestation, outsider, args)


@pytest.mark.parametrize(
    ("later", "valid", "invalidated"),
    [
        ("nothing", True, False),
        ("suspended_after", True, False),
        ("accreditation_extended_then_lapses", True, False),
        ("scope_narrowed", True, False),
        ("for_cause_cutoff_after_it", True, False),
        ("for_cause_cutoff_at_it", False, True),
        ("for_cause_cutoff_before_it", False, True),
        ("revoked", False, False),
        ("expired", False, False),
    ],
)
def test_validity_after_the_fact(
    attestation_registry: Any,
    accredited: Any,
    accredit: Callable[..., Any],
    governance: Any,
    anchored: bytes,
    chain: Any,
    later: str,
    valid: bool,
    invalidated: bool,
) -> None:
    now = chain.pending_timestamp
    until = attestation_registry.verifier(accredited).valid_until
    tx = attestation_registry.attest(
        *att_args(ORG, anchored, now, expires_at=until), sender=accredited
    )
    made = tx.timestamp
    if later == "suspended_after":
        attestation_registry.suspend_verifier(accredited, sender=governance)
    elif later == "accreditation_extended_then_lapses":
        # An attestation never outlives the accreditation it was made under;
        # an accreditation that lapses after an extension leaves it valid.
        attestation_registry.extend_accreditation(accredited, until + 10, sender=governance)
        chain.pending_timestamp = until - 1
        chain.mine()
    elif later == "scope_narrowed":
        accredit(accredited, scope=1)
    elif later.startswith("for_cause"):
        cutoff = {"after": made + 1, "at": made, "before": made - DAY}[later.split("_")[3]]
        chain.pending_timestamp = made + 2
        attestation_registry.suspend_verifier_for_cause(accredited, cutoff, sender=governance)
    elif later == "revoked":
        attestation_registry.revoke_attestation(ORG, anchored, 5, sender=accredited)
    elif later == "expired":
        chain.pending_timestamp = until
        chain.mine()
    status = attestation_registry.attestation(ORG, anchored, accredited)
    assert (status.valid, status.invalidated) == (valid, invalidated)
    assert status.expired == (later == "expired")
    assert (status.revoked_at != 0) == (later == "revoked")


def test_expiry_boundary(
    attestation_registry: Any, accredited: Any, anchored: bytes, chain: Any
) -> None:
    now = chain.pending_timestamp
    attestation_registry.attest(
        *att_args(ORG, anchored, now, expires_at=now + 100), sender=accredited
    )
    chain.pending_timestamp = now + 99
    chain.mine()
    assert attestation_registry.attestation(ORG, anchored, accredited).valid
    chain.mine()  # now + 100: expired from its expiry time on
    status = attestation_registry.attestation(ORG, anchored, accredited)
    assert chain.blocks.head.timestamp == now + 100
    assert (status.valid, status.expired) == (False, True)


# ---------------------------------------------------------------- revocation


def test_revoke_attestation(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any, verifier2: Any,
    accredit: Callable[..., Any], governance: Any, chain: Any,
) -> None:  # fmt: skip
    attestation_registry.attest(
        *att_args(ORG, anchored, chain.pending_timestamp), sender=accredited
    )
    accredit(verifier2)
    with ape.reverts("attestations: no attestation of this report by the verifier"):
        attestation_registry.revoke_attestation(ORG, anchored, 1, sender=outsider)
    with ape.reverts("attestations: no attestation of this report by the verifier"):
        attestation_registry.revoke_attestation(ORG, anchored, 1, sender=verifier2)
    with ape.reverts("attestations: no attestation of this report by the verifier"):
        attestation_registry.revoke_attestation(ORG, REPORT[::-1], 1, sender=accredited)
    with ape.reverts("attestations: revocation reason is zero"):
        attestation_registry.revoke_attestation(ORG, anchored, 0, sender=accredited)
    # Revoking stays possible for a suspended verifier.
    attestation_registry.suspend_verifier(accredited, sender=governance)
    tx = attestation_registry.revoke_attestation(ORG, anchored, 9, sender=accredited)
    event = tx.events.filter(attestation_registry.AttestationRevoked)[0]
    assert (bytes(event.report), event.verifier, event.reason) == (anchored, accredited.address, 9)
    status = attestation_registry.attestation(ORG, anchored, accredited)
    assert (status.revoked_at, status.revocation_reason, status.valid) == (tx.timestamp, 9, False)
    with ape.reverts("attestations: attestation already revoked"):
        attestation_registry.revoke_attestation(ORG, anchored, 9, sender=accredited)
    assert tx.gas_used < 40_000, tx.gas_used


# ------------------------------------------------------------ by signature


def test_attest_by_signature_relayed_by_anyone(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    sign_attestation: Any, chain: Any,
) -> None:  # fmt: skip
    now = chain.pending_timestamp
    signed = sign_attestation(accredited, att_msg(accredited, ORG, anchored, now, nonce=0))
    tx = attestation_registry.attest_by_signature(*signed.call_args(), sender=outsider)
    made = tx.events.filter(attestation_registry.AttestationMade)[0]
    assert made.verifier == accredited.address
    nonce_used = tx.events.filter(attestation_registry.VerifierNonceUsed)[0]
    assert (nonce_used.verifier, nonce_used.nonce) == (accredited.address, 0)
    assert attestation_registry.attestation(ORG, anchored, accredited).valid
    assert attestation_registry.verifier(accredited).nonce_base == 1
    # Selector, eleven head words, the signature's length word and 64 bytes.
    assert len(tx.data) == 4 + 12 * 32 + 64
    assert tx.gas_used <= 75_000, tx.gas_used


def test_replayed_signature_refused(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    sign_attestation: Any, chain: Any,
) -> None:  # fmt: skip
    signed = sign_attestation(
        accredited, att_msg(accredited, ORG, anchored, chain.pending_timestamp)
    )
    attestation_registry.attest_by_signature(*signed.call_args(), sender=outsider)
    with ape.reverts("attestations: nonce already used"):
        attestation_registry.attest_by_signature(*signed.call_args(), sender=outsider)
    # The 65-byte r || s || v form of an EOA's signature is named as such.
    assert len(signed.signature) == 65 and len(signed.call_args()[-1]) == 64
    with ape.reverts(EOA_LONG_FORM):
        attestation_registry.attest_by_signature(
            *signed.call_args()[:-1], signed.signature, sender=outsider
        )


@pytest.mark.parametrize("where", ["chain", "contract"])
def test_signature_for_another_domain_refused(
    attestation_registry: Any, project: Any, registry: Any, governance: Any, accredited: Any,
    anchored: bytes, outsider: Any, sign_attestation: Any, att_domain: AttestationDomain,
    chain: Any, where: str,
) -> None:  # fmt: skip
    if where == "chain":
        foreign = AttestationDomain(att_domain.chain_id + 1, att_domain.verifying_contract)
    else:
        twin = governance.deploy(project.AttestationRegistry, registry)
        foreign = AttestationDomain(att_domain.chain_id, twin.address)
    message = att_msg(accredited, ORG, anchored, chain.pending_timestamp)
    signed = sign_attestation(accredited, message, on_domain=foreign)
    with ape.reverts(INVALID_SIGNATURE):
        attestation_registry.attest_by_signature(*signed.call_args(), sender=outsider)


def test_wrong_signer_or_altered_message_refused(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    sign_attestation: Any, att_domain: AttestationDomain, chain: Any,
) -> None:  # fmt: skip
    message = att_msg(accredited, ORG, anchored, chain.pending_timestamp)
    # Signed by someone else for the verifier.
    impostor = forge(outsider, message, att_domain)
    with ape.reverts(INVALID_SIGNATURE):
        attestation_registry.attest_by_signature(*impostor.call_args(), sender=outsider)
    # The relayer changes the verdict or the fields after signing.
    signed = sign_attestation(accredited, message)
    args = list(signed.call_args())
    for position, value in ((1, OTHER_ORG), (2, REPORT[::-1]), (3, 2), (4, 0b1)):
        altered = [*args[:position], value, *args[position + 1 :]]
        with ape.reverts(INVALID_SIGNATURE):
            attestation_registry.attest_by_signature(*altered, sender=outsider)


def test_expired_deadline_refused(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    sign_attestation: Any, chain: Any,
) -> None:  # fmt: skip
    now = chain.pending_timestamp
    signed = sign_attestation(accredited, att_msg(accredited, ORG, anchored, now, deadline=now))
    chain.pending_timestamp = now + 1
    with ape.reverts("attestations: signature expired"):
        attestation_registry.attest_by_signature(*signed.call_args(), sender=outsider)


def test_high_s_and_malformed_signatures_refused(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    sign_attestation: Any, chain: Any,
) -> None:  # fmt: skip
    signed = sign_attestation(
        accredited, att_msg(accredited, ORG, anchored, chain.pending_timestamp)
    )
    args = list(signed.call_args())
    r, vs = args[-1][:32], int.from_bytes(args[-1][32:], "big")
    s, parity = vs & (2**255 - 1), vs >> 255
    # The malleable twin (n - s, other parity) does not recover the verifier.
    twin = (((parity ^ 1) << 255) | (SECP256K1_N - s)) % 2**256
    with ape.reverts():
        attestation_registry.attest_by_signature(
            *args[:-1], r + twin.to_bytes(32, "big"), sender=outsider
        )
    for bad in (b"", args[-1][:63], b"\x00" * 64):
        with ape.reverts():
            attestation_registry.attest_by_signature(*args[:-1], bad, sender=outsider)
    with ape.reverts("attestations: malformed signature"):
        attestation_registry.attest_by_signature(*args[:-1], args[-1][:63], sender=outsider)
    assert attestation_registry.attestation(ORG, anchored, accredited).verdict == 0


# ------------------------------------------------------------- EIP-1271


@pytest.fixture
def wallet(mocks: Any, verifier: Any, accredit: Callable[..., Any]) -> Any:
    """An accredited EIP-1271 wallet owned by `verifier` (the owner itself is not accredited)."""
    wallet = verifier.deploy(mocks.MockWallet, verifier)
    accredit(wallet)
    return wallet


def wallet_signed(
    owner: Any, wallet: Any, domain: AttestationDomain, message: dict[str, Any],
    primary_type: str = "Attestation",
) -> SignedAttestation:  # fmt: skip
    raw = Account.sign_message(signable_message(domain, primary_type, message), owner.private_key)
    return from_signature(domain, primary_type, message, bytes(raw.signature), wallet=True)


def test_eip1271_wallet_verifier(
    attestation_registry: Any, wallet: Any, verifier: Any, anchored: bytes, outsider: Any,
    att_domain: AttestationDomain, chain: Any,
) -> None:  # fmt: skip
    message = att_msg(wallet, ORG, anchored, chain.pending_timestamp)
    signed = wallet_signed(verifier, wallet, att_domain, message)
    attestation_registry.attest_by_signature(*signed.call_args(), sender=outsider)
    assert attestation_registry.attestation(ORG, anchored, wallet).valid
    with ape.reverts("attestations: nonce already used"):
        attestation_registry.attest_by_signature(*signed.call_args(), sender=outsider)


def test_eip1271_wallet_refusal(
    attestation_registry: Any, wallet: Any, verifier: Any, anchored: bytes, outsider: Any,
    att_domain: AttestationDomain, chain: Any,
) -> None:  # fmt: skip
    message = att_msg(wallet, ORG, anchored, chain.pending_timestamp)
    signed = wallet_signed(verifier, wallet, att_domain, message)
    wallet.set_refuse_all(True, sender=verifier)
    with ape.reverts(INVALID_SIGNATURE):
        attestation_registry.attest_by_signature(*signed.call_args(), sender=outsider)
    # The owner's compact signature is not the wallet's: ecrecover never gives a contract.
    wallet.set_refuse_all(False, sender=verifier)
    owner_compact = forge(verifier, message, att_domain).wire_signature
    with ape.reverts(INVALID_SIGNATURE):
        attestation_registry.attest_by_signature(
            *signed.call_args()[:-1], owner_compact, sender=outsider
        )


def test_wallet_signature_not_reusable_for_a_sibling_wallet(
    attestation_registry: Any, mocks: Any, wallet: Any, verifier: Any,
    accredit: Callable[..., Any], anchored: bytes, outsider: Any, att_domain: AttestationDomain,
    chain: Any,
) -> None:  # fmt: skip
    sibling = verifier.deploy(mocks.MockWallet, verifier)
    accredit(sibling)
    signed = wallet_signed(
        verifier, wallet, att_domain, att_msg(wallet, ORG, anchored, chain.pending_timestamp)
    )
    args = list(signed.call_args())
    with ape.reverts(INVALID_SIGNATURE):
        attestation_registry.attest_by_signature(sibling, *args[1:], sender=outsider)


# ------------------------------------------------------------- nonces


def test_nonces_out_of_order_inside_the_window(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    sign_attestation: Any, chain: Any,
) -> None:  # fmt: skip
    now = chain.pending_timestamp

    def relay(nonce: int) -> Any:
        message = att_msg(accredited, ORG, anchored, now, nonce=nonce)
        return attestation_registry.attest_by_signature(
            *sign_attestation(accredited, message).call_args(), sender=outsider
        )

    relay(2)
    relay(55)
    record = attestation_registry.verifier(accredited)
    assert (record.nonce_base, record.used_nonces) == (0, (1 << 2) | (1 << 55))
    with ape.reverts("attestations: nonce beyond the window"):
        relay(56)
    relay(0)
    relay(1)  # 0, 1, 2 used: the window slides to 3
    record = attestation_registry.verifier(accredited)
    assert (record.nonce_base, record.used_nonces) == (3, 1 << 52)
    relay(56)
    with ape.reverts("attestations: nonce already used"):
        relay(1)
    with ape.reverts("attestations: nonce already used"):
        relay(55)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    nonces=st.lists(
        st.integers(min_value=0, max_value=4) | st.integers(min_value=0, max_value=60),
        min_size=1,
        max_size=6,
    )
)
def test_nonce_window_matches_model(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    sign_attestation: Any, chain: Any, nonces: list[int],
) -> None:  # fmt: skip
    """Every nonce is accepted at most once, any order inside the window (a Python model)."""
    now = chain.pending_timestamp
    with chain.isolate():
        base, used = 0, set()
        for nonce in nonces:
            message = att_msg(accredited, ORG, anchored, now, nonce=nonce)
            signed = sign_attestation(accredited, message)
            if nonce < base or nonce in used:
                with ape.reverts("attestations: nonce already used"):
                    attestation_registry.attest_by_signature(*signed.call_args(), sender=outsider)
                continue
            if nonce - base >= 56:
                with ape.reverts("attestations: nonce beyond the window"):
                    attestation_registry.attest_by_signature(*signed.call_args(), sender=outsider)
                continue
            attestation_registry.attest_by_signature(*signed.call_args(), sender=outsider)
            used.add(nonce)
            while base in used:
                used.remove(base)
                base += 1
        record = attestation_registry.verifier(accredited)
        assert record.nonce_base == base
        assert record.used_nonces == sum(1 << (n - base) for n in used)


# ------------------------------------------------------- revocation by signature


def test_revoke_by_signature(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    sign_attestation: Any, att_domain: AttestationDomain, chain: Any,
) -> None:  # fmt: skip
    now = chain.pending_timestamp
    made = attestation_registry.attest(*att_args(ORG, anchored, now), sender=accredited).timestamp

    def revocation(attested_at: int, nonce: int) -> SignedAttestation:
        message = rev_msg(accredited, ORG, anchored, attested_at, reason=4, nonce=nonce)
        return sign_attestation(accredited, message, "AttestationRevocation")

    stale = revocation(made - 1, 0)
    with ape.reverts("attestations: signed for another attestation"):
        attestation_registry.revoke_attestation_by_signature(*stale.call_args(), sender=outsider)
    signed = revocation(made, 0)
    impostor = forge(outsider, dict(signed.message), att_domain, "AttestationRevocation")
    with ape.reverts(INVALID_SIGNATURE):
        attestation_registry.revoke_attestation_by_signature(*impostor.call_args(), sender=outsider)
    tx = attestation_registry.revoke_attestation_by_signature(*signed.call_args(), sender=outsider)
    assert tx.events.filter(attestation_registry.AttestationRevoked)[0].reason == 4
    assert tx.events.filter(attestation_registry.VerifierNonceUsed)[0].nonce == 0
    status = attestation_registry.attestation(ORG, anchored, accredited)
    assert (status.valid, status.revocation_reason) == (False, 4)
    # The nonce space is shared with attestations: nonce 0 is gone for both.
    with ape.reverts("attestations: nonce already used"):
        attestation_registry.attest_by_signature(
            *sign_attestation(accredited, att_msg(accredited, ORG, anchored, now)).call_args(),
            sender=outsider,
        )
    with ape.reverts("attestations: attestation already revoked"):
        attestation_registry.revoke_attestation_by_signature(*signed.call_args(), sender=outsider)


def test_relay_from_a_signed_file(
    attestation_registry: Any, accredited: Any, anchored: bytes, outsider: Any,
    sign_attestation: Any, att_domain: AttestationDomain, chain: Any, tmp_path: Any,
) -> None:  # fmt: skip
    """The offline flow: the verifier writes a file, the relayer loads, checks and submits it."""
    now = chain.pending_timestamp
    path = tmp_path / "attestation.json"
    save(path, sign_attestation(accredited, att_msg(accredited, ORG, anchored, now, nonce=3)))
    loaded = load(path, expected=att_domain, now=now)
    tx = attestation_registry.attest_by_signature(*loaded.call_args(), sender=outsider)
    assert tx.events.filter(attestation_registry.VerifierNonceUsed)[0].nonce == 3
    assert attestation_registry.attestation(ORG, anchored, accredited).valid
