"""Verifier accreditation by governance: accredit, extend, suspend, suspend for cause."""

from collections.abc import Callable
from typing import Any

import ape
import pytest
from eth_utils import keccak
from test_attestation_support import ALL_FIELDS, DAY, ORG, VERIFIER_ID, att_args

from conftest import YEAR

MISSING_ROLE = "access_control: account is missing role"
PAUSED = "pausable: contract is paused"
ACCREDITED, NOT_YET_VALID, EXPIRED, SUSPENDED, FOR_CAUSE = 1, 2, 3, 4, 5


def test_accredit_records_and_logs_the_verifier(
    attestation_registry: Any, registry: Any, verifier: Any, governance: Any, chain: Any
) -> None:
    now = chain.pending_timestamp
    tx = attestation_registry.accredit_verifier(
        verifier, VERIFIER_ID, 0b1010_0000_0101, now - DAY, now + YEAR, sender=governance
    )
    event = tx.events.filter(attestation_registry.VerifierAccredited)[0]
    assert (event.verifier, bytes(event.verifier_id)) == (verifier.address, VERIFIER_ID)
    assert (event.index, event.scope) == (1, 0b1010_0000_0101)
    assert (event.valid_from, event.valid_until) == (now - DAY, now + YEAR)
    record = attestation_registry.verifier(verifier)
    assert record.status == ACCREDITED
    assert (bytes(record.verifier_id), record.index, record.scope) == (VERIFIER_ID, 1, 0xA05)
    assert (record.valid_from, record.valid_until, record.invalid_since) == (
        now - DAY,
        now + YEAR,
        0,
    )
    assert (record.nonce_base, record.used_nonces) == (0, 0)
    assert attestation_registry.verifier_count() == 1
    assert attestation_registry.verifier_at(1) == verifier.address
    assert attestation_registry.REGISTRY() == registry.address


def test_unknown_verifier_reads_as_zero(attestation_registry: Any, outsider: Any) -> None:
    record = attestation_registry.verifier(outsider)
    assert (record.status, record.index, record.scope, record.valid_until) == (0, 0, 0, 0)
    assert attestation_registry.verifier_at(1) == "0x" + "00" * 20


def test_verifiers_get_increasing_indices(
    attestation_registry: Any, verifier: Any, verifier2: Any, accredit: Callable[..., Any]
) -> None:
    accredit(verifier)
    accredit(verifier2)
    accredit(verifier, scope=1)  # again: keeps its index
    assert attestation_registry.verifier(verifier).index == 1
    assert attestation_registry.verifier(verifier2).index == 2
    assert attestation_registry.verifier_count() == 2
    assert attestation_registry.verifier(verifier).scope == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"account": "0x" + "00" * 20}, "attestations: verifier is the zero address"),
        ({"verifier_id": bytes(32)}, "attestations: verifier id is zero"),
        ({"scope": 0}, "attestations: scope is empty"),
        ({"scope": 0x1000}, "attestations: scope has unknown fields"),
        ({"valid_from": 10, "valid_until": 10}, "attestations: accreditation window is empty"),
        ({"valid_from": 1, "valid_until": 2}, "attestations: accreditation window is over"),
        ({"valid_until": 2**40}, "attestations: time out of range"),
    ],
)
def test_accredit_refuses_bad_terms(
    attestation_registry: Any,
    verifier: Any,
    governance: Any,
    chain: Any,
    change: dict[str, Any],
    message: str,
) -> None:
    now = chain.pending_timestamp
    terms = {
        "account": verifier.address,
        "verifier_id": VERIFIER_ID,
        "scope": ALL_FIELDS,
        "valid_from": now,
        "valid_until": now + YEAR,
    } | change
    with ape.reverts(message):
        attestation_registry.accredit_verifier(*terms.values(), sender=governance)


def test_window_not_yet_open_then_lapsed(
    attestation_registry: Any,
    verifier: Any,
    accredit: Callable[..., Any],
    anchored: bytes,
    chain: Any,
) -> None:
    now = chain.pending_timestamp
    accredit(verifier, valid_from=now + DAY, valid_until=now + 2 * DAY)
    assert attestation_registry.verifier(verifier).status == NOT_YET_VALID
    with ape.reverts("attestations: accreditation not yet valid"):
        attestation_registry.attest(
            *att_args(ORG, anchored, now, expires_at=now + 2 * DAY), sender=verifier
        )
    chain.pending_timestamp = now + DAY
    attestation_registry.attest(
        *att_args(ORG, anchored, now + DAY, expires_at=now + 2 * DAY), sender=verifier
    )
    chain.pending_timestamp = now + 2 * DAY + 1
    chain.mine()
    assert attestation_registry.verifier(verifier).status == EXPIRED
    with ape.reverts("attestations: accreditation expired"):
        attestation_registry.attest(*att_args(ORG, anchored, now + 2 * DAY + 2), sender=verifier)


def test_extend_accreditation(
    attestation_registry: Any,
    verifier: Any,
    accredit: Callable[..., Any],
    governance: Any,
    anchored: bytes,
    chain: Any,
) -> None:
    now = chain.pending_timestamp
    accredit(verifier, valid_until=now + DAY)
    with ape.reverts("attestations: accreditation is not extended"):
        attestation_registry.extend_accreditation(verifier, now + DAY, sender=governance)
    with ape.reverts("attestations: time out of range"):
        attestation_registry.extend_accreditation(verifier, 2**40, sender=governance)
    # Extending a lapsed accreditation lets the verifier attest again.
    chain.pending_timestamp = now + 2 * DAY
    chain.mine()
    assert attestation_registry.verifier(verifier).status == EXPIRED
    tx = attestation_registry.extend_accreditation(verifier, now + YEAR, sender=governance)
    event = tx.events.filter(attestation_registry.AccreditationExtended)[0]
    assert (event.verifier, event.valid_until) == (verifier.address, now + YEAR)
    assert attestation_registry.verifier(verifier).valid_until == now + YEAR
    assert attestation_registry.verifier(verifier).status == ACCREDITED
    attestation_registry.attest(*att_args(ORG, anchored, now + 2 * DAY + 1), sender=verifier)


def test_extend_refused_for_unknown_or_suspended(
    attestation_registry: Any, accredited: Any, outsider: Any, governance: Any, chain: Any
) -> None:
    later = chain.pending_timestamp + 2 * YEAR
    with ape.reverts("attestations: unknown verifier"):
        attestation_registry.extend_accreditation(outsider, later, sender=governance)
    attestation_registry.suspend_verifier(accredited, sender=governance)
    with ape.reverts("attestations: verifier is suspended"):
        attestation_registry.extend_accreditation(accredited, later, sender=governance)


def test_suspend_from_now_on(
    attestation_registry: Any, accredited: Any, outsider: Any, governance: Any, anchored: bytes,
    chain: Any,
) -> None:  # fmt: skip
    tx = attestation_registry.suspend_verifier(accredited, sender=governance)
    assert (
        tx.events.filter(attestation_registry.VerifierSuspended)[0].verifier == accredited.address
    )
    assert attestation_registry.verifier(accredited).status == SUSPENDED
    with ape.reverts("attestations: verifier is suspended"):
        attestation_registry.attest(
            *att_args(ORG, anchored, chain.pending_timestamp), sender=accredited
        )
    with ape.reverts("attestations: verifier is already suspended"):
        attestation_registry.suspend_verifier(accredited, sender=governance)
    with ape.reverts("attestations: unknown verifier"):
        attestation_registry.suspend_verifier(outsider, sender=governance)


def test_reaccreditation_lifts_a_suspension(
    attestation_registry: Any,
    accredited: Any,
    accredit: Callable[..., Any],
    governance: Any,
    anchored: bytes,
    chain: Any,
) -> None:
    attestation_registry.suspend_verifier(accredited, sender=governance)
    accredit(accredited, scope=0b11)
    record = attestation_registry.verifier(accredited)
    assert (record.status, record.scope, record.index) == (ACCREDITED, 0b11, 1)
    now = chain.pending_timestamp
    with ape.reverts("attestations: fields outside the verifier's scope"):
        attestation_registry.attest(*att_args(ORG, anchored, now, fields=0b111), sender=accredited)
    attestation_registry.attest(*att_args(ORG, anchored, now, fields=0b11), sender=accredited)


def test_suspend_for_cause(
    attestation_registry: Any,
    accredited: Any,
    accredit: Callable[..., Any],
    governance: Any,
    outsider: Any,
    chain: Any,
) -> None:
    now = chain.pending_timestamp
    with ape.reverts("attestations: cut-off is in the future"):
        attestation_registry.suspend_verifier_for_cause(accredited, now + DAY, sender=governance)
    with ape.reverts("attestations: unknown verifier"):
        attestation_registry.suspend_verifier_for_cause(outsider, now - DAY, sender=governance)
    tx = attestation_registry.suspend_verifier_for_cause(accredited, now - DAY, sender=governance)
    event = tx.events.filter(attestation_registry.VerifierSuspendedForCause)[0]
    assert (event.verifier, event.invalid_since) == (accredited.address, now - DAY)
    record = attestation_registry.verifier(accredited)
    assert (record.status, record.invalid_since) == (FOR_CAUSE, now - DAY)
    # The cut-off may move earlier, never later.
    with ape.reverts("attestations: cut-off may only move earlier"):
        attestation_registry.suspend_verifier_for_cause(accredited, now - DAY, sender=governance)
    attestation_registry.suspend_verifier_for_cause(accredited, 0, sender=governance)
    assert attestation_registry.verifier(accredited).invalid_since == 0
    assert attestation_registry.verifier(accredited).status == FOR_CAUSE
    # Permanent: no re-accreditation, no extension.
    with ape.reverts("attestations: verifier was suspended for cause"):
        accredit(accredited)
    with ape.reverts("attestations: verifier is suspended"):
        attestation_registry.extend_accreditation(accredited, now + 2 * YEAR, sender=governance)


def test_for_cause_applies_to_an_already_suspended_verifier(
    attestation_registry: Any, accredited: Any, governance: Any, chain: Any
) -> None:
    attestation_registry.suspend_verifier(accredited, sender=governance)
    attestation_registry.suspend_verifier_for_cause(
        accredited, chain.pending_timestamp - 1, sender=governance
    )
    assert attestation_registry.verifier(accredited).status == FOR_CAUSE


def test_every_governance_function_refuses_other_roles(
    attestation_registry: Any,
    accredited: Any,
    verifier2: Any,
    outsider: Any,
    pauser: Any,
    submitter: Any,
    chain: Any,
) -> None:
    now = chain.pending_timestamp
    calls = [
        lambda who: attestation_registry.accredit_verifier(
            verifier2, VERIFIER_ID, 1, now, now + YEAR, sender=who
        ),
        lambda who: attestation_registry.extend_accreditation(
            accredited, now + 2 * YEAR, sender=who
        ),
        lambda who: attestation_registry.suspend_verifier(accredited, sender=who),
        lambda who: attestation_registry.suspend_verifier_for_cause(
            accredited, now - 1, sender=who
        ),
    ]
    # A verifier cannot govern itself, nor can the pauser or anyone else.
    for who in (outsider, pauser, submitter, accredited):
        for call in calls:
            with ape.reverts(MISSING_ROLE):
                call(who)
    assert attestation_registry.verifier(accredited).status == ACCREDITED


def test_roles_are_the_report_registrys(
    attestation_registry: Any, registry: Any, accounts: Any, outsider: Any, verifier: Any,
    chain: Any,
) -> None:  # fmt: skip
    now = chain.pending_timestamp
    # Roles are granted by the report registry's admin (in production a timelock).
    admin = next(a for a in accounts if a.address == registry.admin())
    registry.grantRole(registry.GOVERNANCE_ROLE(), outsider, sender=admin)
    attestation_registry.accredit_verifier(
        verifier, VERIFIER_ID, 1, now, now + YEAR, sender=outsider
    )
    registry.revokeRole(registry.GOVERNANCE_ROLE(), outsider, sender=admin)
    with ape.reverts(MISSING_ROLE):
        attestation_registry.suspend_verifier(verifier, sender=outsider)
    assert attestation_registry.GOVERNANCE_ROLE() == keccak(text="GOVERNANCE_ROLE")


def test_pause_stops_accreditation_not_suspension(
    attestation_registry: Any,
    registry: Any,
    accredited: Any,
    verifier2: Any,
    governance: Any,
    pauser: Any,
    anchored: bytes,
    chain: Any,
) -> None:
    """Accrediting and extending add trust: refused while paused. Suspending
    only reduces it: allowed (issue 8, point 6; the attestation side is in
    `test_attestation_trust.py`)."""
    now = chain.pending_timestamp
    registry.pause(sender=pauser)
    with ape.reverts(PAUSED):
        attestation_registry.accredit_verifier(
            verifier2, VERIFIER_ID, 1, now, now + YEAR, sender=governance
        )
    with ape.reverts(PAUSED):
        attestation_registry.extend_accreditation(accredited, now + 2 * YEAR, sender=governance)
    with ape.reverts(MISSING_ROLE):  # the role check still applies
        attestation_registry.suspend_verifier(accredited, sender=pauser)
    attestation_registry.suspend_verifier(accredited, sender=governance)
    attestation_registry.suspend_verifier_for_cause(accredited, 0, sender=governance)
    # Reads keep working.
    assert attestation_registry.verifier(accredited).status == FOR_CAUSE
    assert attestation_registry.customs_view(ORG, anchored).report.state == 2
    registry.unpause(sender=governance)
    attestation_registry.accredit_verifier(
        verifier2, VERIFIER_ID, 1, now, now + YEAR, sender=governance
    )


def test_constructor_needs_a_registry_contract(
    project: Any, governance: Any, outsider: Any
) -> None:
    with ape.reverts("attestations: registry is not a contract"):
        governance.deploy(project.AttestationRegistry, outsider)
