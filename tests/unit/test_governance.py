"""Roles and operating model: timelocked admin, governance, instant pauser, two-step handover."""

from typing import Any

import ape
import pytest

ZERO = "0x" + "00" * 20
MISSING_ROLE = "access_control: account is missing role"
DELAY = 2 * 86_400


def test_roles_at_deployment(registry: Any, governance: Any, pauser: Any, outsider: Any) -> None:
    admin = registry.DEFAULT_ADMIN_ROLE()
    assert registry.hasRole(admin, governance)
    assert registry.admin() == governance.address
    assert registry.pending_admin() == ZERO
    assert registry.hasRole(registry.GOVERNANCE_ROLE(), governance)
    assert registry.hasRole(registry.PAUSER_ROLE(), pauser)
    assert not registry.hasRole(registry.GOVERNANCE_ROLE(), pauser)
    assert not registry.hasRole(admin, outsider)
    for role in (registry.GOVERNANCE_ROLE(), registry.PAUSER_ROLE()):
        assert registry.getRoleAdmin(role) == admin


def test_deployer_keeps_no_role_beyond_those_named(
    project: Any, outsider: Any, governance: Any, accounts: Any
) -> None:
    """Issue 8 point 10: the old constructor left the deployer its roles in some set-ups."""
    admin_account = accounts[9]
    # The deployer names itself pauser only: it gets exactly that.
    registry = outsider.deploy(project.ReportRegistry, admin_account, governance, outsider)
    tx = registry.creation_metadata.receipt
    assert registry.hasRole(registry.PAUSER_ROLE(), outsider)
    assert not registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), outsider)
    assert not registry.hasRole(registry.GOVERNANCE_ROLE(), outsider)
    assert registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), admin_account)
    assert not registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), governance)
    assert registry.admin() == admin_account.address
    [event] = tx.events.filter(registry.AdminTransferred)
    assert (event.previous_admin, event.admin) == (ZERO, admin_account.address)
    # No pauser at all.
    bare = outsider.deploy(project.ReportRegistry, admin_account, governance, ZERO)
    for role in (bare.DEFAULT_ADMIN_ROLE(), bare.GOVERNANCE_ROLE(), bare.PAUSER_ROLE()):
        assert not bare.hasRole(role, outsider)


def test_constructor_refuses_zero_admin_or_governance(project: Any, outsider: Any) -> None:
    with ape.reverts("registry: admin is the zero address"):
        outsider.deploy(project.ReportRegistry, ZERO, outsider, outsider)
    with ape.reverts("registry: governance is the zero address"):
        outsider.deploy(project.ReportRegistry, outsider, ZERO, outsider)


def test_admin_grants_and_revokes_other_roles(
    registry: Any, governance: Any, outsider: Any, pauser: Any
) -> None:
    role = registry.GOVERNANCE_ROLE()
    with ape.reverts(MISSING_ROLE):
        registry.grantRole(role, outsider, sender=outsider)
    with ape.reverts(MISSING_ROLE):
        registry.grantRole(role, outsider, sender=pauser)
    tx = registry.grantRole(role, outsider, sender=governance)
    assert tx.events.filter(registry.RoleGranted)[0].account == outsider.address
    assert registry.hasRole(role, outsider)
    with ape.reverts(MISSING_ROLE):
        registry.revokeRole(role, governance, sender=outsider)
    registry.revokeRole(role, outsider, sender=governance)
    assert not registry.hasRole(role, outsider)
    # A role holder may give up its own role (but only its own).
    with ape.reverts("access_control: can only renounce roles for itself"):
        registry.renounceRole(registry.PAUSER_ROLE(), pauser, sender=outsider)
    registry.renounceRole(registry.PAUSER_ROLE(), pauser, sender=pauser)
    assert not registry.hasRole(registry.PAUSER_ROLE(), pauser)


def test_admin_role_moves_only_by_the_two_step_transfer(
    registry: Any, governance: Any, outsider: Any
) -> None:
    admin = registry.DEFAULT_ADMIN_ROLE()
    with ape.reverts("registry: the admin role moves only by admin transfer"):
        registry.grantRole(admin, outsider, sender=governance)
    with ape.reverts("registry: the admin role moves only by admin transfer"):
        registry.revokeRole(admin, governance, sender=governance)
    # An accidental renounce would leave no admin: refused.
    with ape.reverts("registry: the admin role cannot be renounced"):
        registry.renounceRole(admin, governance, sender=governance)
    assert registry.hasRole(admin, governance)
    # set_role_admin is not exposed: every role stays under DEFAULT_ADMIN_ROLE.
    assert not hasattr(registry, "set_role_admin")


def test_two_step_admin_transfer(
    registry: Any, governance: Any, outsider: Any, accounts: Any
) -> None:
    admin = registry.DEFAULT_ADMIN_ROLE()
    successor, other = accounts[9], accounts[8]
    with ape.reverts(MISSING_ROLE):
        registry.begin_admin_transfer(outsider, sender=outsider)
    with ape.reverts("registry: caller is not the pending admin"):
        registry.accept_admin_transfer(sender=successor)
    tx = registry.begin_admin_transfer(other, sender=governance)
    [event] = tx.events.filter(registry.AdminTransferStarted)
    assert (event.admin, event.pending_admin) == (governance.address, other.address)
    # Naming another account replaces the pending transfer.
    registry.begin_admin_transfer(successor, sender=governance)
    assert registry.pending_admin() == successor.address
    with ape.reverts("registry: caller is not the pending admin"):
        registry.accept_admin_transfer(sender=other)
    # The current admin keeps the role until the transfer is accepted.
    assert registry.hasRole(admin, governance) and registry.admin() == governance.address
    tx = registry.accept_admin_transfer(sender=successor)
    [event] = tx.events.filter(registry.AdminTransferred)
    assert (event.previous_admin, event.admin) == (governance.address, successor.address)
    assert registry.hasRole(admin, successor) and not registry.hasRole(admin, governance)
    assert (registry.admin(), registry.pending_admin()) == (successor.address, ZERO)
    with ape.reverts(MISSING_ROLE):
        registry.grantRole(registry.PAUSER_ROLE(), outsider, sender=governance)
    registry.grantRole(registry.PAUSER_ROLE(), outsider, sender=successor)
    # A cancelled transfer cannot be accepted.
    registry.begin_admin_transfer(other, sender=successor)
    registry.begin_admin_transfer(ZERO, sender=successor)
    with ape.reverts("registry: caller is not the pending admin"):
        registry.accept_admin_transfer(sender=other)


def test_supports_interface(registry: Any) -> None:
    assert registry.supportsInterface(bytes.fromhex("01ffc9a7"))  # ERC-165
    assert registry.supportsInterface(bytes.fromhex("7965db0b"))  # IAccessControl


# ------------------------------------------------------ timelocked admin


@pytest.fixture
def timelocked(project: Any, accounts: Any, governance: Any, pauser: Any) -> tuple[Any, Any]:
    """The production set-up: a timelock (proposer and executor: governance,
    no timelock admin) holds DEFAULT_ADMIN_ROLE; a third account deploys."""
    deployer = accounts[9]
    timelock = deployer.deploy(project.GovernanceTimelock, DELAY, [governance], [governance], ZERO)
    registry = deployer.deploy(project.ReportRegistry, timelock, governance, pauser)
    return timelock, registry


def test_timelock_deployment(timelocked: tuple[Any, Any], governance: Any, accounts: Any) -> None:
    timelock, registry = timelocked
    assert timelock.get_minimum_delay() == DELAY
    assert timelock.hasRole(timelock.PROPOSER_ROLE(), governance)
    assert timelock.hasRole(timelock.EXECUTOR_ROLE(), governance)
    assert timelock.hasRole(timelock.CANCELLER_ROLE(), governance)
    # The timelock administers itself; its deployer keeps nothing.
    assert timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), timelock)
    assert not timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), accounts[9])
    assert registry.admin() == timelock.address
    assert registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), timelock)
    assert not registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), accounts[9])


def test_role_grant_needs_scheduling_and_the_delay(
    timelocked: Any,
    governance: Any,
    outsider: Any,
    chain: Any,
) -> None:
    """Issue 8 point 9: a newly granted account cannot act in the same block."""
    timelock, registry = timelocked
    role = registry.GOVERNANCE_ROLE()
    # Governance itself cannot grant roles on the registry any more.
    with ape.reverts(MISSING_ROLE):
        registry.grantRole(role, outsider, sender=governance)
    payload = registry.grantRole.encode_input(role, outsider)
    salt, predecessor = bytes(32), bytes(32)
    # Nothing runs unscheduled, and only a proposer schedules.
    with ape.reverts():
        timelock.execute(registry, 0, payload, predecessor, salt, sender=governance)
    with ape.reverts(MISSING_ROLE):
        timelock.schedule(registry, 0, payload, predecessor, salt, DELAY, sender=outsider)
    with ape.reverts():  # below the minimum delay
        timelock.schedule(registry, 0, payload, predecessor, salt, DELAY - 1, sender=governance)
    tx = timelock.schedule(registry, 0, payload, predecessor, salt, DELAY, sender=governance)
    assert tx.events.filter(timelock.CallScheduled)[0].delay == DELAY
    op = timelock.hash_operation(registry, 0, payload, predecessor, salt)
    assert timelock.is_operation_pending(op) and not timelock.is_operation_ready(op)
    # Before the delay: refused, and the role is not granted.
    with ape.reverts():
        timelock.execute(registry, 0, payload, predecessor, salt, sender=governance)
    assert not registry.hasRole(role, outsider)
    chain.pending_timestamp += DELAY
    assert timelock.is_operation_ready(op)
    with ape.reverts(MISSING_ROLE):  # only an executor executes
        timelock.execute(registry, 0, payload, predecessor, salt, sender=outsider)
    tx = timelock.execute(registry, 0, payload, predecessor, salt, sender=governance)
    assert registry.hasRole(role, outsider)
    assert timelock.is_operation_done(op)
    granted = tx.events.filter(registry.RoleGranted)
    assert granted and granted[0].account == outsider.address


def test_pauser_still_pauses_instantly_and_governance_acts_without_delay(
    timelocked: Any, governance: Any, pauser: Any, signers: list[Any], submitter: Any
) -> None:
    _, registry = timelocked
    org = b"org:timelocked".ljust(32, b"\0")
    registry.register_organisation(org, [signers[0]], 1, [submitter], sender=governance)
    registry.pause(sender=pauser)
    assert registry.paused()
    registry.suspend_organisation(org, sender=governance)
    registry.unpause(sender=governance)
    assert not registry.paused()


def test_admin_handover_through_the_timelock(
    timelocked: Any, governance: Any, accounts: Any, chain: Any
) -> None:
    """Moving the admin to a new timelock is itself scheduled, then accepted."""
    timelock, registry = timelocked
    successor = accounts[8]
    payload = registry.begin_admin_transfer.encode_input(successor)
    timelock.schedule(registry, 0, payload, bytes(32), bytes(32), DELAY, sender=governance)
    chain.pending_timestamp += DELAY
    timelock.execute(registry, 0, payload, bytes(32), bytes(32), sender=governance)
    registry.accept_admin_transfer(sender=successor)
    assert registry.admin() == successor.address
    assert not registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), timelock)
