"""Pausing stops every action that adds trust; every action that only reduces trust still works."""

from collections.abc import Callable
from typing import Any

import ape
from eth_utils import keccak

from conftest import FAR_FUTURE, OTHER_ORG, REPORT, approval

PAUSED = "pausable: contract is paused"


def test_pause_roles(
    registry: Any, governance: Any, pauser: Any, outsider: Any, signers: list[Any]
) -> None:
    for account in (outsider, signers[0]):
        with ape.reverts("registry: caller may not pause"):
            registry.pause(sender=account)
    tx = registry.pause(sender=pauser)
    assert registry.paused()
    assert tx.events.filter(registry.Paused)[0].account == pauser.address
    # The emergency key can stop but not restart.
    with ape.reverts("access_control: account is missing role"):
        registry.unpause(sender=pauser)
    registry.unpause(sender=governance)
    assert not registry.paused()
    registry.pause(sender=governance)
    assert registry.paused()


def test_pause_stops_every_action_that_adds_trust(
    registry: Any,
    governance: Any,
    pauser: Any,
    org: bytes,
    signers: list[Any],
    approvals: Any,
    submitter: Any,
    outsider: Any,
) -> None:
    blob = approvals(signers[:2], approval(org, REPORT))
    registry.submit(org, REPORT, bytes(32), sender=submitter)
    registry.pause(sender=pauser)
    calls: list[Callable[[], Any]] = [
        lambda: registry.register_organisation(OTHER_ORG, [signers[0]], 1, [], sender=governance),
        lambda: registry.update_organisation(
            org, [signers[0]], 1, [], FAR_FUTURE, blob, sender=outsider
        ),
        lambda: registry.reinstate_organisation(org, sender=governance),
        lambda: registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider),
        lambda: registry.anchor_correction(org, REPORT, REPORT, FAR_FUTURE, blob, sender=outsider),
        lambda: registry.submit(org, REPORT, bytes(32), sender=submitter),
        lambda: registry.approve(org, REPORT, bytes(32), sender=signers[0]),
        lambda: registry.approve_with_signatures(org, REPORT, FAR_FUTURE, blob, sender=outsider),
    ]
    for call in calls:
        with ape.reverts(PAUSED):
            call()
    # Reads keep working, and customs sees the pause.
    status = registry.report_status(org, REPORT)
    assert (status.state, status.paused) == (1, True)
    assert registry.organisation(org).status == 1
    with ape.reverts("pausable: contract is paused"):
        registry.pause(sender=pauser)
    registry.unpause(sender=governance)
    assert not registry.report_status(org, REPORT).paused
    registry.approve(org, REPORT, bytes(32), sender=signers[0])


def revocation(org: bytes, report: bytes, reason: int) -> dict[str, Any]:
    return {
        "organisation": org,
        "report": report,
        "reason": reason,
        "signerSetVersion": 1,
        "deadline": FAR_FUTURE,
    }


def test_trust_can_be_withdrawn_while_paused(
    registry: Any,
    governance: Any,
    pauser: Any,
    org: bytes,
    signers: list[Any],
    approvals: Any,
    submitter: Any,
    outsider: Any,
) -> None:
    """Issue 8 point 6: on the old contract each of these reverted with "contract is paused"."""
    registry.anchor(
        org, REPORT, FAR_FUTURE, approvals(signers[:2], approval(org, REPORT)), sender=outsider
    )
    registry.submit(org, REPORT_2, bytes(32), sender=submitter)
    registry.pause(sender=pauser)
    # The organisation revokes its own report by signatures.
    tx = registry.revoke(
        org,
        REPORT,
        3,
        FAR_FUTURE,
        approvals(signers[:2], revocation(org, REPORT, 3), "Revocation"),
        sender=outsider,
    )
    assert tx.events.filter(registry.ReportRevoked)[0].reason == 3
    # Governance revokes for cause and suspends the organisation.
    registry.revoke_for_cause(org, REPORT_2, 101, sender=governance)
    registry.suspend_organisation(org, sender=governance)
    assert registry.report_status(org, REPORT).state == 4
    assert registry.report_status(org, REPORT_2).state == 4
    assert registry.organisation(org).status == 2
    # Role revocation works too: a compromised pauser is removed during the pause.
    registry.revokeRole(registry.PAUSER_ROLE(), pauser, sender=governance)
    assert not registry.hasRole(registry.PAUSER_ROLE(), pauser)
    assert registry.paused()


REPORT_2 = keccak(text="report:2")
