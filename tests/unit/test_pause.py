"""Pausing stops every state change and no read."""

from typing import Any

import ape

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


def test_pause_stops_every_state_change(
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
    calls = [
        lambda: registry.register_organisation(OTHER_ORG, [signers[0]], 1, [], sender=governance),
        lambda: registry.update_organisation(
            org, [signers[0]], 1, [], FAR_FUTURE, blob, sender=outsider
        ),
        lambda: registry.suspend_organisation(org, sender=governance),
        lambda: registry.reinstate_organisation(org, sender=governance),
        lambda: registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider),
        lambda: registry.anchor_correction(org, REPORT, REPORT, FAR_FUTURE, blob, sender=outsider),
        lambda: registry.submit(org, REPORT, bytes(32), sender=submitter),
        lambda: registry.approve(REPORT, sender=signers[0]),
        lambda: registry.approve_with_signatures(REPORT, FAR_FUTURE, blob, sender=outsider),
        lambda: registry.revoke(REPORT, 1, FAR_FUTURE, blob, sender=outsider),
        lambda: registry.revoke_for_cause(REPORT, 1, sender=governance),
    ]
    for call in calls:
        with ape.reverts(PAUSED):
            call()
    # Reads keep working.
    assert registry.report_status(REPORT).state == 1
    assert registry.organisation(org).status == 1
    with ape.reverts("pausable: contract is paused"):
        registry.pause(sender=pauser)
    registry.unpause(sender=governance)
    registry.approve(REPORT, sender=signers[0])


def test_roles_at_deployment(registry: Any, governance: Any, pauser: Any, outsider: Any) -> None:
    admin = registry.DEFAULT_ADMIN_ROLE()
    assert registry.hasRole(admin, governance)
    assert registry.hasRole(registry.GOVERNANCE_ROLE(), governance)
    assert registry.hasRole(registry.PAUSER_ROLE(), pauser)
    assert not registry.hasRole(registry.GOVERNANCE_ROLE(), pauser)
    assert not registry.hasRole(admin, outsider)


def test_deployer_keeps_no_role_when_governance_is_another_account(
    project: Any, outsider: Any, governance: Any
) -> None:
    registry = outsider.deploy(project.ReportRegistry, governance, "0x" + "00" * 20)
    assert not registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), outsider)
    assert registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), governance)
    with ape.reverts("registry: governance is the zero address"):
        outsider.deploy(project.ReportRegistry, "0x" + "00" * 20, outsider)
