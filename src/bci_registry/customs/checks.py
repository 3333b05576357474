"""The customs checks: a report file, its customs view and the policy give a verdict.

Pure functions of their inputs (no chain, no clock: "now" is the view's
``checked_at``), so every reason can be tested with fabricated views. Every
check is always listed, passed or failed, with a detail a person can act on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bci_registry.customs.errors import CustomsInputError
from bci_registry.customs.evidence import SEALED, Evidence
from bci_registry.customs.policy import Policy
from bci_registry.customs.view import (
    ORGANISATION_ACTIVE,
    ORGANISATION_SUSPENDED,
    PENDING,
    REVOKED,
    SUPERSEDED,
    UNKNOWN,
    VERDICT_FAIL,
    VERDICT_PASS,
    VERDICT_QUALIFIED,
    AttestationRecord,
    CustomsView,
)
from bci_registry.registry import ZERO32, organisation_label
from bci_registry.report.fields import REPORT_FIELDS, fields_from_mask

#: The checks in the order they are listed: (id, title).
CHECKS = (
    ("file", "file proves the root"),
    ("exporter", "exporter in the proof"),
    ("disclosed_fields", "required fields disclosed"),
    ("anchored", "anchored by that exporter"),
    ("approvals", "threshold approvals"),
    ("organisation", "organisation active"),
    ("not_revoked", "not revoked"),
    ("not_superseded", "not superseded"),
    ("attestation", "valid attestation"),
    ("delivery", "anchored by delivery"),
    ("not_paused", "registry not paused"),
)
#: The checks a UNTP DCC adds (``bci_registry.interop.customs_dcc``), listed after CHECKS.
DCC_CHECKS = (
    ("dcc_signature", "credential signature"),
    ("dcc_verifier", "signed by the verifier"),
    ("dcc_status", "credential not revoked"),
)
_TITLES = dict(CHECKS) | dict(DCC_CHECKS)
_MAX_PROBLEMS_SHOWN = 5
_DAY_SECONDS = 86_400


def iso(timestamp: int) -> str:
    """``2026-01-02T03:04:05Z``."""
    moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def span(seconds: int) -> str:
    """A duration for people: ``2 d 3 h``, ``3 h 5 min``, ``42 s``."""
    seconds = abs(seconds)
    days, rest = divmod(seconds, _DAY_SECONDS)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def short(value: str) -> str:
    """``0x1234…abcd`` for a long hex value."""
    return value if len(value) <= 14 else f"{value[:6]}…{value[-4:]}"


@dataclass(frozen=True)
class Delivery:
    """When the shipment was delivered, and where that time came from."""

    time: int
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"time": self.time, "iso": iso(self.time), "source": self.source}


def delivery_for(evidence: Evidence, given: int | None) -> Delivery:
    """``--delivery`` if given; else the end (UTC) of the file's shipment delivery date."""
    if given is not None:
        return Delivery(given, "--delivery")
    if evidence.delivery_date is not None:
        day = dt.date.fromisoformat(evidence.delivery_date)
        start = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())
        return Delivery(
            start + _DAY_SECONDS - 1,
            f"shipment.deliveryDate {evidence.delivery_date} in the file, end of that day UTC",
        )
    raise CustomsInputError(
        f"{evidence.path}: no delivery time: pass --delivery "
        "(the file does not disclose the shipment field and its delivery date)"
    )


@dataclass(frozen=True)
class Check:
    id: str
    ok: bool
    detail: str

    @property
    def title(self) -> str:
        return _TITLES[self.id]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class ReportVerdict:
    """Every check of one report file, and the data they were made on."""

    evidence: Evidence
    delivery: Delivery
    view: CustomsView
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.ok)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.evidence.path,
            "kind": self.evidence.kind,
            "root": self.evidence.root_hex,
            "organisation": (
                None
                if self.evidence.organisation is None
                else "0x" + self.evidence.organisation.hex()
            ),
            "paused": self.view.report.paused,
            "verdict": "PASS" if self.passed else "FAIL",
            "checks": [check.to_json() for check in self.checks],
            "delivery": self.delivery.to_json(),
            "disclosed_fields": list(self.evidence.fields),
            "checked_at": self.view.checked_at,
            "chain": self.view.to_json(),
        }


def judge(
    evidence: Evidence, view: CustomsView, policy: Policy, delivery: Delivery
) -> ReportVerdict:
    """Run every check on one report."""
    checks: tuple[Check, ...] = (
        _file(evidence),
        _exporter(evidence),
        _disclosed(evidence, policy),
        _anchored(evidence, view),
        _approvals(view, policy),
        _organisation(view),
        _not_revoked(view),
        _not_superseded(view),
        _attestation(view, policy),
        _delivery(view, policy, delivery),
        _not_paused(view, policy),
    )
    if evidence.dcc is not None:
        checks += _dcc_checks(evidence, view)
    return ReportVerdict(evidence=evidence, delivery=delivery, view=view, checks=checks)


# ------------------------------------------------------------------ checks


def _file(evidence: Evidence) -> Check:
    if evidence.proves_root:
        if evidence.kind == SEALED:
            return Check("file", True, f"its {len(REPORT_FIELDS)} fields recompute the root")
        names = ", ".join(evidence.fields)
        count = len(evidence.fields)
        return Check(
            "file", True, f"its {count} disclosed fields ({names}) prove the root by multiproof"
        )
    shown = list(evidence.problems[:_MAX_PROBLEMS_SHOWN])
    if len(evidence.problems) > len(shown):
        shown.append(f"and {len(evidence.problems) - len(shown)} more")
    return Check("file", False, f"it does not prove the root: {'; '.join(shown)}")


def _exporter(evidence: Evidence) -> Check:
    if evidence.organisation is None:
        return Check(
            "exporter",
            False,
            "the file has no organisation leaf: it does not say which exporter's report it is "
            "(sealed in the format before organisations were committed to the root?)",
        )
    name = organisation_label(evidence.organisation)
    if not evidence.proves_root:
        return Check(
            "exporter", False, f"the file names organisation {name}, but does not prove it"
        )
    how = "sealed" if evidence.kind == SEALED else "disclosed"
    return Check(
        "exporter", True, f"organisation {name}: its leaf is {how} under the root it proves"
    )


def _disclosed(evidence: Evidence, policy: Policy) -> Check:
    if evidence.kind == SEALED:
        return Check("disclosed_fields", True, "sealed report: every field is in the file")
    if not policy.require_disclosed_fields:
        names = ", ".join(evidence.fields) or "none"
        return Check("disclosed_fields", True, f"not required by the policy (disclosed: {names})")
    missing = [name for name in policy.required_fields if name not in evidence.fields]
    if missing:
        return Check("disclosed_fields", False, f"not disclosed: {', '.join(missing)}")
    count = len(policy.required_fields)
    return Check("disclosed_fields", True, f"all {count} required fields are disclosed")


def _anchored(evidence: Evidence, view: CustomsView) -> Check:
    report = view.report
    if report.state == UNKNOWN:
        if evidence.organisation is None:
            return Check("anchored", False, "not looked up: the file names no organisation")
        name = organisation_label(evidence.organisation)
        if view.batch is not None:
            how = (
                "the proof leads to that root, but the organisation has no such batch"
                if view.batch.verify()
                else "the proof does not lead from this report to that root"
            )
            return Check(
                "anchored",
                False,
                f"not a member of batch 0x{view.batch.batch.hex()} of organisation {name} "
                f"with the proof in {evidence.batch_proof_file or 'the batch proof'} ({how}), "
                "and the registry knows no report with this root on its own",
            )
        return Check(
            "anchored",
            False,
            f"the registry knows no report with this root under organisation {name}, the "
            "exporter the file's proof names (a report anchored by any other organisation "
            "does not count)",
        )
    if report.anchored_at == 0:
        if report.state == PENDING:
            return Check(
                "anchored",
                False,
                f"pending: {report.approvals} of {report.threshold} approvals, not anchored",
            )
        return Check("anchored", False, f"{report.state_name} before it was ever anchored")
    detail = f"anchored {iso(report.anchored_at)} in block {report.anchored_block}"
    if view.batch is not None:
        detail += _batch_clause(evidence, view)
    if report.supersedes != ZERO32:
        detail += f"; it corrects {'0x' + report.supersedes.hex()}"
    return Check("anchored", True, detail)


def _batch_clause(evidence: Evidence, view: CustomsView) -> str:
    """Names the batch a member was read through."""
    batch = f"batch 0x{view.batch.batch.hex()} ({view.batch.size} reports)"
    source = f", proof {evidence.batch_proof_file}" if evidence.batch_proof_file else ""
    return f" as a member of {batch}{source}"


def _approvals(view: CustomsView, policy: Policy) -> Check:
    report = view.report
    minimum = policy.minimum_approvals
    if report.state == UNKNOWN:
        return Check("approvals", False, "no approvals: the root is unknown")
    if report.anchored_at == 0:
        return Check(
            "approvals",
            False,
            f"{report.approvals} of {report.threshold} approvals: the threshold was not met",
        )
    if report.approvals < minimum:
        return Check(
            "approvals",
            False,
            f"anchored with {report.approvals} approval{'s' if report.approvals != 1 else ''}, "
            f"below the policy minimum of {minimum}",
        )
    if report.threshold > report.approvals:
        return Check(
            "approvals",
            True,
            f"{report.approvals} approvals met the threshold in force when anchored "
            f"(the organisation's threshold is now {report.threshold}; policy minimum {minimum})",
        )
    return Check(
        "approvals",
        True,
        f"{report.approvals} approvals (organisation threshold {report.threshold}, "
        f"policy minimum {minimum})",
    )


def _organisation(view: CustomsView) -> Check:
    report = view.report
    name = report.organisation_name
    if report.state == UNKNOWN:
        return Check("organisation", False, "no organisation: the root is unknown")
    if report.organisation_status == ORGANISATION_SUSPENDED:
        return Check("organisation", False, f"organisation {name} is suspended by governance")
    if report.organisation_status == ORGANISATION_ACTIVE:
        return Check("organisation", True, f"organisation {name} is active")
    return Check(
        "organisation", False, f"organisation {name} has status {report.organisation_status}"
    )


def _not_revoked(view: CustomsView) -> Check:
    report = view.report
    if report.state == REVOKED:
        return Check("not_revoked", False, f"revoked (reason code {report.revocation_reason})")
    return Check("not_revoked", True, "not revoked")


def _not_superseded(view: CustomsView) -> Check:
    report = view.report
    if report.state == SUPERSEDED:
        successor = "0x" + report.superseded_by.hex()
        return Check(
            "not_superseded", False, f"superseded by {successor}: check that correction instead"
        )
    return Check("not_superseded", True, "no correction supersedes it")


def _not_paused(view: CustomsView, policy: Policy) -> Check:
    if not view.report.paused:
        return Check("not_paused", True, "the registry is not paused")
    if policy.fail_when_paused:
        return Check(
            "not_paused",
            False,
            "the registry is PAUSED by governance (an emergency); the policy fails every "
            "report while it is (fail_when_paused: true)",
        )
    return Check(
        "not_paused",
        True,
        "the registry is PAUSED by governance; the policy accepts that (fail_when_paused: false)",
    )


def shortfalls(attestation: AttestationRecord, policy: Policy) -> list[str]:
    """Why an attestation does not satisfy the policy (empty: it does)."""
    out: list[str] = []
    if attestation.revoked_at:
        out.append(
            f"revoked {iso(attestation.revoked_at)} (reason code {attestation.revocation_reason})"
        )
    if attestation.expired:
        out.append(f"expired {iso(attestation.expires_at)}")
    if attestation.invalidated:
        out.append("invalidated: its verifier was suspended for cause")
    if not attestation.valid and not out:
        out.append("not valid")
    if attestation.verdict == VERDICT_FAIL:
        out.append("verdict fail")
    elif attestation.verdict == VERDICT_QUALIFIED and not policy.accept_qualified:
        out.append("verdict qualified, and the policy accepts only pass")
    elif attestation.verdict not in (VERDICT_PASS, VERDICT_QUALIFIED):
        out.append(f"verdict {attestation.verdict_name}")
    missing = policy.required_mask & ~attestation.fields
    if missing:
        out.append(f"does not cover {', '.join(fields_from_mask(missing))}")
    if not policy.accepts_verifier(attestation.verifier, attestation.verifier_id):
        out.append("verifier not accepted by the policy")
    return out


def _attestation(view: CustomsView, policy: Policy) -> Check:
    if not policy.require_attestation:
        valid = sum(not shortfalls(a, policy) for a in view.attestations)
        return Check(
            "attestation",
            True,
            f"not required by the policy (require_attestation: false); {valid} of "
            f"{len(view.attestations)} attestations on record qualify",
        )
    if not view.attestations:
        return Check("attestation", False, "no attestation on record")
    judged = [(a, shortfalls(a, policy)) for a in view.attestations]
    good = [a for a, reasons in judged if not reasons]
    if not good:
        reasons = "; ".join(f"{short(a.verifier)}: {', '.join(reasons)}" for a, reasons in judged)
        return Check("attestation", False, f"none qualifies: {reasons}")
    best = max(good, key=lambda a: a.verified_at)
    label = organisation_label(best.verifier_id)
    if label.startswith("0x"):
        label = short(label)
    detail = (
        f"{best.verdict_name} by verifier {best.verifier} (id {label}), "
        f"verified {iso(best.verified_at)}, valid until {iso(best.expires_at)}, "
        f"covers the {len(policy.required_fields)} required fields"
    )
    if len(good) > 1:
        detail += f" ({len(good) - 1} more qualify)"
    return Check("attestation", True, detail)


def _delivery(view: CustomsView, policy: Policy, delivery: Delivery) -> Check:
    anchored_at = view.report.anchored_at
    if anchored_at == 0:
        return Check("delivery", False, f"not anchored; delivery {iso(delivery.time)}")
    lag = anchored_at - delivery.time
    tolerance = policy.anchoring_tolerance_seconds
    when = f"delivery {iso(delivery.time)} ({delivery.source})"
    if lag == 0:
        return Check("delivery", True, f"anchored at the time of {when}")
    if lag < 0:
        return Check("delivery", True, f"anchored {span(lag)} before {when}")
    if lag <= tolerance:
        return Check(
            "delivery",
            True,
            f"anchored {span(lag)} after {when}, within the policy tolerance of {tolerance} s",
        )
    return Check(
        "delivery",
        False,
        f"anchored {iso(anchored_at)}, {span(lag)} after {when}; policy tolerance {tolerance} s",
    )


# ------------------------------------------------------------- UNTP DCC


def _dcc_checks(evidence: Evidence, view: CustomsView) -> tuple[Check, ...]:
    """A DCC's own checks: its signature and issuer key, the key's account is the verifier
    of an attestation of this report, and that attestation (the authority) stands."""
    facts = evidence.dcc
    problems = list(facts.credential_problems)
    now = view.checked_at
    if facts.valid_from is not None and now < facts.valid_from:
        problems.append(f"validity: not yet valid at block time {iso(now)}")
    if facts.valid_until is not None and now > facts.valid_until:
        problems.append(f"validity: expired {iso(facts.valid_until)}")
    if problems:
        shown = problems[:_MAX_PROBLEMS_SHOWN]
        if len(problems) > len(shown):
            shown.append(f"and {len(problems) - len(shown)} more")
        signature = Check("dcc_signature", False, "; ".join(shown))
    else:
        signature = Check(
            "dcc_signature",
            True,
            f"ES256K signature by {facts.issuer} verifies; key of account {facts.signer}",
        )
    mine = [
        a
        for a in view.attestations
        if facts.signer is not None and a.verifier.lower() == facts.signer.lower()
    ]
    latest = max(mine, key=lambda a: a.attested_at) if mine else None
    reasons = list(facts.anchor_problems)
    if facts.signer is None:
        reasons.append("no verified signature, so no signing account")
    elif latest is None:
        verifiers = ", ".join(a.verifier for a in view.attestations) or "none"
        reasons.append(
            f"the signing key's account {facts.signer} has no attestation of this report "
            f"(attested by: {verifiers})"
        )
    else:
        missing = facts.assessed_mask & ~latest.fields
        if missing:
            reasons.append(
                f"the credential assesses {', '.join(fields_from_mask(missing))}, "
                "which the attestation does not cover"
            )
        conforms = latest.verdict in (VERDICT_PASS, VERDICT_QUALIFIED)
        if facts.conformant is not None and facts.conformant != conforms:
            reasons.append(
                f"the credential says conformance {facts.conformant}, the attestation's "
                f"verdict is {latest.verdict_name}"
            )
    if reasons:
        verifier = Check("dcc_verifier", False, "; ".join(reasons))
    else:
        assert latest is not None
        verifier = Check(
            "dcc_verifier",
            True,
            f"{facts.signer} is the accredited verifier of the attestation "
            f"({latest.verdict_name}, verified {iso(latest.verified_at)})",
        )
    return (signature, verifier, _dcc_status(facts, latest))


def _dcc_status(facts: Any, latest: AttestationRecord | None) -> Check:
    listed = facts.status_revoked
    if latest is None:
        return Check("dcc_status", False, "no attestation by the signer on chain to stand for it")
    if latest.revoked_at:
        detail = (
            f"the attestation was revoked on chain {iso(latest.revoked_at)} "
            f"(reason code {latest.revocation_reason})"
        )
        if listed is False:
            detail += "; the status list still shows it valid (it lags the chain)"
        return Check("dcc_status", False, detail)
    if latest.invalidated:
        return Check(
            "dcc_status",
            False,
            "the attestation is invalidated: its verifier was suspended for cause",
        )
    if latest.expired:
        return Check("dcc_status", False, f"the attestation expired {iso(latest.expires_at)}")
    if listed:
        return Check("dcc_status", False, "its bit is set in the verifier's status list (revoked)")
    if facts.status_problems:
        return Check("dcc_status", False, "; ".join(facts.status_problems))
    detail = "the attestation on chain is not revoked, expired or invalidated"
    if listed is False:
        detail += "; its status list bit is clear"
    return Check("dcc_status", True, detail)
