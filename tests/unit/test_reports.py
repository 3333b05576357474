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
    status = registry.report_status(org, REPORT)
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
    assert registry.report_status(org, REPORT).approvals == 3


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
    assert registry.report_status(org, REPORT).state == PENDING
    tx = registry.approve(org, REPORT, bytes(32), sender=signers[2])
    assert tx.events.filter(registry.ReportApproved)[0].approvals == 1
    assert not tx.events.filter(registry.ReportAnchored)
    status = registry.report_status(org, REPORT)
    assert (status.state, status.approvals, status.approvers) == (PENDING, 1, 0b100)
    with ape.reverts("registry: signer already approved"):
        registry.approve(org, REPORT, bytes(32), sender=signers[2])
    tx = registry.approve(org, REPORT, bytes(32), sender=signers[0])
    assert tx.events.filter(registry.ReportAnchored)[0].approvers == 0b101
    status = registry.report_status(org, REPORT)
    assert (status.state, status.approvals, status.anchored_at) == (
        ANCHORED,
        2,
        chain.blocks[tx.block_number].timestamp,
    )
    with ape.reverts("registry: report is not pending"):
        registry.approve(org, REPORT, bytes(32), sender=signers[1])


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
        registry.approve(org, REPORT, bytes(32), sender=signers[0])
    registry.submit(org, REPORT, bytes(32), sender=submitter)
    for account in (outsider, submitter, signers[3]):
        with ape.reverts("registry: caller is not a signer"):
            registry.approve(org, REPORT, bytes(32), sender=account)


def test_relayed_signatures_complete_on_chain_approval(
    registry: Any, org: bytes, signers: list[Any], submitter: Any, approvals: Any, outsider: Any
) -> None:
    registry.submit(org, REPORT, bytes(32), sender=submitter)
    registry.approve(org, REPORT, bytes(32), sender=signers[0])
    # signers[0] already approved on chain: its entry is skipped, signers[1]'s counts.
    both = approvals(signers[:2], approval(org, REPORT))
    tx = registry.approve_with_signatures(org, REPORT, FAR_FUTURE, both, sender=outsider)
    [event] = tx.events.filter(registry.ReportApprovedBySignatures)
    assert (event.organisation, event.report) == (org, REPORT)
    assert (event.approvers, event.approvals) == (0b011, 2)
    assert registry.report_status(org, REPORT).state == ANCHORED


def test_relayed_signatures_below_threshold_stay_pending(
    registry: Any, org: bytes, signers: list[Any], submitter: Any, approvals: Any, outsider: Any
) -> None:
    registry.submit(org, REPORT, bytes(32), sender=submitter)
    registry.approve_with_signatures(
        org, REPORT, FAR_FUTURE, approvals(signers[2:3], approval(org, REPORT)), sender=outsider
    )
    status = registry.report_status(org, REPORT)
    assert (status.state, status.approvals, status.approvers) == (PENDING, 1, 0b100)


def test_pending_approvals_restart_after_signer_set_change(
    registry: Any, org: bytes, signers: list[Any], submitter: Any, approvals: Any, outsider: Any
) -> None:
    registry.submit(org, REPORT, bytes(32), sender=submitter)
    registry.approve(org, REPORT, bytes(32), sender=signers[0])
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
    tx = registry.approve(org, REPORT, bytes(32), sender=signers[3])
    assert tx.events.filter(registry.ReportApproved)[0].approvals == 1
    status = registry.report_status(org, REPORT)
    assert (status.state, status.signer_set_version, status.approvers) == (PENDING, 2, 0b001)
    registry.approve(org, REPORT, bytes(32), sender=signers[1])
    assert registry.report_status(org, REPORT).state == ANCHORED


def test_fast_path_correction_supersedes(
    registry: Any, org: bytes, anchored: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    blob = approvals(signers[:2], approval(org, CORRECTION, supersedes=anchored))
    tx = registry.anchor_correction(org, CORRECTION, anchored, FAR_FUTURE, blob, sender=outsider)
    [event] = tx.events.filter(registry.ReportSuperseded)
    assert (event.organisation, event.report, event.successor) == (org, anchored, CORRECTION)
    old, new = registry.report_status(org, anchored), registry.report_status(org, CORRECTION)
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
    with ape.reverts("registry: superseded report is zero"):
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
    # (OTHER_ORG, anchored) does not exist: another organisation's report is
    # never a predecessor.
    with ape.reverts("registry: superseded report is not anchored"):
        registry.submit(OTHER_ORG, CORRECTION, anchored, sender=submitter)
    with ape.reverts("registry: superseded report is not anchored"):
        registry.submit(org, CORRECTION, keccak(text="never anchored"), sender=submitter)


def test_slow_path_correction_supersedes_when_anchored(
    registry: Any, org: bytes, anchored: bytes, signers: list[Any], submitter: Any
) -> None:
    registry.submit(org, CORRECTION, anchored, sender=submitter)
    assert registry.report_status(org, anchored).state == ANCHORED
    assert registry.report_status(org, CORRECTION).supersedes == anchored
    registry.approve(org, CORRECTION, anchored, sender=signers[0])
    tx = registry.approve(org, CORRECTION, anchored, sender=signers[1])
    assert tx.events.filter(registry.ReportSuperseded)[0].successor == CORRECTION
    assert registry.report_status(org, anchored).state == SUPERSEDED


def test_slow_path_correction_fails_if_predecessor_revoked_meanwhile(
    registry: Any, governance: Any, org: bytes, anchored: bytes, signers: list[Any], submitter: Any
) -> None:
    registry.submit(org, CORRECTION, anchored, sender=submitter)
    registry.revoke_for_cause(org, anchored, 7, sender=governance)
    registry.approve(org, CORRECTION, anchored, sender=signers[0])
    with ape.reverts("registry: superseded report is not anchored"):
        registry.approve(org, CORRECTION, anchored, sender=signers[1])


def revocation(org: bytes, report: bytes, reason: int, version: int = 1) -> dict[str, Any]:
    """A `Revocation` message without its signer (the `approvals` fixture adds it)."""
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
    tx = registry.revoke(org, anchored, 3, FAR_FUTURE, blob, sender=outsider)
    [event] = tx.events.filter(registry.ReportRevoked)
    assert (event.organisation, event.report, event.reason, event.for_cause) == (
        org,
        anchored,
        3,
        False,
    )
    status = registry.report_status(org, anchored)
    assert (status.state, status.revocation_reason) == (REVOKED, 3)
    with ape.reverts("registry: report is not pending or anchored"):
        registry.revoke(org, anchored, 3, FAR_FUTURE, blob, sender=outsider)


def test_revoke_refusals(
    registry: Any, org: bytes, anchored: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    one = approvals(signers[:1], revocation(org, anchored, 3), "Revocation")
    with ape.reverts("registry: approvals below threshold"):
        registry.revoke(org, anchored, 3, FAR_FUTURE, one, sender=outsider)
    # Signed reason 3, submitted reason 4.
    blob = approvals(signers[:2], revocation(org, anchored, 3), "Revocation")
    with ape.reverts():
        registry.revoke(org, anchored, 4, FAR_FUTURE, blob, sender=outsider)
    zero = approvals(signers[:2], revocation(org, anchored, 0), "Revocation")
    with ape.reverts("registry: revocation reason is zero"):
        registry.revoke(org, anchored, 0, FAR_FUTURE, zero, sender=outsider)
    with ape.reverts("registry: unknown report"):
        registry.revoke(org, CORRECTION, 3, FAR_FUTURE, blob, sender=outsider)
    # An approval is not a revocation.
    approval_blob = approvals(signers[:2], approval(org, anchored))
    with ape.reverts():
        registry.revoke(org, anchored, 3, FAR_FUTURE, approval_blob, sender=outsider)
    assert registry.report_status(org, anchored).state == ANCHORED


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
            registry.revoke_for_cause(org, anchored, 9, sender=account)
    # Governance may act while the organisation is suspended.
    registry.suspend_organisation(org, sender=governance)
    tx = registry.revoke_for_cause(org, anchored, 9, sender=governance)
    assert tx.events.filter(registry.ReportRevoked)[0].for_cause
    assert registry.report_status(org, anchored).revocation_reason == 9


def test_revoke_pending_report(
    registry: Any, governance: Any, org: bytes, submitter: Any, signers: list[Any]
) -> None:
    registry.submit(org, REPORT, bytes(32), sender=submitter)
    registry.revoke_for_cause(org, REPORT, 2, sender=governance)
    with ape.reverts("registry: report is not pending"):
        registry.approve(org, REPORT, bytes(32), sender=signers[0])


def test_revoked_root_is_never_anchored_again(
    registry: Any,
    governance: Any,
    org: bytes,
    anchored: bytes,
    signers: list[Any],
    approvals: Any,
    outsider: Any,
) -> None:
    registry.revoke_for_cause(org, anchored, 1, sender=governance)
    with ape.reverts("registry: report already known"):
        registry.anchor(
            org,
            anchored,
            FAR_FUTURE,
            approvals(signers[:2], approval(org, anchored)),
            sender=outsider,
        )


def test_unknown_report_status_is_empty(registry: Any, org: bytes) -> None:
    status = registry.report_status(org, REPORT)
    assert (status.state, status.approvals, status.anchored_at, status.paused) == (0, 0, 0, False)
    # The organisation is echoed with its status, so customs can name it.
    assert (status.organisation, status.organisation_status, status.threshold) == (org, 1, 2)
    assert registry.report_state(org, REPORT) == 0


# ------------------------------------------------- issue 8: report identity
# A report is (organisation, root). On the old contract reports were keyed by
# the bare root, so each attack below succeeded there (the old ABI took no
# organisation in approve/revoke/report_status).


@pytest.fixture
def rival(registry: Any, governance: Any, accounts: Any, signers: list[Any]) -> Any:
    """A second registered organisation whose submitter and signer is one account."""
    account = accounts[9]
    registry.register_organisation(OTHER_ORG, [account], 1, [account], sender=governance)
    return account


def test_rival_front_running_submit_cannot_block_the_exporter(
    registry: Any,
    org: bytes,
    rival: Any,
    signers: list[Any],
    approvals: Any,
    submitter: Any,
    outsider: Any,
) -> None:
    # The rival learns the root (an approval request, a mempool) and submits it first.
    registry.submit(OTHER_ORG, REPORT, bytes(32), sender=rival)
    # The exporter still submits and anchors its own report.
    registry.submit(org, REPORT, bytes(32), sender=submitter)
    registry.approve_with_signatures(
        org, REPORT, FAR_FUTURE, approvals(signers[:2], approval(org, REPORT)), sender=outsider
    )
    mine, theirs = registry.report_status(org, REPORT), registry.report_status(OTHER_ORG, REPORT)
    assert (mine.state, mine.organisation) == (ANCHORED, org)
    assert (theirs.state, theirs.organisation) == (PENDING, OTHER_ORG)


def test_rival_front_running_anchor_cannot_claim_the_report(
    registry: Any,
    org: bytes,
    rival: Any,
    signers: list[Any],
    approvals: Any,
    outsider: Any,
    sign_as: Any,
) -> None:
    # The rival anchors the exporter's root under its own organisation first.
    rival_blob = approvals([rival], approval(OTHER_ORG, REPORT))
    registry.anchor(OTHER_ORG, REPORT, FAR_FUTURE, rival_blob, sender=rival)
    # The exporter's fast path still anchors (org, REPORT).
    tx = registry.anchor(
        org, REPORT, FAR_FUTURE, approvals(signers[:2], approval(org, REPORT)), sender=outsider
    )
    assert tx.events.filter(registry.ReportAnchored)[0].organisation == org
    assert registry.report_status(org, REPORT).approvers == 0b011
    assert registry.report_status(OTHER_ORG, REPORT).approvers == 0b1
    # The exporter's approvals cannot be replayed for the rival either.
    with ape.reverts("registry: report already known"):
        registry.anchor(
            OTHER_ORG,
            REPORT,
            FAR_FUTURE,
            approvals(signers[:2], approval(org, REPORT)),
            sender=rival,
        )


def test_rival_cannot_supersede_or_revoke_the_exporters_report(
    registry: Any,
    governance: Any,
    org: bytes,
    anchored: bytes,
    rival: Any,
    approvals: Any,
) -> None:
    # A correction under the rival cannot point at the exporter's report.
    with ape.reverts("registry: superseded report is not anchored"):
        registry.submit(OTHER_ORG, CORRECTION, anchored, sender=rival)
    with ape.reverts("registry: superseded report is not anchored"):
        registry.anchor_correction(
            OTHER_ORG,
            CORRECTION,
            anchored,
            FAR_FUTURE,
            approvals([rival], approval(OTHER_ORG, CORRECTION, supersedes=anchored)),
            sender=rival,
        )
    # Its signers revoke only what is theirs: (OTHER_ORG, anchored) is unknown.
    with ape.reverts("registry: unknown report"):
        registry.revoke(
            OTHER_ORG,
            anchored,
            1,
            FAR_FUTURE,
            approvals([rival], revocation(OTHER_ORG, anchored, 1), "Revocation"),
            sender=rival,
        )
    # Even after anchoring the same root itself, superseding and revoking its
    # own entry leaves the exporter's alone.
    registry.anchor(
        OTHER_ORG,
        anchored,
        FAR_FUTURE,
        approvals([rival], approval(OTHER_ORG, anchored)),
        sender=rival,
    )
    registry.anchor_correction(
        OTHER_ORG,
        CORRECTION,
        anchored,
        FAR_FUTURE,
        approvals([rival], approval(OTHER_ORG, CORRECTION, supersedes=anchored)),
        sender=rival,
    )
    registry.revoke(
        OTHER_ORG,
        CORRECTION,
        1,
        FAR_FUTURE,
        approvals([rival], revocation(OTHER_ORG, CORRECTION, 1), "Revocation"),
        sender=rival,
    )
    assert registry.report_status(OTHER_ORG, anchored).state == SUPERSEDED
    mine = registry.report_status(org, anchored)
    assert (mine.state, mine.superseded_by) == (ANCHORED, bytes(32))
    assert registry.report_state(org, anchored) == ANCHORED
    assert registry.report_state(org, CORRECTION) == 0


def test_on_chain_approval_commits_to_the_predecessor(
    registry: Any,
    governance: Any,
    org: bytes,
    anchored: bytes,
    signers: list[Any],
    approvals: Any,
    submitter: Any,
    outsider: Any,
) -> None:
    """Old `approve(root)` let the submitter alone choose what a signer superseded."""
    registry.submit(org, CORRECTION, anchored, sender=submitter)
    # A signer who believes it approves a fresh report (or another predecessor) is refused.
    for believed in (bytes(32), keccak(text="some other report")):
        with ape.reverts("registry: approval names another predecessor"):
            registry.approve(org, CORRECTION, believed, sender=signers[0])
    registry.approve(org, CORRECTION, anchored, sender=signers[0])
    assert registry.report_status(org, CORRECTION).approvals == 1
    # And for a fresh report, naming a predecessor is refused too.
    registry.submit(org, REPORT_2, bytes(32), sender=submitter)
    with ape.reverts("registry: approval names another predecessor"):
        registry.approve(org, REPORT_2, anchored, sender=signers[0])


REPORT_2 = keccak(text="report:2")


def test_front_run_subset_does_not_fail_the_relayed_batch(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, submitter: Any, outsider: Any
) -> None:
    registry.submit(org, REPORT, bytes(32), sender=submitter)
    message = approval(org, REPORT)
    # Someone copies signers[1]'s entry out of the relayer's pending transaction.
    registry.approve_with_signatures(
        org, REPORT, FAR_FUTURE, approvals(signers[1:2], message), sender=outsider
    )
    # The relayer's full blob (signers[0..2]) still goes through: slot 2 is skipped.
    tx = registry.approve_with_signatures(
        org, REPORT, FAR_FUTURE, approvals(signers[:3], message), sender=submitter
    )
    [event] = tx.events.filter(registry.ReportApprovedBySignatures)
    assert (event.approvers, event.approvals) == (0b111, 3)
    assert registry.report_status(org, REPORT).state == ANCHORED


def test_blob_adding_no_approval_refused(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, submitter: Any, outsider: Any
) -> None:
    registry.submit(org, REPORT, bytes(32), sender=submitter)
    with ape.reverts("registry: no new approval"):
        registry.approve_with_signatures(org, REPORT, FAR_FUTURE, b"", sender=outsider)
    blob = approvals(signers[:1], approval(org, REPORT))
    registry.approve_with_signatures(org, REPORT, FAR_FUTURE, blob, sender=outsider)
    # The same entry again adds nothing: refused, no event, no state change.
    with ape.reverts("registry: no new approval"):
        registry.approve_with_signatures(org, REPORT, FAR_FUTURE, blob, sender=outsider)
    assert registry.report_status(org, REPORT).approvals == 1


def test_superseded_report_revoked_for_cause(
    registry: Any,
    governance: Any,
    org: bytes,
    anchored: bytes,
    signers: list[Any],
    approvals: Any,
    outsider: Any,
) -> None:
    """A fraudulent report stays fraudulent after a correction: governance can still say so."""
    registry.anchor_correction(
        org,
        CORRECTION,
        anchored,
        FAR_FUTURE,
        approvals(signers[:2], approval(org, CORRECTION, supersedes=anchored)),
        sender=outsider,
    )
    # The organisation's own revocation stays limited to pending or anchored reports.
    with ape.reverts("registry: report is not pending or anchored"):
        registry.revoke(
            org,
            anchored,
            3,
            FAR_FUTURE,
            approvals(signers[:2], revocation(org, anchored, 3), "Revocation"),
            sender=outsider,
        )
    tx = registry.revoke_for_cause(org, anchored, 101, sender=governance)
    assert tx.events.filter(registry.ReportRevoked)[0].for_cause
    status = registry.report_status(org, anchored)
    assert (status.state, status.revocation_reason, status.superseded_by) == (
        REVOKED,
        101,
        CORRECTION,
    )
    with ape.reverts("registry: report is not pending, anchored or superseded"):
        registry.revoke_for_cause(org, anchored, 102, sender=governance)
    with ape.reverts("registry: report is not pending, anchored or superseded"):
        registry.revoke_for_cause(org, keccak(text="unknown"), 102, sender=governance)
    assert registry.report_status(org, CORRECTION).state == ANCHORED


# ------------------------------------------------------------------- gas


def _anchor_gas(
    registry: Any, governance: Any, approvals: Any, outsider: Any, members: list[Any], m: int
) -> Any:
    org_id = keccak(text=f"org:gas-{m}-of-{len(members)}")
    registry.register_organisation(org_id, [s.address for s in members], m, [], sender=governance)
    root = keccak(text=f"report:gas-{m}")
    blob = approvals(members[:m], approval(org_id, root))
    return registry.anchor(org_id, root, FAR_FUTURE, blob, sender=outsider)


def test_anchor_gas_and_calldata(
    registry: Any, governance: Any, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    """Gas of the fast path, printed for the closing note (`-s`)."""
    two = _anchor_gas(registry, governance, approvals, outsider, signers[:3], 2)
    three = _anchor_gas(registry, governance, approvals, outsider, signers[:5], 3)

    def calldata_gas(data: bytes) -> int:
        return sum(16 if byte else 4 for byte in data)

    print(
        f"\nanchor 2-of-3: {two.gas_used} gas, {len(two.data)} calldata bytes"
        f" ({calldata_gas(two.data)} gas); 3-of-5: {three.gas_used} gas,"
        f" {len(three.data)} calldata bytes ({calldata_gas(three.data)} gas)"
    )
    # Selector, four head words, blob length word, entries of 65 bytes padded to words.
    assert len(two.data) == 4 + 5 * 32 + 160
    assert len(three.data) == 4 + 5 * 32 + 224
    # The old contract (reports keyed by the bare root, one digest for all
    # signers) took 68,321 / 75,665 gas and 292 / 356 bytes; a digest per
    # signer (issue 8 point 5) costs about 440 gas and one tag byte a signature.
    assert two.gas_used <= 69_500, two.gas_used
    assert three.gas_used <= 77_500, three.gas_used
