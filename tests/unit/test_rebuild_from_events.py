"""The event log alone rebuilds the registry's state (the audit trail)."""

from typing import Any

from eth_utils import keccak

from bci_registry.audit import rebuild
from conftest import FAR_FUTURE, OTHER_ORG, approval, contract_events

ZERO_ADDRESS = "0x" + "00" * 20


def test_state_rebuilt_from_logs_matches_views(
    registry: Any,
    governance: Any,
    pauser: Any,
    org: bytes,
    signers: list[Any],
    submitter: Any,
    outsider: Any,
    approvals: Any,
    chain: Any,
) -> None:
    roots = [keccak(text=f"report:{i}") for i in range(8)]
    # Fast path, then a one-transaction correction of it.
    registry.anchor(
        org, roots[0], FAR_FUTURE, approvals(signers[:2], approval(org, roots[0])), sender=outsider
    )
    registry.anchor_correction(
        org,
        roots[1],
        roots[0],
        FAR_FUTURE,
        approvals(signers[1:3], approval(org, roots[1], supersedes=roots[0])),
        sender=outsider,
    )
    # Slow path with on-chain approvals, and a slow-path correction.
    registry.submit(org, roots[2], bytes(32), sender=submitter)
    registry.approve(org, roots[2], bytes(32), sender=signers[1])
    registry.approve(org, roots[2], bytes(32), sender=signers[2])
    registry.submit(org, roots[3], roots[2], sender=submitter)
    registry.approve(org, roots[3], roots[2], sender=signers[0])
    registry.approve_with_signatures(
        org,
        roots[3],
        FAR_FUTURE,
        approvals(signers[2:3], approval(org, roots[3], supersedes=roots[2])),
        sender=outsider,
    )
    # A pending report left half-approved, across a signer-set change.
    registry.submit(org, roots[4], bytes(32), sender=submitter)
    registry.approve(org, roots[4], bytes(32), sender=signers[0])
    members = [signers[3].address, signers[1].address, signers[2].address]
    update = {
        "organisation": org,
        "signers": members,
        "threshold": 2,
        "submitters": [submitter.address],
        "signerSetVersion": 1,
        "deadline": FAR_FUTURE,
    }
    registry.update_organisation(
        org,
        members,
        2,
        [submitter],
        FAR_FUTURE,
        approvals(signers[1:3], update, "OrganisationUpdate"),
        sender=outsider,
    )
    registry.approve(org, roots[4], bytes(32), sender=signers[3])
    # Revocations by the organisation and by governance.
    registry.anchor(
        org,
        roots[5],
        FAR_FUTURE,
        approvals([signers[1], signers[3]], approval(org, roots[5], version=2)),
        sender=outsider,
    )
    revocation = {
        "organisation": org,
        "report": roots[5],
        "reason": 4,
        "signerSetVersion": 2,
        "deadline": FAR_FUTURE,
    }
    registry.revoke(
        org,
        roots[5],
        4,
        FAR_FUTURE,
        approvals(signers[1:3], revocation, "Revocation"),
        sender=outsider,
    )
    registry.revoke_for_cause(org, roots[1], 11, sender=governance)
    # A second organisation, suspended and reinstated, then suspended again.
    registry.register_organisation(OTHER_ORG, [signers[4]], 1, [submitter], sender=governance)
    registry.suspend_organisation(OTHER_ORG, sender=governance)
    registry.reinstate_organisation(OTHER_ORG, sender=governance)
    registry.anchor(
        OTHER_ORG,
        roots[6],
        FAR_FUTURE,
        approvals([signers[4]], approval(OTHER_ORG, roots[6])),
        sender=outsider,
    )
    # The same root under another organisation is another report (keys are (org, root)).
    registry.anchor(
        OTHER_ORG,
        roots[0],
        FAR_FUTURE,
        approvals([signers[4]], approval(OTHER_ORG, roots[0])),
        sender=outsider,
    )
    registry.suspend_organisation(OTHER_ORG, sender=governance)
    registry.pause(sender=pauser)
    # Trust-reducing actions work while paused; they are in the log like any other.
    registry.revoke_for_cause(OTHER_ORG, roots[0], 12, sender=governance)
    # The admin moves in two steps.
    registry.begin_admin_transfer(outsider, sender=governance)
    registry.accept_admin_transfer(sender=outsider)

    state = rebuild(contract_events(registry, chain))

    assert state.paused == registry.paused()
    assert state.admin == registry.admin() == outsider.address
    assert state.pending_admin is None and registry.pending_admin() == ZERO_ADDRESS
    assert set(state.organisations) == {org, OTHER_ORG}
    for org_id, record in state.organisations.items():
        view = registry.organisation(org_id)
        assert (record.status, record.index, record.threshold, record.signer_set_version) == (
            view.status,
            view.index,
            view.threshold,
            view.signer_set_version,
        )
        assert record.signers == list(view.signers)
        assert record.submitters == list(view.submitters)
    assert set(state.reports) == {(org, r) for r in roots[:6]} | {
        (OTHER_ORG, roots[6]),
        (OTHER_ORG, roots[0]),
    }
    assert state.reports[(org, roots[0])].state == 3  # superseded by its correction
    assert state.reports[(OTHER_ORG, roots[0])].state == 4  # revoked for cause while paused
    for (org_id, root), record in state.reports.items():
        view = registry.report_status(org_id, root)
        assert record.organisation == org_id
        org_view = registry.organisation(record.organisation)
        assert (
            view.state,
            view.organisation,
            view.organisation_status,
            view.approvals,
            view.approvers,
            view.signer_set_version,
            view.anchored_at,
            view.anchored_block,
            view.supersedes,
            view.superseded_by,
            view.revocation_reason,
        ) == (
            record.state,
            record.organisation,
            org_view.status,
            record.approvals,
            record.approvers,
            record.signer_set_version,
            record.anchored_at,
            record.anchored_block,
            record.supersedes,
            record.superseded_by,
            record.revocation_reason,
        ), root.hex()
    # The scenario reached every report state.
    assert {r.state for r in state.reports.values()} == {1, 2, 3, 4}
