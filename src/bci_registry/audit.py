"""Rebuild the registries' state from their event logs alone.

The event log is the audit trail: an auditor who trusts no view function can
replay the events of the report registry and the attestation registry, in
chain order, and obtain every organisation, report, verifier and attestation
record, the roles and the admin. A report is identified by its organisation
and its root together (every report and attestation event names both). The
unit tests replay scenarios and compare the result with the contracts' views
field by field.

Batches: a batch root has a record like a report (``BatchSubmitted``,
approvals, ``BatchAnchored``) with its ``batch_size``. Its members are not in
the log (the contract never sees them); a member gets a record of its own only
when ``BatchMemberRecorded`` copies the batch's record into it, just before it
is revoked or superseded on its own. ``member_status`` answers as the
contract's view does: the report's own record, else the batch's record for a
member whose inclusion proof holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bci_registry.exporter.batch_tree import verify_member

ORGANISATION_ACTIVE, ORGANISATION_SUSPENDED = 1, 2
PENDING, ANCHORED, SUPERSEDED, REVOKED = 1, 2, 3, 4
ZERO32 = bytes(32)


@dataclass(frozen=True)
class LoggedEvent:
    """One decoded registry event with where it sits in the chain."""

    name: str
    args: Mapping[str, Any]
    block_number: int
    log_index: int
    block_timestamp: int


@dataclass
class OrganisationRecord:
    index: int
    signers: list[str]
    threshold: int
    submitters: list[str]
    signer_set_version: int = 1
    status: int = ORGANISATION_ACTIVE


#: A report on chain: (organisation id, root).
ReportKey = tuple[bytes, bytes]


@dataclass
class ReportRecord:
    organisation: bytes
    state: int
    signer_set_version: int
    approvers: int = 0
    approvals: int = 0
    anchored_at: int = 0
    anchored_block: int = 0
    supersedes: bytes = ZERO32
    superseded_by: bytes = ZERO32
    revocation_reason: int = 0
    #: Non-zero for a batch root: the number of reports its signers approved.
    batch_size: int = 0
    #: For a batch member with a record of its own: the batch it was recorded from.
    recorded_from: bytes | None = None


@dataclass
class VerifierRecord:
    verifier_id: bytes
    index: int
    scope: int = 0
    valid_from: int = 0
    valid_until: int = 0
    suspended: bool = False
    for_cause: bool = False
    invalid_since: int = 0
    nonce_base: int = 0
    used_nonces: set[int] = field(default_factory=set)


@dataclass
class AttestationRecord:
    #: The verifier's id when it attested (an attestation keeps the identity it was made under).
    verifier_id: bytes
    verdict: int
    fields: int
    evidence: bytes
    verified_at: int
    expires_at: int
    attested_at: int
    revoked_at: int = 0
    revocation_reason: int = 0


@dataclass
class RegistryState:
    organisations: dict[bytes, OrganisationRecord] = field(default_factory=dict)
    reports: dict[ReportKey, ReportRecord] = field(default_factory=dict)
    verifiers: dict[str, VerifierRecord] = field(default_factory=dict)
    #: (organisation, report root, verifier address) -> its current attestation
    attestations: dict[tuple[bytes, bytes, str], AttestationRecord] = field(default_factory=dict)
    paused: bool = False
    #: role -> accounts holding it (RoleGranted / RoleRevoked)
    roles: dict[bytes, set[str]] = field(default_factory=dict)
    #: The registry's admin after the last completed two-step handover (None: no
    #: AdminTransferred seen; the constructor's admin is in ``roles``).
    admin: str | None = None
    pending_admin: str | None = None


def _restart_if_stale(report: ReportRecord, organisation: OrganisationRecord) -> None:
    # Mirrors the contract: approvals gathered under an older signer set lapse.
    if report.signer_set_version != organisation.signer_set_version:
        report.signer_set_version = organisation.signer_set_version
        report.approvers = 0
        report.approvals = 0


def _pending(org_id: bytes, orgs: dict[bytes, OrganisationRecord], **extra: Any) -> ReportRecord:
    """A new pending record under the organisation's current signer set."""
    return ReportRecord(
        organisation=org_id,
        state=PENDING,
        signer_set_version=orgs[org_id].signer_set_version,
        **extra,
    )


def _anchor(report: ReportRecord, approvers: int, event: LoggedEvent) -> None:
    """``ReportAnchored`` / ``BatchAnchored``: anchored with these approvers, at the event."""
    report.state = ANCHORED
    report.approvers = approvers
    report.approvals = bin(approvers).count("1")
    report.anchored_at = event.block_timestamp
    report.anchored_block = event.block_number


def rebuild(events: Iterable[LoggedEvent]) -> RegistryState:
    """Replay registry events (any order; they are sorted by position in the chain)."""
    state = RegistryState()
    orgs, reports = state.organisations, state.reports
    for event in sorted(events, key=lambda e: (e.block_number, e.log_index)):
        a = event.args
        match event.name:
            case "OrganisationRegistered":
                orgs[bytes(a["organisation"])] = OrganisationRecord(
                    index=int(a["index"]),
                    signers=[str(s) for s in a["signers"]],
                    threshold=int(a["threshold"]),
                    submitters=[str(s) for s in a["submitters"]],
                )
            case "OrganisationUpdated":
                org = orgs[bytes(a["organisation"])]
                org.signers = [str(s) for s in a["signers"]]
                org.threshold = int(a["threshold"])
                org.submitters = [str(s) for s in a["submitters"]]
                org.signer_set_version = int(a["signer_set_version"])
            case "OrganisationSuspended":
                orgs[bytes(a["organisation"])].status = ORGANISATION_SUSPENDED
            case "OrganisationReinstated":
                orgs[bytes(a["organisation"])].status = ORGANISATION_ACTIVE
            case "ReportSubmitted":
                org_id = bytes(a["organisation"])
                reports[(org_id, bytes(a["report"]))] = _pending(
                    org_id, orgs, supersedes=bytes(a["supersedes"])
                )
            case "ReportApproved":
                report = reports[_key(a)]
                org = orgs[report.organisation]
                _restart_if_stale(report, org)
                report.approvers |= 1 << org.signers.index(str(a["signer"]))
                report.approvals = int(a["approvals"])
            case "ReportApprovedBySignatures":
                report = reports[_key(a)]
                _restart_if_stale(report, orgs[report.organisation])
                report.approvers = int(a["approvers"])
                report.approvals = int(a["approvals"])
            case "ReportSuperseded":
                # A correction supersedes a report of the same organisation.
                org_id = bytes(a["organisation"])
                old, new = bytes(a["report"]), bytes(a["successor"])
                reports[(org_id, old)].state = SUPERSEDED
                reports[(org_id, old)].superseded_by = new
                # A one-transaction correction is known only from here on.
                reports.setdefault((org_id, new), _pending(org_id, orgs)).supersedes = old
            case "ReportAnchored":
                org_id = bytes(a["organisation"])
                report = reports.setdefault((org_id, bytes(a["report"])), _pending(org_id, orgs))
                _anchor(report, int(a["approvers"]), event)
            case "BatchSubmitted":
                org_id = bytes(a["organisation"])
                reports[(org_id, bytes(a["batch"]))] = _pending(
                    org_id, orgs, batch_size=int(a["size"])
                )
            case "BatchAnchored":
                # The fast path (anchor_batch) or the approval reaching the threshold.
                org_id = bytes(a["organisation"])
                batch = reports.setdefault((org_id, bytes(a["batch"])), _pending(org_id, orgs))
                batch.batch_size = int(a["size"])
                _anchor(batch, int(a["approvers"]), event)
            case "BatchMemberRecorded":
                # The member's own record: a copy of its (anchored) batch's record.
                org_id, batch_root = bytes(a["organisation"]), bytes(a["batch"])
                reports[(org_id, bytes(a["report"]))] = replace(
                    reports[(org_id, batch_root)], batch_size=0, recorded_from=batch_root
                )
            case "ReportRevoked":
                report = reports[_key(a)]
                report.state = REVOKED
                report.revocation_reason = int(a["reason"])
            case "Paused":
                state.paused = True
            case "Unpaused":
                state.paused = False
            case "RoleGranted":
                state.roles.setdefault(bytes(a["role"]), set()).add(str(a["account"]))
            case "RoleRevoked":
                state.roles.setdefault(bytes(a["role"]), set()).discard(str(a["account"]))
            case "AdminTransferStarted":
                state.pending_admin = str(a["pending_admin"])
            case "AdminTransferred":
                state.admin, state.pending_admin = str(a["admin"]), None
            case _:
                _replay_attestation_event(state, event)
    return state


def member_status(
    state: RegistryState,
    organisation: bytes,
    report: bytes,
    batch: bytes = ZERO32,
    proof: Iterable[bytes] = (),
) -> ReportRecord | None:
    """The rebuilt record the contract's ``member_status`` reads (None: unknown).

    The report's own record wins whatever the proof; else, if ``batch`` is a
    batch of the organisation and ``proof`` proves the report a member, the
    batch's record (without its size); else unknown.
    """
    own = state.reports.get((organisation, report))
    if own is not None:
        return own
    if batch == ZERO32:
        return None
    record = state.reports.get((organisation, batch))
    if record is None or not record.batch_size:
        return None
    if not verify_member(organisation, report, batch, list(proof)):
        return None
    return replace(record, batch_size=0)


def _key(args: Mapping[str, Any]) -> ReportKey:
    return (bytes(args["organisation"]), bytes(args["report"]))


def _replay_attestation_event(state: RegistryState, event: LoggedEvent) -> None:
    a, verifiers = event.args, state.verifiers
    match event.name:
        case "VerifierAccredited":
            v = verifiers.setdefault(
                str(a["verifier"]), VerifierRecord(bytes(a["verifier_id"]), int(a["index"]))
            )
            v.verifier_id, v.scope = bytes(a["verifier_id"]), int(a["scope"])
            v.valid_from, v.valid_until = int(a["valid_from"]), int(a["valid_until"])
            v.suspended = False
        case "AccreditationExtended":
            verifiers[str(a["verifier"])].valid_until = int(a["valid_until"])
        case "VerifierSuspended":
            verifiers[str(a["verifier"])].suspended = True
        case "VerifierSuspendedForCause":
            v = verifiers[str(a["verifier"])]
            v.suspended, v.for_cause, v.invalid_since = True, True, int(a["invalid_since"])
        case "VerifierNonceUsed":
            # Nonces are a sliding window: the base moves past every used nonce below it.
            v = verifiers[str(a["verifier"])]
            v.used_nonces.add(int(a["nonce"]))
            while v.nonce_base in v.used_nonces:
                v.used_nonces.remove(v.nonce_base)
                v.nonce_base += 1
        case "NoncesCancelled":
            # Every nonce below the new base is used; the window restarts there.
            v = verifiers[str(a["verifier"])]
            v.nonce_base = int(a["nonce_base"])
            v.used_nonces = {n for n in v.used_nonces if n >= v.nonce_base}
            while v.nonce_base in v.used_nonces:
                v.used_nonces.remove(v.nonce_base)
                v.nonce_base += 1
        case "AttestationMade":
            verifier = str(a["verifier"])
            state.attestations[(*_key(a), verifier)] = AttestationRecord(
                verifier_id=verifiers[verifier].verifier_id,
                verdict=int(a["verdict"]),
                fields=int(a["fields"]),
                evidence=bytes(a["evidence"]),
                verified_at=int(a["verified_at"]),
                expires_at=int(a["expires_at"]),
                attested_at=event.block_timestamp,
            )
        case "AttestationRevoked":
            record = state.attestations[(*_key(a), str(a["verifier"]))]
            record.revoked_at, record.revocation_reason = event.block_timestamp, int(a["reason"])
