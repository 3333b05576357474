"""Onboarding, self-managed signer sets and suspension of exporter organisations."""

from typing import Any

import ape
import pytest
from eth_utils import keccak

from conftest import FAR_FUTURE, ORG, OTHER_ORG, REPORT, approval


def update_message(
    org: bytes,
    signers: list[str],
    threshold: int,
    submitters: list[str],
    version: int = 1,
    deadline: int = FAR_FUTURE,
) -> dict[str, Any]:
    return {
        "organisation": org,
        "signers": signers,
        "threshold": threshold,
        "submitters": submitters,
        "signerSetVersion": version,
        "deadline": deadline,
    }


def test_register_records_organisation_and_emits(
    registry: Any, governance: Any, signers: list[Any], submitter: Any
) -> None:
    members = [s.address for s in signers[:3]]
    tx = registry.register_organisation(ORG, members, 2, [submitter], sender=governance)
    org = registry.organisation(ORG)
    assert (org.status, org.index, org.threshold, org.signer_set_version) == (1, 1, 2, 1)
    assert list(org.signers) == members
    assert list(org.submitters) == [submitter.address]
    assert registry.organisation_count() == 1
    [event] = tx.events.filter(registry.OrganisationRegistered)
    assert event.organisation == ORG and event.threshold == 2 and list(event.signers) == members


def test_register_refused_for_non_governance(
    registry: Any, outsider: Any, signers: list[Any]
) -> None:
    with ape.reverts("access_control: account is missing role"):
        registry.register_organisation(ORG, [signers[0]], 1, [], sender=outsider)


@pytest.mark.parametrize(
    ("org_id", "signer_idx", "threshold", "message"),
    [
        (bytes(32), [0, 1], 1, "registry: organisation id is zero"),
        (ORG, [0, 1], 0, "registry: threshold is zero"),
        (ORG, [0, 1], 3, "registry: threshold above the number of signers"),
        (ORG, [0, 0], 1, "registry: duplicate signer"),
        (ORG, [], 1, "registry: threshold above the number of signers"),
    ],
)
def test_register_rejects_bad_configuration(
    registry: Any,
    governance: Any,
    signers: list[Any],
    org_id: bytes,
    signer_idx: list[int],
    threshold: int,
    message: str,
) -> None:
    with ape.reverts(message):
        registry.register_organisation(
            org_id, [signers[i] for i in signer_idx], threshold, [], sender=governance
        )


def test_register_rejects_zero_addresses_and_duplicate_submitters(
    registry: Any, governance: Any, signers: list[Any], submitter: Any
) -> None:
    zero = "0x" + "00" * 20
    with ape.reverts("registry: signer is the zero address"):
        registry.register_organisation(ORG, [signers[0], zero], 1, [], sender=governance)
    with ape.reverts("registry: submitter is the zero address"):
        registry.register_organisation(ORG, [signers[0]], 1, [zero], sender=governance)
    with ape.reverts("registry: duplicate submitter"):
        registry.register_organisation(
            ORG, [signers[0]], 1, [submitter, submitter], sender=governance
        )


def test_register_twice_refused(
    registry: Any, governance: Any, org: bytes, signers: list[Any]
) -> None:
    with ape.reverts("registry: organisation already registered"):
        registry.register_organisation(org, [signers[0]], 1, [], sender=governance)


def test_organisations_get_successive_indexes(
    registry: Any, governance: Any, org: bytes, signers: list[Any]
) -> None:
    registry.register_organisation(OTHER_ORG, [signers[3]], 1, [], sender=governance)
    assert registry.organisation(OTHER_ORG).index == 2
    assert registry.organisation(keccak(text="unknown")).status == 0


def test_update_with_threshold_signatures(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any, submitter: Any
) -> None:
    new_signers = [s.address for s in signers[1:5]]
    message = update_message(org, new_signers, 3, [outsider.address])
    blob = approvals(signers[:2], message, "OrganisationUpdate")
    tx = registry.update_organisation(
        org, new_signers, 3, [outsider], FAR_FUTURE, blob, sender=outsider
    )
    updated = registry.organisation(org)
    assert list(updated.signers) == new_signers
    assert (updated.threshold, updated.signer_set_version) == (3, 2)
    assert list(updated.submitters) == [outsider.address]
    [event] = tx.events.filter(registry.OrganisationUpdated)
    assert event.signer_set_version == 2 and event.threshold == 3
    # Old submitter lost its right, the new one has it.
    with ape.reverts("registry: caller is not a submitter"):
        registry.submit(org, REPORT, bytes(32), sender=submitter)
    registry.submit(org, REPORT, bytes(32), sender=outsider)
    # signers[0] was removed: it can no longer approve.
    with ape.reverts("registry: caller is not a signer"):
        registry.approve(org, REPORT, bytes(32), sender=signers[0])


def test_update_replay_is_stale(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    members = [s.address for s in signers[:3]]
    blob = approvals(signers[:2], update_message(org, members, 3, []), "OrganisationUpdate")
    registry.update_organisation(org, members, 3, [], FAR_FUTURE, blob, sender=outsider)
    # The signatures name signer-set version 1; the set is now version 2, so
    # they no longer match their signers' messages and the replay is refused.
    with ape.reverts("registry: invalid signature"):
        registry.update_organisation(org, members, 3, [], FAR_FUTURE, blob, sender=outsider)
    assert registry.organisation(org).signer_set_version == 2


def test_update_below_threshold_or_tampered_refused(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    members = [s.address for s in signers[:3]]
    one = approvals(signers[:1], update_message(org, members, 1, []), "OrganisationUpdate")
    with ape.reverts("registry: approvals below threshold"):
        registry.update_organisation(org, members, 1, [], FAR_FUTURE, one, sender=outsider)
    two = approvals(signers[:2], update_message(org, members, 1, []), "OrganisationUpdate")
    # Signed threshold 1, submitted threshold 2: the signatures do not match.
    with ape.reverts("registry: invalid signature"):
        registry.update_organisation(org, members, 2, [], FAR_FUTURE, two, sender=outsider)


def test_update_rejects_bad_new_configuration(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    members = [signers[0].address, signers[0].address]
    blob = approvals(signers[:2], update_message(org, members, 1, []), "OrganisationUpdate")
    with ape.reverts("registry: duplicate signer"):
        registry.update_organisation(org, members, 1, [], FAR_FUTURE, blob, sender=outsider)


def test_suspend_and_reinstate(
    registry: Any, governance: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    tx = registry.suspend_organisation(org, sender=governance)
    assert tx.events.filter(registry.OrganisationSuspended)[0].organisation == org
    assert registry.organisation(org).status == 2
    blob = approvals(signers[:2], approval(org, REPORT))
    with ape.reverts("registry: organisation is suspended"):
        registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)
    with ape.reverts("registry: organisation is not suspended"):
        registry.reinstate_organisation(keccak(text="unknown"), sender=governance)
    tx = registry.reinstate_organisation(org, sender=governance)
    assert tx.events.filter(registry.OrganisationReinstated)[0].organisation == org
    registry.anchor(org, REPORT, FAR_FUTURE, blob, sender=outsider)
    assert registry.report_status(org, REPORT).state == 2


def test_suspend_refusals(
    registry: Any, governance: Any, org: bytes, outsider: Any, signers: list[Any]
) -> None:
    for account in (outsider, signers[0]):
        with ape.reverts("access_control: account is missing role"):
            registry.suspend_organisation(org, sender=account)
    registry.suspend_organisation(org, sender=governance)
    with ape.reverts("access_control: account is missing role"):
        registry.reinstate_organisation(org, sender=outsider)
    with ape.reverts("registry: organisation is suspended"):
        registry.suspend_organisation(org, sender=governance)
    with ape.reverts("registry: unknown organisation"):
        registry.suspend_organisation(OTHER_ORG, sender=governance)


def test_signer_slots_follow_the_new_set(
    registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any
) -> None:
    """After an update, slot k is the k-th new signer; old slots beyond the set are empty."""
    members = [signers[4].address, signers[0].address]
    blob = approvals(signers[:2], update_message(org, members, 1, []), "OrganisationUpdate")
    registry.update_organisation(org, members, 1, [], FAR_FUTURE, blob, sender=outsider)
    # signers[4] now approves in slot 1.
    registry.anchor(
        org, REPORT, FAR_FUTURE, approvals([signers[4]], approval(org, REPORT, version=2)),
        sender=outsider,
    )  # fmt: skip
    assert registry.report_status(org, REPORT).approvers == 0b01
    # A signature from a removed signer placed in the vacated slot 3 is refused.
    other = keccak(text="report:other")
    stale = approvals([signers[2]], approval(org, other, version=2), order=[
        signers[0].address, signers[1].address, signers[2].address,
    ])  # fmt: skip
    with ape.reverts("registry: no signer in that slot"):
        registry.anchor(org, other, FAR_FUTURE, stale, sender=outsider)


def test_update_message_names_each_signer(
    registry: Any, org: bytes, signers: list[Any], sign_as: Any, outsider: Any
) -> None:
    """One signer's update signature cannot be presented for another seat."""
    members = [s.address for s in signers[:3]]
    signed = sign_as(signers[0], "OrganisationUpdate", update_message(org, members, 1, []))
    entry = signed.entry(1)
    twice = entry + bytes([2]) + entry[1:]
    with ape.reverts("registry: invalid signature"):
        registry.update_organisation(org, members, 1, [], FAR_FUTURE, twice, sender=outsider)
