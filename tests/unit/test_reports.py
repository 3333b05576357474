"""Report lifecycle: submit, approve, anchor, supersede, revoke."""

from typing import Any

import ape
import pytest
from eth_utils import keccak

from conftest import FAR_FUTURE, OTHER_ORG, REPORT, approval

PENDING, ANCHORED, SUPERSEDED, REVOKED = 1, 2, 3, 4
CORRECTION = keccak(text="report:1-corrected")


@pytest.fixture
def anchored(registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any) -> bytes:
    registry.anchor(
        org, REPORT, FAR_FUTURE, approvals(signers[:2], approval(org, REPORT)), sender=outsider
    )
    return REPORT


def test_anchor_fast_path(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any, chain: Any
) -> None:
    blob = approvals(signers[:2], approval(org, REPORT))
    tx = registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)
    status = registry.report_status(REPORT)
    block = chain.blocks[tx.block_number]
    assert (status.state, status.organisation, status.approvals, status.threshold) == (
        ANCHORED,
        org,
        2,
        2,
    )
    assert status.approvers == 0b011
    assert (status.anchored_at, status.anchored_block) == (block.timestamp, tx.block_number)
    assert status.supersedes == bytes(32) and status.superseded_by == bytes(32)
    [event] = tx.events.filter(registry.ReportAnchored)
    assert (event.report, event.organisation, event.approvers) == (REPORT, org, 0b011)


def test_anchor_with_all_signers(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    registry.anchor(
        org, REPORT, FAR_FUTURE, approvals(signers[:3], approval(org, REPORT)), sender=outsider
    )
    assert registry.report_status(REPORT).approvals == 3


def test_same_root_never_anchored_twice(
    registry: Any,
    org: bytes,
    anchored: bytes,
    signers: list[Any],
    approvals: Any,
    outsider: Any,
    submitter: Any,
) -> None:
    blob = approvals(signers[1:3], approval(org, anchored))
    with ape.reverts("registry: report already known"):
        registry.anchor(org, anchored, FAR_FUTURE, blob, sender=outsider)
    with ape.reverts("registry: report already known"):
        registry.submit(org, anchored, bytes(32), sender=submitter)


def test_zero_root_and_unknown_organisation_refused(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    with ape.reverts("registry: report root is zero"):
        registry.anchor(
            org,
            bytes(32),
            FAR_FUTURE,
            approvals(signers[:2], approval(org, bytes(32))),
            sender=outsider,
        )
    with ape.reverts("registry: unknown organisation"):
        registry.anchor(
            OTHER_ORG,
            REPORT,
            FAR_FUTURE,
            approvals(signers[:2], approval(OTHER_ORG, REPORT)),
            sender=outsider,
        )


def test_submit_then_on_chain_approvals(
    registry: Any, org: bytes, signers: list[Any], submitter: Any, chain: Any
) -> None:
    tx = registry.submit(org, REPORT, bytes(32), sender=submitter)
    [event] = tx.events.filter(registry.ReportSubmitted)
    assert (event.report, event.organisation, event.submitter) == (REPORT, org, submitter.address)
    assert registry.report_status(REPORT).state == PENDING
    tx = registry.approve(REPORT, sender=signers[2])
    assert tx.events.filter(registry.ReportApproved)[0].approvals == 1
    assert not tx.events.filter(registry.ReportAnchored)
    status = registry.report_status(REPORT)
    assert (status.state, status.approvals, status.approvers) == (PENDING, 1, 0b100)
    with ape.reverts("registry: signer already approved"):
        registry.approve(REPORT, sender=signers[2])
    tx = registry.approve(REPORT, sender=signers[0])
    assert tx.events.filter(registry.ReportAnchored)[0].approvers == 0b101
    status = registry.report_status(REPORT)
    assert (status.state, status.approvals, status.anchored_at) == (
        ANCHORED,
        2,
        chain.blocks[tx.block_number].timestamp,
    )
    with ape.reverts("registry: report is not pending"):
        registry.approve(REPORT, sender=signers[1])


def test_submit_refusals(
    registry: Any, org: bytes, signers: list[Any], outsider: Any, submitter: Any
) -> None:
    for account in (outsider, signers[0]):
        with ape.reverts("registry: caller is not a submitter"):
            registry.submit(org, REPORT, bytes(32), sender=account)
    with ape.reverts("registry: report root is zero"):
        registry.submit(org, bytes(32), bytes(32), sender=submitter)
    with ape.reverts("registry: unknown organisation"):
        registry.submit(OTHER_ORG, REPORT, bytes(32), sender=submitter)


def test_approve_refusals(
    registry: Any, org: bytes, submitter: Any, outsider: Any, signers: list[Any]
) -> None:
    with ape.reverts("registry: report is not pending"):
        registry.approve(REPORT, sender=signers[0])
    registry.submit(org, REPORT, bytes(32), sender=submitter)
    for account in (outsider, submitter, signers[3]):
        with ape.reverts("registry: caller is not a signer"):
            registry.approve(REPORT, sender=account)


def test_relayed_signatures_complete_on_chain_approval(
    registry: Any, org: bytes, signers: list[Any], submitter: Any, approvals: Any, outsider: Any
) -> None:
    registry.submit(org, REPORT, bytes(32), sender=submitter)
    registry.approve(REPORT, sender=signers[0])
    # signers[0] already approved on chain: its signature is refused.
    both = approvals(signers[:2], approval(org, REPORT))
    with ape.reverts("registry: signer already approved"):
        registry.approve_with_signatures(REPORT, FAR_FUTURE, both, sender=outsider)
    tx = registry.approve_with_signatures(
        REPORT, FAR_FUTURE, approvals(signers[1:2], approval(org, REPORT)), sender=outsider
    )
    [event] = tx.events.filter(registry.ReportApprovedBySignatures)
    assert (event.approvers, event.approvals) == (0b011, 2)
    assert registry.report_status(REPORT).state == ANCHORED


def test_relayed_signatures_below_threshold_stay_pending(
    registry: Any, org: bytes, signers: list[Any], submitter: Any, approvals: Any, outsider: Any
) -> None:
    registry.submit(org, REPORT, bytes(32), sender=submitter)
    registry.approve_with_signatures(
        REPORT, FAR_FUTURE, approvals(signers[2:3], approval(org, REPORT)), sender=outsider
    )
    status = registry.report_status(REPORT)
    assert (status.state, status.approvals, status.approvers) == (PENDING, 1, 0b100)


def test_pending_approvals_restart_after_signer_set_change(
    registry: Any, org: bytes, signers: list[Any], submitter: Any, approvals: Any, outsider: Any
) -> None:
    registry.submit(org, REPORT, bytes(32), sender=submitter)
    registry.approve(REPORT, sender=signers[0])
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
    # Slot 1 now belongs to signers[3]: the old approval must not count for it.
    tx = registry.approve(REPORT, sender=signers[3])
    assert tx.events.filter(registry.ReportApproved)[0].approvals == 1
    status = registry.report_status(REPORT)
    assert (status.state, status.signer_set_version, status.approvers) == (PENDING, 2, 0b001)
    registry.approve(REPORT, sender=signers[1])
    assert registry.report_status(REPORT).state == ANCHORED


def test_fast_path_correction_supersedes(
    registry: Any, org: bytes, anchored: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    blob = approvals(signers[:2], approval(org, CORRECTION, supersedes=anchored))
    tx = registry.anchor_correction(org, CORRECTION, anchored, FAR_FUTURE, blob, sender=outsider)
    [event] = tx.events.filter(registry.ReportSuperseded)
    assert (event.report, event.successor) == (anchored, CORRECTION)
    old, new = registry.report_status(anchored), registry.report_status(CORRECTION)
    assert (old.state, old.superseded_by) == (SUPERSEDED, CORRECTION)
    assert (new.state, new.supersedes) == (ANCHORED, anchored)
    # A superseded report cannot be superseded again.
    other = keccak(text="report:1-corrected-again")
    with ape.reverts("registry: superseded report is not anchored"):
        registry.anchor_correction(
            org,
            other,
            anchored,
            FAR_FUTURE,
            approvals(signers[:2], approval(org, other, supersedes=anchored)),
            sender=outsider,
        )


def test_correction_signatures_bind_the_predecessor(
    registry: Any, org: bytes, anchored: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    # Approvals for a fresh report cannot be replayed as a correction.
    blob = approvals(signers[:2], approval(org, CORRECTION))
    with ape.reverts():
        registry.anchor_correction(org, CORRECTION, anchored, FAR_FUTURE, blob, sender=outsider)
    with ape.reverts("registry: supersedes is zero"):
        registry.anchor_correction(org, CORRECTION, bytes(32), FAR_FUTURE, blob, sender=outsider)


def test_correction_must_target_own_anchored_report(
    registry: Any,
    governance: Any,
    org: bytes,
    anchored: bytes,
    signers: list[Any],
    approvals: Any,
    outsider: Any,
    submitter: Any,
) -> None:
    registry.register_organisation(OTHER_ORG, [signers[3]], 1, [submitter], sender=governance)
    with ape.reverts("registry: superseded report belongs to another organisation"):
        registry.submit(OTHER_ORG, CORRECTION, anchored, sender=submitter)
    with ape.reverts("registry: superseded report is not anchored"):
        registry.submit(org, CORRECTION, keccak(text="never anchored"), sender=submitter)


def test_slow_path_correction_supersedes_when_anchored(
    registry: Any, org: bytes, anchored: bytes, signers: list[Any], submitter: Any
) -> None:
    registry.submit(org, CORRECTION, anchored, sender=submitter)
    assert registry.report_status(anchored).state == ANCHORED
    assert registry.report_status(CORRECTION).supersedes == anchored
    registry.approve(CORRECTION, sender=signers[0])
    tx = registry.approve(CORRECTION, sender=signers[1])
    assert tx.events.filter(registry.ReportSuperseded)[0].successor == CORRECTION
    assert registry.report_status(anchored).state == SUPERSEDED


def test_slow_path_correction_fails_if_predecessor_revoked_meanwhile(
    registry: Any, governance: Any, org: bytes, anchored: bytes, signers: list[Any], submitter: Any
) -> None:
    registry.submit(org, CORRECTION, anchored, sender=submitter)
    registry.revoke_for_cause(anchored, 7, sender=governance)
    registry.approve(CORRECTION, sender=signers[0])
    with ape.reverts("registry: superseded report is not anchored"):
        registry.approve(CORRECTION, sender=signers[1])


def revocation(org: bytes, report: bytes, reason: int, version: int = 1) -> dict[str, Any]:
    return {
        "organisation": org,
        "report": report,
        "reason": reason,
        "signerSetVersion": version,
        "deadline": FAR_FUTURE,
    }


def test_revoke_by_organisation_threshold(
    registry: Any, org: bytes, anchored: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    blob = approvals(signers[1:3], revocation(org, anchored, 3), "Revocation")
    tx = registry.revoke(anchored, 3, FAR_FUTURE, blob, sender=outsider)
    [event] = tx.events.filter(registry.ReportRevoked)
    assert (event.report, event.reason, event.for_cause) == (anchored, 3, False)
    status = registry.report_status(anchored)
    assert (status.state, status.revocation_reason) == (REVOKED, 3)
    with ape.reverts("registry: report is not pending or anchored"):
        registry.revoke(anchored, 3, FAR_FUTURE, blob, sender=outsider)


def test_revoke_refusals(
    registry: Any, org: bytes, anchored: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    one = approvals(signers[:1], revocation(org, anchored, 3), "Revocation")
    with ape.reverts("registry: approvals below threshold"):
        registry.revoke(anchored, 3, FAR_FUTURE, one, sender=outsider)
    # Signed reason 3, submitted reason 4.
    blob = approvals(signers[:2], revocation(org, anchored, 3), "Revocation")
    with ape.reverts():
        registry.revoke(anchored, 4, FAR_FUTURE, blob, sender=outsider)
    zero = approvals(signers[:2], revocation(org, anchored, 0), "Revocation")
    with ape.reverts("registry: revocation reason is zero"):
        registry.revoke(anchored, 0, FAR_FUTURE, zero, sender=outsider)
    with ape.reverts("registry: unknown report"):
        registry.revoke(CORRECTION, 3, FAR_FUTURE, blob, sender=outsider)
    # An approval is not a revocation.
    approval_blob = approvals(signers[:2], approval(org, anchored))
    with ape.reverts():
        registry.revoke(anchored, 3, FAR_FUTURE, approval_blob, sender=outsider)
    assert registry.report_status(anchored).state == ANCHORED


def test_revoke_for_cause(
    registry: Any,
    governance: Any,
    org: bytes,
    anchored: bytes,
    outsider: Any,
    signers: list[Any],
    submitter: Any,
) -> None:
    for account in (outsider, signers[0], submitter):
        with ape.reverts("access_control: account is missing role"):
            registry.revoke_for_cause(anchored, 9, sender=account)
    # Governance may act while the organisation is suspended.
    registry.suspend_organisation(org, sender=governance)
    tx = registry.revoke_for_cause(anchored, 9, sender=governance)
    assert tx.events.filter(registry.ReportRevoked)[0].for_cause
    assert registry.report_status(anchored).revocation_reason == 9


def test_revoke_pending_report(
    registry: Any, governance: Any, org: bytes, submitter: Any, signers: list[Any]
) -> None:
    registry.submit(org, REPORT, bytes(32), sender=submitter)
    registry.revoke_for_cause(REPORT, 2, sender=governance)
    with ape.reverts("registry: report is not pending"):
        registry.approve(REPORT, sender=signers[0])


def test_revoked_root_is_never_anchored_again(
    registry: Any,
    governance: Any,
    org: bytes,
    anchored: bytes,
    signers: list[Any],
    approvals: Any,
    outsider: Any,
) -> None:
    registry.revoke_for_cause(anchored, 1, sender=governance)
    with ape.reverts("registry: report already known"):
        registry.anchor(
            org,
            anchored,
            FAR_FUTURE,
            approvals(signers[:2], approval(org, anchored)),
            sender=outsider,
        )


def test_unknown_report_status_is_empty(registry: Any) -> None:
    status = registry.report_status(REPORT)
    assert (status.state, status.organisation, status.anchored_at) == (0, bytes(32), 0)
