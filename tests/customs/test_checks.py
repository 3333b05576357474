"""The verdict logic on fabricated views: the passing case and every failing reason."""

from __future__ import annotations

import pytest

from bci_registry.customs.checks import (
    CHECKS,
    Delivery,
    delivery_for,
    judge,
    span,
)
from bci_registry.customs.errors import CustomsInputError
from bci_registry.customs.policy import REGULATORY_FIELDS, Policy
from bci_registry.customs.view import ORGANISATION_SUSPENDED, PENDING, REVOKED, SUPERSEDED, UNKNOWN

from .helpers import (
    ANCHORED_AT,
    DELIVERY,
    NOW,
    PREDECESSOR,
    SUCCESSOR,
    VERIFIER,
    VERIFIER_ID,
    attestation,
    disclosure_evidence,
    sealed_evidence,
    view,
)

DEFAULT = Policy()


def failed(verdict_checks: tuple[object, ...]) -> dict[str, str]:
    return {c.id: c.detail for c in verdict_checks if not c.ok}  # type: ignore[attr-defined]


def detail(verdict: object, check_id: str) -> str:
    (found,) = [c for c in verdict.checks if c.id == check_id]  # type: ignore[attr-defined]
    return str(found.detail)


def test_a_complete_report_passes_with_every_check_listed() -> None:
    verdict = judge(sealed_evidence(), view(), DEFAULT, DELIVERY)
    assert verdict.passed
    assert [c.id for c in verdict.checks] == [cid for cid, _ in CHECKS]
    details = {c.id: c.detail for c in verdict.checks}
    assert details["file"] == "its 12 fields recompute the root"
    assert details["approvals"] == "2 approvals (organisation threshold 2, policy minimum 2)"
    assert details["attestation"].startswith(f"pass by verifier {VERIFIER}")
    assert details["delivery"] == "anchored 1 h before delivery 2027-01-15T08:00:00Z (--delivery)"
    assert verdict.to_json()["verdict"] == "PASS"


def test_a_disclosure_of_three_fields_passes_by_default() -> None:
    verdict = judge(disclosure_evidence(), view(), DEFAULT, DELIVERY)
    assert verdict.passed
    details = {c.id: c.detail for c in verdict.checks}
    assert "3 disclosed fields (recycledContent, batteryIdentifiers, shipment)" in details["file"]
    assert details["disclosed_fields"].startswith("not required by the policy")


def test_tampered_file_fails_with_its_problems_and_the_chain_checks_still_run() -> None:
    problems = ("$.root: does not match the fields", "$.shipment.sscc: bad check digit")
    verdict = judge(sealed_evidence(problems=problems), view(), DEFAULT, DELIVERY)
    assert failed(verdict.checks) == {
        "file": "it does not prove the root: $.root: does not match the fields; "
        "$.shipment.sscc: bad check digit",
        "exporter": "the file names organisation KR-EORI-KR1234567890123, but does not prove it",
    }


def test_many_file_problems_are_summarised() -> None:
    problems = tuple(f"$.x[{i}]: wrong" for i in range(8))
    detail = failed(judge(sealed_evidence(problems=problems), view(), DEFAULT, DELIVERY).checks)
    assert detail["file"].endswith("$.x[4]: wrong; and 3 more")


def test_required_fields_must_be_disclosed_when_the_policy_says_so() -> None:
    policy = Policy(require_disclosed_fields=True)
    verdict = judge(disclosure_evidence(), view(), policy, DELIVERY)
    missing = [f for f in REGULATORY_FIELDS if f != "recycledContent"]
    assert failed(verdict.checks) == {"disclosed_fields": f"not disclosed: {', '.join(missing)}"}
    narrow = Policy(require_disclosed_fields=True, required_fields=("recycledContent", "shipment"))
    assert judge(disclosure_evidence(), view(), narrow, DELIVERY).passed


def test_unknown_root_fails_every_check_that_needs_a_report() -> None:
    verdict = judge(
        sealed_evidence(),
        view(
            attestations=(),
            state=UNKNOWN,
            organisation=bytes(32),
            organisation_status=0,
            approvals=0,
            threshold=0,
            anchored_at=0,
            anchored_block=0,
        ),
        DEFAULT,
        DELIVERY,
    )
    assert failed(verdict.checks) == {
        "anchored": "the registry knows no report with this root under organisation "
        "KR-EORI-KR1234567890123, the exporter the file's proof names (a report anchored by "
        "any other organisation does not count)",
        "approvals": "no approvals: the root is unknown",
        "organisation": "no organisation: the root is unknown",
        "attestation": "no attestation on record",
        "delivery": "not anchored; delivery 2027-01-15T08:00:00Z",
    }


def test_pending_report_has_not_met_the_threshold() -> None:
    verdict = judge(
        sealed_evidence(),
        view(attestations=(), state=PENDING, approvals=1, anchored_at=0),
        DEFAULT,
        DELIVERY,
    )
    reasons = failed(verdict.checks)
    assert reasons["anchored"] == "pending: 1 of 2 approvals, not anchored"
    assert reasons["approvals"] == "1 of 2 approvals: the threshold was not met"


def test_revoked_report_names_its_reason() -> None:
    verdict = judge(sealed_evidence(), view(state=REVOKED, revocation_reason=2), DEFAULT, DELIVERY)
    assert failed(verdict.checks) == {"not_revoked": "revoked (reason code 2)"}


def test_report_revoked_while_pending_was_never_anchored() -> None:
    verdict = judge(
        sealed_evidence(),
        view(attestations=(), state=REVOKED, revocation_reason=1, anchored_at=0),
        DEFAULT,
        DELIVERY,
    )
    assert failed(verdict.checks)["anchored"] == "revoked before it was ever anchored"


def test_superseded_report_names_its_successor() -> None:
    verdict = judge(
        sealed_evidence(), view(state=SUPERSEDED, superseded_by=SUCCESSOR), DEFAULT, DELIVERY
    )
    assert failed(verdict.checks) == {
        "not_superseded": f"superseded by 0x{SUCCESSOR.hex()}: check that correction instead"
    }


def test_a_correction_says_what_it_corrects() -> None:
    verdict = judge(sealed_evidence(), view(supersedes=PREDECESSOR), DEFAULT, DELIVERY)
    assert verdict.passed
    assert f"it corrects 0x{PREDECESSOR.hex()}" in detail(verdict, "anchored")


def test_suspended_organisation_is_a_reason() -> None:
    verdict = judge(
        sealed_evidence(), view(organisation_status=ORGANISATION_SUSPENDED), DEFAULT, DELIVERY
    )
    assert failed(verdict.checks) == {
        "organisation": "organisation KR-EORI-KR1234567890123 is suspended by governance"
    }


def test_approvals_below_the_policy_minimum() -> None:
    verdict = judge(sealed_evidence(), view(approvals=1, threshold=1), DEFAULT, DELIVERY)
    assert failed(verdict.checks) == {
        "approvals": "anchored with 1 approval, below the policy minimum of 2"
    }
    assert judge(
        sealed_evidence(), view(approvals=1, threshold=1), Policy(minimum_approvals=1), DELIVERY
    ).passed


def test_threshold_raised_after_anchoring_still_counts() -> None:
    verdict = judge(sealed_evidence(), view(threshold=3), DEFAULT, DELIVERY)
    assert verdict.passed
    assert "threshold is now 3" in detail(verdict, "approvals")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"revoked_at": NOW - 10, "revocation_reason": 4, "valid": False},
            "revoked 2027-01-15T07:59:50Z (reason code 4)",
        ),
        ({"expired": True, "expires_at": NOW - 1, "valid": False}, "expired 2027-01-15T07:59:59Z"),
        (
            {"invalidated": True, "valid": False},
            "invalidated: its verifier was suspended for cause",
        ),
        ({"valid": False}, "not valid"),
        ({"verdict": 2}, "verdict fail"),
        ({"verdict": 3}, "verdict qualified, and the policy accepts only pass"),
        (
            {"fields": 0b11},
            "does not cover recycledContent, smelterIds, mineLicences, "
            "transportEmissions, verifications",
        ),
    ],
)
def test_each_attestation_shortfall_is_named(changes: dict[str, object], reason: str) -> None:
    verdict = judge(sealed_evidence(), view((attestation(**changes),)), DEFAULT, DELIVERY)
    short = f"{VERIFIER[:6]}…{VERIFIER[-4:]}"
    assert failed(verdict.checks) == {"attestation": f"none qualifies: {short}: {reason}"}


def test_qualified_counts_when_the_policy_accepts_it() -> None:
    assert judge(
        sealed_evidence(), view((attestation(verdict=3),)), Policy(accept_qualified=True), DELIVERY
    ).passed


def test_required_fields_all_needs_a_full_attestation() -> None:
    partial = view((attestation(fields=0x7F),))
    assert judge(sealed_evidence(), partial, DEFAULT, DELIVERY).passed  # the 7 regulatory
    wider = Policy(required_fields=(*REGULATORY_FIELDS, "shipment"))
    reasons = failed(judge(sealed_evidence(), partial, wider, DELIVERY).checks)
    assert reasons["attestation"].endswith("does not cover shipment")


def test_accepted_verifiers_by_id_or_address() -> None:
    other = "0x" + "33" * 32
    reasons = failed(
        judge(sealed_evidence(), view(), Policy(accepted_verifiers=(other,)), DELIVERY).checks
    )
    assert reasons["attestation"].endswith("verifier not accepted by the policy")
    by_id = Policy(accepted_verifiers=("0x" + VERIFIER_ID.hex(),))
    by_address = Policy(accepted_verifiers=(VERIFIER.lower(),))
    assert judge(sealed_evidence(), view(), by_id, DELIVERY).passed
    assert judge(sealed_evidence(), view(), by_address, DELIVERY).passed


def test_one_good_attestation_among_bad_ones_is_enough() -> None:
    bad = attestation(verifier="0x" + "44" * 20, verifier_index=2, verdict=2)
    good = attestation(verifier_index=3)
    verdict = judge(
        sealed_evidence(), view((bad, good, attestation(verifier_index=4))), DEFAULT, DELIVERY
    )
    assert verdict.passed
    assert detail(verdict, "attestation").endswith("(1 more qualify)")


def test_several_failures_are_all_reported() -> None:
    verdict = judge(
        sealed_evidence(problems=("$.root: does not match",)),
        view(
            (attestation(verdict=2),),
            state=REVOKED,
            revocation_reason=1,
            organisation_status=ORGANISATION_SUSPENDED,
            anchored_at=NOW + 10,
        ),
        DEFAULT,
        DELIVERY,
    )
    assert set(failed(verdict.checks)) == {
        "file",
        "exporter",
        "organisation",
        "not_revoked",
        "attestation",
        "delivery",
    }
    assert verdict.to_json()["verdict"] == "FAIL"


def test_anchored_after_delivery_fails_unless_within_the_tolerance() -> None:
    late = view(anchored_at=NOW + 90)
    reasons = failed(judge(sealed_evidence(), late, DEFAULT, DELIVERY).checks)
    assert reasons == {
        "delivery": "anchored 2027-01-15T08:01:30Z, 1 min 30 s after delivery "
        "2027-01-15T08:00:00Z (--delivery); policy tolerance 0 s"
    }
    tolerant = judge(sealed_evidence(), late, Policy(anchoring_tolerance_seconds=120), DELIVERY)
    assert tolerant.passed
    assert "within the policy tolerance of 120 s" in detail(tolerant, "delivery")


def test_anchored_exactly_at_delivery_passes() -> None:
    verdict = judge(sealed_evidence(), view(anchored_at=NOW), DEFAULT, DELIVERY)
    assert verdict.passed


def test_delivery_comes_from_the_option_or_the_disclosed_shipment_date() -> None:
    assert delivery_for(disclosure_evidence(), 123) == Delivery(123, "--delivery")
    from_file = delivery_for(disclosure_evidence(), None)
    assert from_file.time == 1_751_327_999  # 2025-06-30T23:59:59Z
    assert "shipment.deliveryDate 2025-06-30" in from_file.source
    with pytest.raises(CustomsInputError, match="no delivery time: pass --delivery"):
        delivery_for(sealed_evidence(delivery_date=None), None)


def test_spans_read_well() -> None:
    assert [span(s) for s in (0, 42, 60, 3_660, 7_200, 90_000, -86_400)] == [
        "0 s",
        "42 s",
        "1 min",
        "1 h 1 min",
        "2 h",
        "1 d 1 h",
        "1 d",
    ]


def test_anchored_at_before_everything_is_not_confused_with_never() -> None:
    # anchored_at is the only sign of anchoring: a later state keeps it.
    superseded = view(state=SUPERSEDED, superseded_by=SUCCESSOR, anchored_at=ANCHORED_AT)
    verdict = judge(sealed_evidence(), superseded, DEFAULT, DELIVERY)
    assert set(failed(verdict.checks)) == {"not_superseded"}


def test_a_file_without_an_organisation_leaf_fails_and_is_found_nowhere() -> None:
    verdict = judge(sealed_evidence(organisation=None), view(state=0), DEFAULT, DELIVERY)
    reasons = failed(verdict.checks)
    assert reasons["exporter"].startswith("the file has no organisation leaf")
    assert reasons["anchored"] == "not looked up: the file names no organisation"


def test_a_paused_registry_fails_unless_the_policy_accepts_it() -> None:
    verdict = judge(sealed_evidence(), view(paused=True), DEFAULT, DELIVERY)
    assert set(failed(verdict.checks)) == {"not_paused"}
    assert verdict.to_json()["paused"] is True
    lenient = Policy(fail_when_paused=False)
    assert judge(sealed_evidence(), view(paused=True), lenient, DELIVERY).passed
    assert detail(judge(sealed_evidence(), view(), DEFAULT, DELIVERY), "not_paused") == (
        "the registry is not paused"
    )
