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


def test_batches_rebuilt_from_logs_match_member_status(
    registry: Any,
    governance: Any,
    org: bytes,
    signers: list[Any],
    submitter: Any,
    outsider: Any,
    approvals: Any,
    domain: Any,
    chain: Any,
) -> None:
    """Batch roots, their members and members recorded one by one (issue 10)."""
    from bci_registry.audit import member_status
    from bci_registry.exporter.batch_tree import BatchTree, batch_approval_message
    from bci_registry.signatures import pack, sign

    def batch_blob(who: list[Any], tree: BatchTree) -> bytes:
        order = [str(a) for a in registry.organisation(org).signers]
        messages = (
            sign(
                a.private_key,
                domain,
                "BatchApproval",
                batch_approval_message(a.address, org, tree.root, tree.size, 1, FAR_FUTURE),
            )
            for a in who
        )
        return pack(messages, order)

    fast = BatchTree(org, [keccak(text=f"fast member:{i}") for i in range(5)])
    slow = BatchTree(org, [keccak(text=f"slow member:{i}") for i in range(3)])
    pending = BatchTree(org, [keccak(text=f"pending member:{i}") for i in range(2)])
    # The fast path, and the pending path approved on chain and by a signature.
    registry.anchor_batch(
        org, fast.root, fast.size, FAR_FUTURE, batch_blob(signers[:2], fast), sender=outsider
    )
    registry.submit_batch(org, slow.root, slow.size, sender=submitter)
    registry.approve(org, slow.root, bytes(32), sender=signers[2])
    registry.approve_with_signatures(
        org, slow.root, FAR_FUTURE, batch_blob(signers[:1], slow), sender=outsider
    )
    registry.submit_batch(org, pending.root, pending.size, sender=submitter)
    registry.approve(org, pending.root, bytes(32), sender=signers[0])
    # One member revoked by the organisation, one for cause, one superseded.
    victim = fast.proofs()[1]
    revocation = {
        "organisation": org,
        "report": victim.report,
        "reason": 3,
        "signerSetVersion": 1,
        "deadline": FAR_FUTURE,
    }
    registry.revoke_member(
        org, victim.report, 3, fast.root, list(victim.proof), FAR_FUTURE,
        approvals(signers[1:3], revocation, "Revocation"), sender=outsider,
    )  # fmt: skip
    for_cause = fast.proofs()[3]
    registry.revoke_member_for_cause(
        org, for_cause.report, 9, fast.root, list(for_cause.proof), sender=governance
    )
    old = slow.proofs()[0]
    corrected = keccak(text="corrected slow member 0")
    registry.anchor_member_correction(
        org, corrected, old.report, slow.root, list(old.proof), FAR_FUTURE,
        approvals(signers[:2], approval(org, corrected, old.report)), sender=outsider,
    )  # fmt: skip

    state = rebuild(contract_events(registry, chain))

    def fields(view: Any) -> tuple[Any, ...]:
        return (
            view.state, view.organisation, view.approvals, view.approvers,
            view.signer_set_version, view.anchored_at, view.anchored_block,
            view.supersedes, view.superseded_by, view.revocation_reason,
        )  # fmt: skip

    # Batch roots: their records and sizes.
    for tree, expected_state in ((fast, 2), (slow, 2), (pending, 1)):
        record = state.reports[(org, tree.root)]
        assert record.batch_size == tree.size == registry.batch_size(org, tree.root)
        assert record.state == expected_state
        assert fields(record) == fields(registry.report_status(org, tree.root))
    # Every member through its proof; members recorded one by one have their own record.
    for tree in (fast, slow, pending):
        for proof in tree.proofs():
            view = registry.member_status(org, proof.report, tree.root, list(proof.proof))
            rebuilt = member_status(state, org, proof.report, tree.root, proof.proof)
            assert rebuilt is not None and fields(rebuilt) == fields(view), proof.report.hex()
            # A wrong proof reads unknown in both.
            assert member_status(state, org, proof.report, tree.root, []) is None or (
                (org, proof.report) in state.reports
            )
    assert state.reports[(org, victim.report)].state == 4
    assert state.reports[(org, victim.report)].recorded_from == fast.root
    assert state.reports[(org, for_cause.report)].revocation_reason == 9
    assert state.reports[(org, old.report)].state == 3
    assert state.reports[(org, old.report)].superseded_by == corrected
    assert fields(state.reports[(org, corrected)]) == fields(registry.report_status(org, corrected))
    # Members without a record of their own stay out of the rebuilt reports (no storage).
    assert (org, fast.proofs()[0].report) not in state.reports
    assert registry.report_status(org, fast.proofs()[0].report).state == 0
