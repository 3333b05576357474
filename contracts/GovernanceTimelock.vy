# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title BCI Governance Timelock
@custom:contract-name GovernanceTimelock
@license Apache-2.0
@notice The registry's admin in production: holds `DEFAULT_ADMIN_ROLE` of
        `ReportRegistry` (and, through it, every role grant and
        revocation), so that a role change is first scheduled here, is
        visible on chain for at least `get_minimum_delay()` seconds, and
        only then executed. Proposers (who are also cancellers) and
        executors are normally the governance multisig. The registry's
        pauser stays outside the timelock: it pauses instantly.
        See "Roles and operating model" in `docs/registry-spec.md`.
@dev snekmate's `timelock_controller` composed with `access_control`,
     unchanged; every external function of both is exported. The timelock
     administers itself (`DEFAULT_ADMIN_ROLE` of the timelock is the
     timelock), so changing its own proposers, executors or delay also
     goes through the delay.
"""

from snekmate.auth import access_control
initializes: access_control

from snekmate.governance import timelock_controller
initializes: timelock_controller[access_control := access_control]

exports: timelock_controller.__interface__


@deploy
@payable
def __init__(
    minimum_delay_: uint256,
    proposers_: DynArray[address, 255],
    executors_: DynArray[address, 255],
    admin_: address,
):
    """
    @dev Sets the minimum delay and the proposer, canceller and executor
         roles (snekmate `timelock_controller.__init__`). The deployer keeps
         no role.
    @param minimum_delay_ The minimum delay in seconds between scheduling
           and executing an operation (e.g. 172800, two days).
    @param proposers_ The accounts that may schedule (and cancel)
           operations, normally the governance multisig.
    @param executors_ The accounts that may execute ready operations (the
           zero address in this list lets anyone execute).
    @param admin_ An optional account with `DEFAULT_ADMIN_ROLE` on the
           timelock for the initial set-up, without delay; use the zero
           address in production (or renounce it once set up).
    """
    access_control.__init__()
    timelock_controller.__init__(minimum_delay_, proposers_, executors_, admin_)
