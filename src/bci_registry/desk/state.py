"""Folding indexed events into the registry's state, as the contracts compute it.

The result for a report is the customs package's own ``CustomsView`` record, so
a test can compare the index's view with the contract's ``customs_view`` for
equality. The rules mirror the contracts (``contracts/ReportRegistry.vy``,
``contracts/AttestationRegistry.vy``); every state change emits an event that
carries what is needed to rebuild it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bci_registry.desk.adapter import AttestationRecord, CustomsView, ReportRecord
from bci_registry.desk.store import EventRow, Store

ZERO32_HEX = "0x" + "00" * 32
UNKNOWN, PENDING, ANCHORED, SUPERSEDED, REVOKED = range(5)
ORG_ACTIVE, ORG_SUSPENDED = 1, 2
NONCE_WINDOW = 56
VERIFIER_STATES = {
    0: "unknown",
    1: "accredited",
    2: "not yet valid",
    3: "expired",
    4: "suspended",
    5: "suspended for cause",
}


def _b32(value: str | None) -> bytes:
    return bytes.fromhex((value or ZERO32_HEX)[2:])


@dataclass
class OrganisationState:
    organisation: str
    status: int = 0
    index: int = 0
    signers: list[str] = field(default_factory=list)
    threshold: int = 0
    submitters: list[str] = field(default_factory=list)
    signer_set_version: int = 0
    history: list[EventRow] = field(default_factory=list)

    def apply(self, e: EventRow) -> None:
        a = e.args
        if e.name == "OrganisationRegistered":
            self.status, self.index = ORG_ACTIVE, int(a["index"])
            self.signers, self.threshold = list(a["signers"]), int(a["threshold"])
            self.submitters, self.signer_set_version = list(a["submitters"]), 1
        elif e.name == "OrganisationUpdated":
            self.status = ORG_ACTIVE
            self.signers, self.threshold = list(a["signers"]), int(a["threshold"])
            self.submitters = list(a["submitters"])
            self.signer_set_version = int(a["signer_set_version"])
        elif e.name == "OrganisationSuspended":
            self.status = ORG_SUSPENDED
        elif e.name == "OrganisationReinstated":
            self.status = ORG_ACTIVE
        else:
            return
        self.history.append(e)

    def slot(self, signer: str) -> int:
        for i, s in enumerate(self.signers):
            if s.lower() == signer.lower():
                return i + 1
        return 0

    def to_json(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "status": {0: "unknown", 1: "active", 2: "suspended"}.get(self.status, self.status),
            "index": self.index,
            "signers": self.signers,
            "threshold": self.threshold,
            "submitters": self.submitters,
            "signer_set_version": self.signer_set_version,
        }


@dataclass
class ReportState:
    state: int = UNKNOWN
    approvals: int = 0
    approvers: int = 0
    signer_set_version: int = 0
    anchored_at: int = 0
    anchored_block: int = 0
    supersedes: str | None = None
    superseded_by: str | None = None
    revocation_reason: int = 0
    revoked_for_cause: bool = False


@dataclass
class VerifierState:
    verifier: str
    verifier_id: str = ZERO32_HEX
    index: int = 0
    scope: int = 0
    valid_from: int = 0
    valid_until: int = 0
    suspended: bool = False
    for_cause: bool = False
    invalid_since: int = 0
    nonce_base: int = 0
    used_nonces: int = 0
    history: list[EventRow] = field(default_factory=list)

    def _write_nonces(self, base: int, used: int) -> None:
        for _ in range(NONCE_WINDOW):
            if used & 1 == 0:
                break
            used >>= 1
            base += 1
        self.nonce_base, self.used_nonces = base, used

    def apply(self, e: EventRow) -> None:
        a = e.args
        if e.name == "VerifierAccredited":
            if not self.index:
                self.verifier_id = a["verifier_id"]
            self.index, self.scope = int(a["index"]), int(a["scope"])
            self.valid_from, self.valid_until = int(a["valid_from"]), int(a["valid_until"])
            self.suspended = False
        elif e.name == "AccreditationExtended":
            self.valid_until = int(a["valid_until"])
        elif e.name == "VerifierSuspended":
            self.suspended = True
        elif e.name == "VerifierSuspendedForCause":
            self.suspended, self.for_cause = True, True
            self.invalid_since = int(a["invalid_since"])
        elif e.name == "VerifierNonceUsed":
            bit = int(a["nonce"]) - self.nonce_base
            self._write_nonces(self.nonce_base, self.used_nonces | (1 << bit))
        elif e.name == "NoncesCancelled":
            new_base = int(a["nonce_base"])
            shift = new_base - self.nonce_base
            used = 0 if shift >= NONCE_WINDOW else self.used_nonces >> shift
            self.nonce_base, self.used_nonces = new_base, used
        else:
            return
        self.history.append(e)

    def status(self, now: int) -> int:
        if not self.index:
            return 0
        if self.for_cause:
            return 5
        if self.suspended:
            return 4
        if now < self.valid_from:
            return 2
        if now > self.valid_until:
            return 3
        return 1

    def to_json(self, now: int) -> dict[str, Any]:
        status = self.status(now)
        return {
            "verifier": self.verifier,
            "status": VERIFIER_STATES[status],
            "status_code": status,
            "verifier_id": self.verifier_id,
            "index": self.index,
            "scope": self.scope,
            "scope_fields": _fields(self.scope),
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "invalid_since": self.invalid_since if self.for_cause else 0,
            "nonce_base": self.nonce_base,
            "used_nonces": self.used_nonces,
        }


def _fields(mask: int) -> list[str]:
    from bci_registry.desk.adapter import fields_from_mask

    return list(fields_from_mask(mask & 0xFFF))


@dataclass
class AttestationState:
    verifier: str
    verdict: int = 0
    fields: int = 0
    evidence: str = ZERO32_HEX
    verified_at: int = 0
    expires_at: int = 0
    attested_at: int = 0
    revoked_at: int = 0
    revocation_reason: int = 0


def verifiers(store: Store, only: Iterable[str] | None = None) -> dict[str, VerifierState]:
    out: dict[str, VerifierState] = {}
    for e in store.verifier_events(None if only is None else sorted(set(only))):
        address = e.args["verifier"]
        out.setdefault(address, VerifierState(address)).apply(e)
    return out


def paused(store: Store) -> bool:
    state = False
    for e in store.pause_events():
        state = e.name == "Paused"
    return state


def organisation(store: Store, org_hex: str) -> OrganisationState:
    state = OrganisationState(org_hex)
    for e in store.organisation_events(org_hex):
        state.apply(e)
    return state


@dataclass
class ReportFold:
    """Everything the index knows of one report."""

    organisation: OrganisationState
    report: ReportState
    attestations: list[AttestationState]
    history: list[EventRow]


def fold_report(store: Store, org_hex: str, root_hex: str) -> ReportFold:
    org = OrganisationState(org_hex)
    rep = ReportState()
    atts: dict[str, AttestationState] = {}
    history: list[EventRow] = []
    for e in store.report_events(org_hex, root_hex):
        a = e.args
        if a.get("report") is None:
            org.apply(e)
            continue
        if (
            e.name == "ReportSuperseded"
            and a.get("successor") == root_hex
            and a["report"] != root_hex
        ):
            rep.supersedes = a["report"]
            history.append(e)
            continue
        if a["report"] != root_hex:
            continue
        history.append(e)
        if e.name == "ReportSubmitted":
            rep.state = PENDING
            rep.signer_set_version = org.signer_set_version
            sup = a["supersedes"]
            rep.supersedes = None if sup == ZERO32_HEX else sup
        elif e.name == "ReportApproved":
            if rep.signer_set_version != org.signer_set_version:  # _restart_if_stale
                rep.approvers, rep.signer_set_version = 0, org.signer_set_version
            slot = org.slot(a["signer"])
            if slot:
                rep.approvers |= 1 << (slot - 1)
            rep.approvals = int(a["approvals"])
        elif e.name == "ReportApprovedBySignatures":
            rep.signer_set_version = org.signer_set_version
            rep.approvers, rep.approvals = int(a["approvers"]), int(a["approvals"])
        elif e.name == "ReportAnchored":
            if rep.state == UNKNOWN:  # the one-transaction path: no ReportSubmitted
                rep.signer_set_version = org.signer_set_version
                rep.approvers = int(a["approvers"])
                rep.approvals = bin(rep.approvers).count("1")
            rep.state = ANCHORED
            rep.anchored_at, rep.anchored_block = e.block_time, e.block_number
        elif e.name == "ReportSuperseded":
            rep.state = SUPERSEDED
            rep.superseded_by = a["successor"]
        elif e.name == "ReportRevoked":
            rep.state = REVOKED
            rep.revocation_reason = int(a["reason"])
            rep.revoked_for_cause = bool(a.get("for_cause", False))
        elif e.name == "AttestationMade":
            att = atts.setdefault(a["verifier"], AttestationState(a["verifier"]))
            att.verdict, att.fields = int(a["verdict"]), int(a["fields"])
            att.evidence = a["evidence"]
            att.verified_at, att.expires_at = int(a["verified_at"]), int(a["expires_at"])
            att.attested_at, att.revoked_at, att.revocation_reason = e.block_time, 0, 0
        elif e.name == "AttestationRevoked":
            att = atts.setdefault(a["verifier"], AttestationState(a["verifier"]))
            att.revoked_at, att.revocation_reason = e.block_time, int(a["reason"])
    return ReportFold(org, rep, list(atts.values()), history)


def customs_view(store: Store, org_hex: str, root_hex: str, now: int) -> CustomsView:
    """The index's ``customs_view(organisation, root)`` at block time ``now``."""
    fold = fold_report(store, org_hex, root_hex)
    return view_of(
        fold, verifiers(store, [a.verifier for a in fold.attestations]), paused(store), org_hex, now
    )


def view_of(
    fold: ReportFold,
    verifier_states: dict[str, VerifierState],
    is_paused: bool,
    org_hex: str,
    now: int,
) -> CustomsView:
    rep, org = fold.report, fold.organisation
    record = ReportRecord(
        state=rep.state,
        organisation=_b32(org_hex),
        organisation_status=org.status,
        approvals=rep.approvals,
        threshold=org.threshold,
        approvers=rep.approvers,
        signer_set_version=rep.signer_set_version,
        anchored_at=rep.anchored_at,
        anchored_block=rep.anchored_block,
        supersedes=_b32(rep.supersedes),
        superseded_by=_b32(rep.superseded_by),
        revocation_reason=rep.revocation_reason,
        paused=is_paused,
    )
    attestations = []
    for att in fold.attestations:
        ver = verifier_states.get(att.verifier) or VerifierState(att.verifier)
        expired = now >= att.expires_at
        invalidated = ver.for_cause and att.attested_at >= ver.invalid_since
        attestations.append(
            AttestationRecord(
                verifier=att.verifier,
                verifier_index=ver.index,
                verifier_id=_b32(ver.verifier_id),
                verdict=att.verdict,
                fields=att.fields,
                verified_at=att.verified_at,
                expires_at=att.expires_at,
                attested_at=att.attested_at,
                revoked_at=att.revoked_at,
                revocation_reason=att.revocation_reason,
                expired=expired,
                invalidated=invalidated,
                valid=att.revoked_at == 0 and not expired and not invalidated,
            )
        )
    accepted = (
        rep.state == ANCHORED
        and org.status == ORG_ACTIVE
        and not is_paused
        and any(a.valid and a.verdict == 1 for a in attestations)
    )
    return CustomsView(
        report=record, attestations=tuple(attestations), checked_at=now, accepted=accepted
    )
