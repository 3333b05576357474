"""The customs view: a report's status and its attestations in one call; rebuilt from logs."""

from collections.abc import Callable
from typing import Any

from eth_account import Account
from eth_utils import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_attestation_support import (
    DAY,
    EVIDENCE,
    FAR_FUTURE,
    ORG,
    REPORT,
    VERIFIER_ID,
    att_args,
    att_msg,
)

from bci_registry.attestations import AttestationDomain
from bci_registry.attestations import sign as sign_message
from bci_registry.audit import rebuild
from conftest import YEAR, approval, contract_events

ANCHORED, SUPERSEDED = 2, 3


def test_unknown_report(attestation_registry: Any, registry: Any, chain: Any) -> None:
    view = attestation_registry.customs_view(ORG, keccak(text="nobody anchored this"))
    assert view.report.state == 0
    assert list(view.attestations) == []
    assert (view.accepted, view.report.paused) == (False, False)
    assert view.checked_at == chain.blocks.head.timestamp


def test_report_status_is_the_registrys(
    attestation_registry: Any, registry: Any, accredited: Any, anchored: bytes, chain: Any
) -> None:
    attestation_registry.attest(
        *att_args(ORG, anchored, chain.pending_timestamp), sender=accredited
    )
    view = attestation_registry.customs_view(ORG, anchored)
    assert tuple(view.report) == tuple(registry.report_status(ORG, anchored))
    assert view.accepted
    assert view.report.state == ANCHORED


def test_every_attestation_with_its_validity(
    attestation_registry: Any,
    accredited: Any,
    verifier2: Any,
    accredit: Callable[..., Any],
    accounts: Any,
    governance: Any,
    anchored: bytes,
    outsider: Any,
    sign_attestation: Any,
    chain: Any,
) -> None:
    now = chain.pending_timestamp
    accredit(verifier2, verifier_id=keccak(text="verifier:2"))
    bystander = accounts.generate_test_account()  # accredited, never attests
    accredit(bystander)
    fraud = accounts.generate_test_account()  # relayed: needs no funds
    accredit(fraud)
    attestation_registry.attest(*att_args(ORG, anchored, now, fields=0b11), sender=accredited)
    attestation_registry.attest(*att_args(ORG, anchored, now, verdict=2), sender=verifier2)
    attestation_registry.revoke_attestation(ORG, anchored, 2, sender=verifier2)
    signed = sign_attestation(fraud, att_msg(fraud, ORG, anchored, now, verdict=3))
    made = attestation_registry.attest_by_signature(*signed.call_args(), sender=outsider).timestamp
    attestation_registry.suspend_verifier_for_cause(fraud, made, sender=governance)

    view = attestation_registry.customs_view(ORG, anchored)
    assert view.accepted  # the first is a valid pass
    assert view.checked_at == chain.blocks.head.timestamp
    rows = [
        (
            a.verifier,
            a.verifier_index,
            a.verdict,
            a.fields,
            a.valid,
            a.invalidated,
            a.revoked_at != 0,
        )
        for a in view.attestations
    ]
    assert rows == [
        (accredited.address, 1, 1, 0b11, True, False, False),
        (verifier2.address, 2, 2, 0xFFF, False, False, True),
        (fraud.address, 4, 3, 0xFFF, False, True, False),
    ]
    assert bytes(view.attestations[0].verifier_id) == VERIFIER_ID
    assert bytes(view.attestations[1].verifier_id) == keccak(text="verifier:2")
    assert view.attestations[1].revocation_reason == 2
    assert all(
        (bytes(a.organisation), bytes(a.report)) == (ORG, anchored) for a in view.attestations
    )
    assert list(attestation_registry.attestations(ORG, anchored)) == list(view.attestations)


def test_superseded_report_keeps_its_attestations_visible(
    attestation_registry: Any, registry: Any, accredited: Any, anchored: bytes, org: bytes,
    signers: list[Any], approvals: Any, outsider: Any, chain: Any,
) -> None:  # fmt: skip
    attestation_registry.attest(
        *att_args(ORG, anchored, chain.pending_timestamp), sender=accredited
    )
    correction = keccak(text="report:1-corrected")
    registry.anchor_correction(
        org, correction, anchored, FAR_FUTURE,
        approvals(signers[:2], approval(org, correction, anchored)), sender=outsider,
    )  # fmt: skip
    view = attestation_registry.customs_view(ORG, anchored)
    # The attestation itself is still valid; the report is not current: customs sees both.
    assert (view.report.state, bytes(view.report.superseded_by)) == (SUPERSEDED, correction)
    assert view.attestations[0].valid
    assert not view.accepted  # valid attestations, but the report is not current
    assert list(attestation_registry.customs_view(ORG, correction).attestations) == []


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lifetime=st.integers(min_value=1, max_value=10 * DAY),
    wait=st.integers(min_value=0, max_value=12 * DAY),
    revoke=st.booleans(),
    cutoff=st.one_of(st.none(), st.integers(min_value=-2, max_value=2)),
)
def test_validity_matches_the_rules(
    attestation_registry: Any, accredited: Any, governance: Any, anchored: bytes, chain: Any,
    lifetime: int, wait: int, revoke: bool, cutoff: int | None,
) -> None:  # fmt: skip
    """valid == not revoked and now < expires_at and not (for cause and made >= cut-off)."""
    with chain.isolate():
        now = chain.pending_timestamp
        made = attestation_registry.attest(
            *att_args(ORG, anchored, now, expires_at=now + lifetime), sender=accredited
        ).timestamp
        if revoke:
            attestation_registry.revoke_attestation(ORG, anchored, 1, sender=accredited)
        if cutoff is not None:
            chain.pending_timestamp = max(chain.pending_timestamp, made + 3)
            attestation_registry.suspend_verifier_for_cause(
                accredited, made + cutoff, sender=governance
            )
        chain.pending_timestamp = max(chain.pending_timestamp, made + wait)
        chain.mine()
        checked = attestation_registry.customs_view(ORG, anchored)
        status = checked.attestations[0]
        invalidated = cutoff is not None and cutoff <= 0
        expired = checked.checked_at >= now + lifetime
        assert (status.invalidated, status.expired) == (invalidated, expired)
        assert status.valid == (not revoke and not expired and not invalidated)


# ------------------------------------------------------- rebuild from logs


def test_state_rebuilt_from_logs_matches_views(
    attestation_registry: Any, registry: Any, accredited: Any, verifier2: Any,
    accredit: Callable[..., Any], governance: Any, org: bytes, signers: list[Any], approvals: Any,
    outsider: Any, sign_attestation: Any, att_domain: AttestationDomain, chain: Any,
) -> None:  # fmt: skip
    now = chain.pending_timestamp
    other = keccak(text="report:2")
    for root in (REPORT, other):
        registry.anchor(
            org, root, FAR_FUTURE, approvals(signers[:2], approval(org, root)), sender=outsider
        )
    accredit(verifier2, scope=0b1111, valid_until=now + DAY)
    relayed = Account.create()  # a throwaway key, never printed
    accredit(relayed.address, scope=0b1)
    attestation_registry.attest(*att_args(ORG, REPORT, now), sender=accredited)
    attestation_registry.attest(*att_args(ORG, other, now, fields=0b101), sender=accredited)
    attestation_registry.attest(
        *att_args(ORG, REPORT, now, fields=0b10, verdict=3, expires_at=now + DAY), sender=verifier2
    )
    attestation_registry.extend_accreditation(verifier2, now + YEAR, sender=governance)
    for nonce, root in ((1, REPORT), (0, other)):
        message = att_msg(relayed, ORG, root, now, nonce=nonce, fields=0b1)
        signed = sign_message(relayed.key, att_domain, "Attestation", message)
        attestation_registry.attest_by_signature(*signed.call_args(), sender=outsider)
    attestation_registry.attest(
        *att_args(ORG, REPORT, now, evidence=EVIDENCE[::-1]), sender=accredited
    )
    attestation_registry.revoke_attestation(ORG, other, 3, sender=accredited)
    attestation_registry.suspend_verifier(verifier2, sender=governance)
    attestation_registry.suspend_verifier_for_cause(relayed.address, now, sender=governance)
    attestation_registry.cancel_nonces(5, sender=accredited)  # NoncesCancelled replays too

    state = rebuild(contract_events(attestation_registry, chain))
    verifiers, records = state.verifiers, state.attestations
    assert len(verifiers) == attestation_registry.verifier_count() == 3
    for address, model in verifiers.items():
        view = attestation_registry.verifier(address)
        assert attestation_registry.verifier_at(model.index) == address
        assert (bytes(view.verifier_id), view.scope, view.valid_from, view.valid_until) == (
            model.verifier_id, model.scope, model.valid_from, model.valid_until,
        )  # fmt: skip
        assert view.invalid_since == model.invalid_since
        assert view.status == (5 if model.for_cause else 4 if model.suspended else 1)
        assert view.nonce_base == model.nonce_base
        assert view.used_nonces == sum(1 << (n - model.nonce_base) for n in model.used_nonces)
    assert len(records) == 5
    for (org_id, root, address), model in records.items():
        view = attestation_registry.attestation(org_id, root, address)
        expected = {k: v for k, v in vars(model).items() if k != "evidence"}
        got = {name: getattr(view, name) for name in expected}
        assert got | {"verifier_id": bytes(view.verifier_id)} == expected
