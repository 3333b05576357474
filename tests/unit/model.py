"""A Python model of ReportRegistry and AttestationRegistry (no chain).

The stateful property tests (`test_stateful_registries.py`) run every action
on the chain and here, and compare: whether it succeeds, the revert reason
when it does not, and every view afterwards. The model follows the
specifications (`docs/registry-spec.md`, `docs/attestations-spec.md`) and
checks in the contracts' order, so that the first failing condition names the
same reason. Each operation checks everything first and changes the model only
when it succeeds (`Revert` otherwise).

Signatures are modelled, not verified: a signature blob is a list of
`Entry(slot, key, message)` — which slot the entry names, whose key signed,
and the exact message (a tuple) that key signed. The contract accepts an entry
when the key is the slot's signer and the message is the one it rebuilds for
that signer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

PENDING, ANCHORED, SUPERSEDED, REVOKED = 1, 2, 3, 4
ORG_ACTIVE, ORG_SUSPENDED = 1, 2
MASK32 = 2**32 - 1
MASK40 = 2**40 - 1
NONCE_WINDOW = 56
MAX_ATTESTATIONS = 32
ZERO32 = bytes(32)
ZERO_ADDRESS = "0x" + "00" * 20


class Revert(Exception):
    """The operation reverts with this reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def require(condition: bool, reason: str) -> None:
    if not condition:
        raise Revert(reason)


# ----------------------------------------------------------------- records


@dataclass
class Org:
    index: int
    signers: list[str]
    threshold: int
    submitters: list[str]
    version: int = 1
    status: int = ORG_ACTIVE


@dataclass
class Report:
    state: int
    version: int
    approvers: int = 0
    approvals: int = 0
    anchored_at: int = 0
    anchored_block: int = 0
    supersedes: bytes = ZERO32
    successor: bytes = ZERO32
    reason: int = 0


@dataclass
class Verifier:
    verifier_id: bytes
    index: int
    scope: int = 0
    valid_from: int = 0
    valid_until: int = 0
    suspended: bool = False
    for_cause: bool = False
    since: int = 0
    nonce_base: int = 0
    used: int = 0  # bit i: nonce_base + i used


@dataclass
class Attestation:
    verifier: str
    index: int
    verdict: int
    fields: int
    attested_at: int
    verified_at: int
    expires_at: int
    revoked_at: int = 0
    reason: int = 0
    evidence: bytes = ZERO32  # logged only (the audit rebuilds it from events)


@dataclass(frozen=True)
class Entry:
    """One entry of a signature blob (see the module docstring)."""

    slot: int
    key: str  # the address whose key signed
    message: tuple


# ------------------------------------------------------------------- model


@dataclass
class Model:
    governance: set[str]
    pausers: set[str]
    paused: bool = False
    orgs: dict[bytes, Org] = field(default_factory=dict)
    org_count: int = 0
    #: signer-set version history: (org, version) -> number of signers
    signer_counts: dict[tuple[bytes, int], int] = field(default_factory=dict)
    reports: dict[tuple[bytes, bytes], Report] = field(default_factory=dict)
    verifiers: dict[str, Verifier] = field(default_factory=dict)
    verifier_count: int = 0
    #: (org, root) -> the report's attestation list, in first-attested order
    attestations: dict[tuple[bytes, bytes], list[Attestation]] = field(default_factory=dict)

    # -------------------------------------------------------- helpers

    def _pause_check(self) -> None:
        require(not self.paused, "pausable: contract is paused")

    def _gov(self, sender: str) -> None:
        require(sender in self.governance, "access_control: account is missing role")

    def _active(self, org: bytes) -> Org:
        record = self.orgs.get(org)
        require(record is not None, "registry: unknown organisation")
        assert record is not None
        require(record.status == ORG_ACTIVE, "registry: organisation is suspended")
        return record

    def _report(self, org: bytes, root: bytes) -> Report | None:
        return self.reports.get((org, root))

    def _state(self, org: bytes, root: bytes) -> int:
        report = self._report(org, root)
        return 0 if report is None else report.state

    def _check_members(
        self, signers: Sequence[str], threshold: int, submitters: Sequence[str]
    ) -> None:
        require(threshold != 0, "registry: threshold is zero")
        require(threshold <= len(signers), "registry: threshold above the number of signers")
        seen: set[str] = set()
        for signer in signers:
            require(int(signer, 16) != 0, "registry: signer is the zero address")
            require(signer not in seen, "registry: duplicate signer")
            seen.add(signer)
        seen = set()
        for submitter in submitters:
            require(int(submitter, 16) != 0, "registry: submitter is the zero address")
            require(submitter not in seen, "registry: duplicate submitter")
            seen.add(submitter)

    def _check_signatures(
        self,
        now: int,
        org: bytes,
        record: Org,
        message_for: object,
        deadline: int,
        entries: Sequence[Entry],
        approvers: int,
        trailing: bool = False,
    ) -> tuple[int, int]:
        """`message_for(signer)` is the message the contract rebuilds."""
        require(now <= deadline, "registry: signatures expired")
        n = len(record.signers)
        bitmap, added, last = approvers, 0, 0
        for entry in entries:
            require(1 <= entry.slot <= n, "registry: no signer in that slot")
            require(entry.slot > last, "registry: signer slots not strictly ascending")
            last = entry.slot
            bit = 1 << (entry.slot - 1)
            if bitmap & bit == 0:
                signer = record.signers[entry.slot - 1]
                ok = entry.key == signer and entry.message == message_for(signer)  # type: ignore[operator]
                require(ok, "registry: invalid signature")
                bitmap |= bit
                added += 1
        require(not trailing, "registry: malformed signatures")
        require(added != 0, "registry: no new approval")
        return bitmap, added

    @staticmethod
    def approval_message(
        signer: str, org: bytes, root: bytes, supersedes: bytes, version: int, deadline: int
    ) -> tuple:
        return ("Approval", signer, org, root, supersedes, version, deadline)

    @staticmethod
    def revocation_message(
        signer: str, org: bytes, root: bytes, reason: int, version: int, deadline: int
    ) -> tuple:
        return ("Revocation", signer, org, root, reason, version, deadline)

    @staticmethod
    def update_message(
        signer: str,
        org: bytes,
        signers: Sequence[str],
        threshold: int,
        submitters: Sequence[str],
        version: int,
        deadline: int,
    ) -> tuple:
        return (
            "OrganisationUpdate",
            signer,
            org,
            tuple(signers),
            threshold,
            tuple(submitters),
            version,
            deadline,
        )

    def _supersedable(self, org: bytes, old: bytes) -> None:
        require(self._state(org, old) == ANCHORED, "registry: superseded report is not anchored")

    def _restart_if_stale(self, report: Report, record: Org) -> Report:
        if report.version == record.version:
            return replace(report)
        return replace(report, approvers=0, approvals=0, version=record.version)

    def _store_or_anchor(
        self, org: bytes, root: bytes, report: Report, record: Org, now: int, block: int
    ) -> list[tuple[bytes, bytes]]:
        """Returns the reports changed; raises before changing anything."""
        changed = [(org, root)]
        if report.approvals < record.threshold:
            self.reports[(org, root)] = report
            return changed
        if report.supersedes != ZERO32:
            self._supersedable(org, report.supersedes)
        report.state, report.anchored_at, report.anchored_block = ANCHORED, now, block
        if report.supersedes != ZERO32:
            self._supersede(org, report.supersedes, root)
            changed.append((org, report.supersedes))
        self.reports[(org, root)] = report
        return changed

    def _supersede(self, org: bytes, old: bytes, new: bytes) -> None:
        previous = self.reports[(org, old)]
        previous.state, previous.successor = SUPERSEDED, new

    # ------------------------------------------------ report registry

    def register_organisation(
        self,
        sender: str,
        org: bytes,
        signers: Sequence[str],
        threshold: int,
        submitters: Sequence[str],
    ) -> None:
        self._pause_check()
        self._gov(sender)
        require(org != ZERO32, "registry: organisation id is zero")
        require(org not in self.orgs, "registry: organisation already registered")
        self._check_members(signers, threshold, submitters)
        self.org_count += 1
        self.orgs[org] = Org(self.org_count, list(signers), threshold, list(submitters))
        self.signer_counts[(org, 1)] = len(signers)

    def update_organisation(
        self,
        now: int,
        org: bytes,
        signers: Sequence[str],
        threshold: int,
        submitters: Sequence[str],
        deadline: int,
        entries: Sequence[Entry],
    ) -> None:
        self._pause_check()
        record = self._active(org)
        version = record.version

        def message(signer: str) -> tuple:
            return self.update_message(
                signer, org, signers, threshold, submitters, version, deadline
            )

        _, added = self._check_signatures(now, org, record, message, deadline, entries, 0)
        require(added >= record.threshold, "registry: approvals below threshold")
        self._check_members(signers, threshold, submitters)
        record.signers, record.threshold, record.submitters = (
            list(signers),
            threshold,
            list(submitters),
        )
        record.version += 1
        self.signer_counts[(org, record.version)] = len(signers)

    def suspend_organisation(self, sender: str, org: bytes) -> None:
        self._gov(sender)
        self._active(org).status = ORG_SUSPENDED

    def reinstate_organisation(self, sender: str, org: bytes) -> None:
        self._pause_check()
        self._gov(sender)
        record = self.orgs.get(org)
        require(
            record is not None and record.status == ORG_SUSPENDED,
            "registry: organisation is not suspended",
        )
        assert record is not None
        record.status = ORG_ACTIVE

    def pause(self, sender: str) -> None:
        require(
            sender in self.pausers or sender in self.governance, "registry: caller may not pause"
        )
        self._pause_check()
        self.paused = True

    def unpause(self, sender: str) -> None:
        self._gov(sender)
        require(self.paused, "pausable: contract is not paused")
        self.paused = False

    def anchor(
        self,
        now: int,
        block: int,
        org: bytes,
        root: bytes,
        supersedes: bytes,
        deadline: int,
        entries: Sequence[Entry],
        correction: bool,
    ) -> list[tuple[bytes, bytes]]:
        self._pause_check()
        if correction:
            require(supersedes != ZERO32, "registry: superseded report is zero")
        record = self._active(org)
        require(root != ZERO32, "registry: report root is zero")
        require(self._report(org, root) is None, "registry: report already known")
        version = record.version

        def message(signer: str) -> tuple:
            return self.approval_message(signer, org, root, supersedes, version, deadline)

        approvers, approvals = self._check_signatures(
            now, org, record, message, deadline, entries, 0
        )
        require(approvals >= record.threshold, "registry: approvals below threshold")
        changed = [(org, root)]
        if supersedes != ZERO32:
            self._supersedable(org, supersedes)
            self._supersede(org, supersedes, root)
            changed.append((org, supersedes))
        self.reports[(org, root)] = Report(
            ANCHORED, version, approvers, approvals, now, block, supersedes
        )
        return changed

    def submit(self, sender: str, org: bytes, root: bytes, supersedes: bytes) -> None:
        self._pause_check()
        record = self._active(org)
        require(sender in record.submitters, "registry: caller is not a submitter")
        require(root != ZERO32, "registry: report root is zero")
        require(self._report(org, root) is None, "registry: report already known")
        if supersedes != ZERO32:
            self._supersedable(org, supersedes)
        self.reports[(org, root)] = Report(PENDING, record.version, supersedes=supersedes)

    def _pending(self, org: bytes, root: bytes) -> Report:
        report = self._report(org, root)
        require(report is not None and report.state == PENDING, "registry: report is not pending")
        assert report is not None
        return report

    def approve(
        self, now: int, block: int, sender: str, org: bytes, root: bytes, supersedes: bytes
    ) -> list[tuple[bytes, bytes]]:
        self._pause_check()
        record = self._active(org)
        stored = self._pending(org, root)
        require(supersedes == stored.supersedes, "registry: approval names another predecessor")
        report = self._restart_if_stale(stored, record)
        require(sender in record.signers, "registry: caller is not a signer")
        bit = 1 << record.signers.index(sender)
        require(report.approvers & bit == 0, "registry: signer already approved")
        report.approvers |= bit
        report.approvals += 1
        return self._store_or_anchor(org, root, report, record, now, block)

    def approve_with_signatures(
        self,
        now: int,
        block: int,
        org: bytes,
        root: bytes,
        deadline: int,
        entries: Sequence[Entry],
        trailing: bool = False,
    ) -> list[tuple[bytes, bytes]]:
        self._pause_check()
        record = self._active(org)
        report = self._restart_if_stale(self._pending(org, root), record)
        version = record.version

        def message(signer: str) -> tuple:
            return self.approval_message(signer, org, root, report.supersedes, version, deadline)

        approvers, added = self._check_signatures(
            now, org, record, message, deadline, entries, report.approvers, trailing
        )
        report.approvers = approvers
        report.approvals += added
        return self._store_or_anchor(org, root, report, record, now, block)

    def revoke(
        self,
        now: int,
        org: bytes,
        root: bytes,
        reason: int,
        deadline: int,
        entries: Sequence[Entry],
    ) -> None:
        record = self._active(org)
        state = self._state(org, root)
        require(state != 0, "registry: unknown report")
        require(state in (PENDING, ANCHORED), "registry: report is not pending or anchored")
        version = record.version

        def message(signer: str) -> tuple:
            return self.revocation_message(signer, org, root, reason, version, deadline)

        _, added = self._check_signatures(now, org, record, message, deadline, entries, 0)
        require(added >= record.threshold, "registry: approvals below threshold")
        self._revoke(org, root, reason)

    def revoke_for_cause(self, sender: str, org: bytes, root: bytes, reason: int) -> None:
        self._gov(sender)
        require(
            self._state(org, root) in (PENDING, ANCHORED, SUPERSEDED),
            "registry: report is not pending, anchored or superseded",
        )
        self._revoke(org, root, reason)

    def _revoke(self, org: bytes, root: bytes, reason: int) -> None:
        require(reason != 0, "registry: revocation reason is zero")
        report = self.reports[(org, root)]
        report.state, report.reason = REVOKED, reason

    # ------------------------------------------- attestation registry

    def _known(self, verifier: str) -> Verifier:
        record = self.verifiers.get(verifier)
        require(record is not None, "attestations: unknown verifier")
        assert record is not None
        return record

    def accredit_verifier(
        self,
        now: int,
        sender: str,
        verifier: str,
        verifier_id: bytes,
        scope: int,
        valid_from: int,
        valid_until: int,
    ) -> None:
        self._pause_check()
        self._gov(sender)
        require(int(verifier, 16) != 0, "attestations: verifier is the zero address")
        require(verifier_id != ZERO32, "attestations: verifier id is zero")
        require(scope != 0, "attestations: scope is empty")
        require(scope < 2**12, "attestations: scope has unknown fields")
        require(valid_from < valid_until, "attestations: accreditation window is empty")
        require(valid_until >= now, "attestations: accreditation window is over")
        require(valid_until <= MASK40, "attestations: time out of range")
        record = self.verifiers.get(verifier)
        if record is None:
            self.verifier_count += 1
            record = Verifier(verifier_id, self.verifier_count)
            self.verifiers[verifier] = record
        else:
            require(not record.for_cause, "attestations: verifier was suspended for cause")
            require(
                record.verifier_id == verifier_id,
                "attestations: a verifier keeps its id; accredit a new key for another id",
            )
        record.scope, record.valid_from, record.valid_until = scope, valid_from, valid_until
        record.suspended = False

    def extend_accreditation(self, sender: str, verifier: str, valid_until: int) -> None:
        self._pause_check()
        self._gov(sender)
        record = self._known(verifier)
        require(not record.suspended, "attestations: verifier is suspended")
        require(valid_until > record.valid_until, "attestations: accreditation is not extended")
        require(valid_until <= MASK40, "attestations: time out of range")
        record.valid_until = valid_until

    def suspend_verifier(self, sender: str, verifier: str) -> None:
        self._gov(sender)
        record = self._known(verifier)
        require(not record.suspended, "attestations: verifier is already suspended")
        record.suspended = True

    def suspend_verifier_for_cause(
        self, now: int, sender: str, verifier: str, invalid_since: int
    ) -> None:
        self._gov(sender)
        record = self._known(verifier)
        require(invalid_since <= now, "attestations: cut-off is in the future")
        if record.for_cause:
            require(invalid_since < record.since, "attestations: cut-off may only move earlier")
        record.since, record.suspended, record.for_cause = invalid_since, True, True

    def _attest_checks(
        self,
        now: int,
        verifier: str,
        record: Verifier | None,
        org: bytes,
        root: bytes,
        verdict: int,
        fields: int,
        verified_at: int,
        expires_at: int,
    ) -> tuple[list[Attestation], int]:
        require(record is not None, "attestations: not an accredited verifier")
        assert record is not None
        require(not record.suspended, "attestations: verifier is suspended")
        require(record.valid_from <= now, "attestations: accreditation not yet valid")
        require(now <= record.valid_until, "attestations: accreditation expired")
        require(1 <= verdict <= 3, "attestations: invalid verdict")
        require(fields != 0, "attestations: no fields attested")
        require(fields & ~record.scope == 0, "attestations: fields outside the verifier's scope")
        require(verified_at != 0, "attestations: verification time is zero")
        require(verified_at <= now, "attestations: verification time is in the future")
        require(expires_at > now, "attestations: expiry is not in the future")
        require(
            expires_at <= record.valid_until, "attestations: expiry is after the accreditation ends"
        )
        require(not self.paused, "pausable: contract is paused")
        state = self._state(org, root)
        require(state != SUPERSEDED, "attestations: report is superseded")
        require(state != REVOKED, "attestations: report is revoked")
        require(state == ANCHORED, "attestations: report is not anchored")
        entries = self.attestations.get((org, root), [])
        position = next((i for i, e in enumerate(entries) if e.index == record.index), len(entries))
        require(
            position < MAX_ATTESTATIONS,
            "attestations: the report already has attestations from"
            " MAX_ATTESTATIONS (32) verifiers",
        )
        if position < len(entries):
            previous = entries[position]
            if previous.revoked_at != 0:
                require(
                    verified_at > previous.verified_at,
                    "attestations: revoked; only a later verification can attest again",
                )
            else:
                require(
                    verified_at >= previous.verified_at,
                    "attestations: a later verification is on record",
                )
        return entries, position

    def _write_attestation(
        self,
        now: int,
        verifier: str,
        record: Verifier,
        org: bytes,
        root: bytes,
        entries: list[Attestation],
        position: int,
        verdict: int,
        fields: int,
        verified_at: int,
        expires_at: int,
        evidence: bytes,
    ) -> None:
        entry = Attestation(
            verifier, record.index, verdict, fields, now, verified_at, expires_at, evidence=evidence
        )
        if position < len(entries):
            entries[position] = entry
        else:
            entries.append(entry)
        self.attestations[(org, root)] = entries

    def attest(
        self,
        now: int,
        sender: str,
        org: bytes,
        root: bytes,
        verdict: int,
        fields: int,
        verified_at: int,
        expires_at: int,
        evidence: bytes = ZERO32,
    ) -> None:
        record = self.verifiers.get(sender)
        entries, position = self._attest_checks(
            now, sender, record, org, root, verdict, fields, verified_at, expires_at
        )
        assert record is not None
        self._write_attestation(
            now,
            sender,
            record,
            org,
            root,
            entries,
            position,
            verdict,
            fields,
            verified_at,
            expires_at,
            evidence,
        )

    def _signature(self, now: int, verifier: str, key: str, good: bool, deadline: int) -> None:
        require(now <= deadline, "attestations: signature expired")
        require(key == verifier and good, "attestations: invalid verifier signature")

    def _nonce_after_use(self, record: Verifier | None, nonce: int) -> tuple[int, int]:
        base, used = (0, 0) if record is None else (record.nonce_base, record.used)
        require(nonce >= base, "attestations: nonce already used")
        require(nonce - base < NONCE_WINDOW, "attestations: nonce beyond the window")
        bit = 1 << (nonce - base)
        require(used & bit == 0, "attestations: nonce already used")
        return self._slide(base, used | bit)

    @staticmethod
    def _slide(base: int, used: int) -> tuple[int, int]:
        for _ in range(NONCE_WINDOW):
            if used & 1 == 0:
                break
            used >>= 1
            base += 1
        require(base <= MASK32, "attestations: nonces exhausted")
        return base, used

    def attest_by_signature(
        self,
        now: int,
        verifier: str,
        key: str,
        good: bool,
        org: bytes,
        root: bytes,
        verdict: int,
        fields: int,
        verified_at: int,
        expires_at: int,
        nonce: int,
        deadline: int,
        evidence: bytes = ZERO32,
    ) -> None:
        self._signature(now, verifier, key, good, deadline)
        record = self.verifiers.get(verifier)
        base, used = self._nonce_after_use(record, nonce)
        entries, position = self._attest_checks(
            now, verifier, record, org, root, verdict, fields, verified_at, expires_at
        )
        assert record is not None
        record.nonce_base, record.used = base, used
        self._write_attestation(
            now,
            verifier,
            record,
            org,
            root,
            entries,
            position,
            verdict,
            fields,
            verified_at,
            expires_at,
            evidence,
        )

    def _revoke_checks(
        self, verifier: str, org: bytes, root: bytes, reason: int, attested_at: int
    ) -> Attestation:
        require(reason != 0, "attestations: revocation reason is zero")
        record = self.verifiers.get(verifier)
        entry = None
        if record is not None:
            entry = next(
                (e for e in self.attestations.get((org, root), []) if e.index == record.index),
                None,
            )
        require(entry is not None, "attestations: no attestation of this report by the verifier")
        assert entry is not None
        require(
            attested_at == 0 or entry.attested_at == attested_at,
            "attestations: signed for another attestation",
        )
        require(entry.revoked_at == 0, "attestations: attestation already revoked")
        return entry

    def revoke_attestation(
        self, now: int, sender: str, org: bytes, root: bytes, reason: int
    ) -> None:
        entry = self._revoke_checks(sender, org, root, reason, 0)
        entry.revoked_at, entry.reason = now, reason

    def revoke_attestation_by_signature(
        self,
        now: int,
        verifier: str,
        key: str,
        good: bool,
        org: bytes,
        root: bytes,
        attested_at: int,
        reason: int,
        nonce: int,
        deadline: int,
    ) -> None:
        require(
            attested_at != 0, "attestations: revocation names no attestation (attested_at is 0)"
        )
        self._signature(now, verifier, key, good, deadline)
        entry = self._revoke_checks(verifier, org, root, reason, attested_at)
        record = self.verifiers.get(verifier)
        base, used = self._nonce_after_use(record, nonce)
        assert record is not None
        entry.revoked_at, entry.reason = now, reason
        record.nonce_base, record.used = base, used

    def cancel_nonces(self, verifier: str, below: int) -> None:
        record = self._known(verifier)
        require(below > record.nonce_base, "attestations: every nonce below that is already used")
        require(below <= MASK32, "attestations: nonce out of range")
        shift = below - record.nonce_base
        used = 0 if shift >= NONCE_WINDOW else record.used >> shift
        record.nonce_base, record.used = self._slide(below, used)

    def cancel_nonces_by_signature(
        self, now: int, verifier: str, key: str, good: bool, below: int, deadline: int
    ) -> None:
        self._signature(now, verifier, key, good, deadline)
        self.cancel_nonces(verifier, below)

    # ------------------------------------------------------- views

    def verifier_status(self, verifier: str, now: int) -> int:
        record = self.verifiers.get(verifier)
        if record is None:
            return 0
        if record.for_cause:
            return 5
        if record.suspended:
            return 4
        if now < record.valid_from:
            return 2
        if now > record.valid_until:
            return 3
        return 1

    def attestation_flags(self, entry: Attestation, now: int) -> tuple[bool, bool, bool]:
        """(expired, invalidated, valid) of an attestation at time `now`."""
        record = self.verifiers[entry.verifier]
        invalidated = record.for_cause and entry.attested_at >= record.since
        expired = now >= entry.expires_at
        return expired, invalidated, entry.revoked_at == 0 and not expired and not invalidated

    def accepted(self, org: bytes, root: bytes, now: int) -> bool:
        record = self.orgs.get(org)
        if self._state(org, root) != ANCHORED or record is None or record.status != ORG_ACTIVE:
            return False
        if self.paused:
            return False
        return any(
            self.attestation_flags(e, now)[2] and e.verdict == 1
            for e in self.attestations.get((org, root), [])
        )
