"""The attestation registry's ``customs_view`` answer as plain records.

Built from the ABI-decoded struct by component *name*, so a field added to a
struct later (the attestation struct may still grow) is ignored until a check
needs it, while a field this code needs and the contract lacks is named in a
clear error. Tests fabricate these records directly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from bci_registry.customs.errors import ChainUnavailable
from bci_registry.registry import ORGANISATION_STATES, REPORT_STATES, ZERO32, organisation_label

UNKNOWN, PENDING, ANCHORED, SUPERSEDED, REVOKED = range(5)
ORGANISATION_ACTIVE, ORGANISATION_SUSPENDED = 1, 2
VERDICTS = {0: "none", 1: "pass", 2: "fail", 3: "qualified"}
VERDICT_PASS, VERDICT_FAIL, VERDICT_QUALIFIED = 1, 2, 3

T = TypeVar("T")


def _record(cls: type[T], data: Mapping[str, Any], struct: str) -> T:
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    missing = [name for name in names if name not in data]
    if missing:
        raise ChainUnavailable(
            f"the contract's {struct} has no {', '.join(missing)}: the shipped ABI "
            "(bci_registry/abi) does not match this code"
        )
    return cls(**{name: data[name] for name in names})


@dataclass(frozen=True)
class ReportRecord:
    """``IReportRegistry.ReportStatus``."""

    state: int
    organisation: bytes
    organisation_status: int
    approvals: int
    threshold: int
    approvers: int
    signer_set_version: int
    anchored_at: int
    anchored_block: int
    supersedes: bytes
    superseded_by: bytes
    revocation_reason: int
    #: The registry is paused now (trust-reducing actions still work while paused).
    paused: bool = False

    @classmethod
    def from_abi(cls, data: Mapping[str, Any]) -> ReportRecord:
        return _record(cls, data, "ReportStatus")

    @classmethod
    def from_struct(cls, view: Any) -> ReportRecord:
        """From a decoded struct with attributes (Ape's return value)."""
        return cls(**{f.name: getattr(view, f.name) for f in dataclasses.fields(cls)})

    @property
    def state_name(self) -> str:
        return REPORT_STATES.get(self.state, f"state {self.state}")

    @property
    def organisation_name(self) -> str:
        return organisation_label(self.organisation)

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state_name,
            "organisation": self.organisation_name,
            "organisation_status": ORGANISATION_STATES.get(
                self.organisation_status, str(self.organisation_status)
            ),
            "approvals": self.approvals,
            "threshold": self.threshold,
            "approvers": self.approvers,
            "signer_set_version": self.signer_set_version,
            "anchored_at": self.anchored_at,
            "anchored_block": self.anchored_block,
            "supersedes": _root_or_none(self.supersedes),
            "superseded_by": _root_or_none(self.superseded_by),
            "revocation_reason": self.revocation_reason,
            "paused": self.paused,
        }

    def summary(self, report: str, organisation: bytes | None = None) -> str:
        """A few lines for a person (the `status` script)."""
        lines = [f"report        {report}", f"state         {self.state_name}"]
        if self.paused:
            lines.append("registry      PAUSED (only trust-reducing actions work)")
        if self.state == 0:
            if organisation is not None:
                lines.append(
                    f"organisation  {organisation_label(organisation)} "
                    "(the registry knows no report with this root under it)"
                )
            return "\n".join(lines)
        status = ORGANISATION_STATES.get(self.organisation_status, str(self.organisation_status))
        lines.append(f"organisation  {self.organisation_name} ({status})")
        lines.append(f"approvals     {self.approvals} (threshold {self.threshold})")
        if self.anchored_at:
            when = dt.datetime.fromtimestamp(self.anchored_at, dt.UTC).isoformat()
            lines.append(
                f"anchored      {when.replace('+00:00', 'Z')} in block {self.anchored_block}"
            )
        if self.supersedes != ZERO32:
            lines.append(f"corrects      {_root_or_none(self.supersedes)}")
        if self.superseded_by != ZERO32:
            lines.append(f"superseded by {_root_or_none(self.superseded_by)}")
        if self.revocation_reason:
            lines.append(f"revoked       reason {self.revocation_reason}")
        return "\n".join(lines)


@dataclass(frozen=True)
class AttestationRecord:
    """``IAttestationRegistry.AttestationStatus`` (``valid``: the contract's, at ``checked_at``)."""

    verifier: str
    verifier_index: int
    verifier_id: bytes
    verdict: int
    fields: int
    verified_at: int
    expires_at: int
    attested_at: int
    revoked_at: int
    revocation_reason: int
    expired: bool
    invalidated: bool
    valid: bool

    @classmethod
    def from_abi(cls, data: Mapping[str, Any]) -> AttestationRecord:
        return _record(cls, data, "AttestationStatus")

    @property
    def verdict_name(self) -> str:
        return VERDICTS.get(self.verdict, f"verdict {self.verdict}")

    def to_json(self) -> dict[str, Any]:
        from bci_registry.report.fields import fields_from_mask

        return {
            "verifier": self.verifier,
            "verifier_index": self.verifier_index,
            "verifier_id": "0x" + self.verifier_id.hex(),
            "verdict": self.verdict_name,
            "fields": list(fields_from_mask(self.fields & 0xFFF)),
            "verified_at": self.verified_at,
            "expires_at": self.expires_at,
            "attested_at": self.attested_at,
            "revoked_at": self.revoked_at,
            "revocation_reason": self.revocation_reason,
            "expired": self.expired,
            "invalidated": self.invalidated,
            "valid": self.valid,
        }


@dataclass(frozen=True)
class CustomsView:
    """One report's status and all its attestations, as of block time ``checked_at``."""

    report: ReportRecord
    attestations: tuple[AttestationRecord, ...]
    checked_at: int
    #: The contract's combined flag: anchored, organisation active, not paused, and
    #: at least one valid pass attestation. Customs policies check more.
    accepted: bool = False
    #: The batch proof the report was read with (``member_status``), or None: read alone.
    batch: Any = None  # bci_registry.exporter.batch_tree.BatchProof

    @classmethod
    def from_abi(cls, data: Mapping[str, Any]) -> CustomsView:
        """From the decoded ``CustomsView`` (every attestation of the report is in it)."""
        return cls(
            report=ReportRecord.from_abi(data["report"]),
            attestations=tuple(AttestationRecord.from_abi(a) for a in data["attestations"]),
            checked_at=int(data["checked_at"]),
            accepted=bool(data.get("accepted", False)),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "report": self.report.to_json(),
            "attestations": [a.to_json() for a in self.attestations],
            "checked_at": self.checked_at,
            "accepted": self.accepted,
        }
        if self.batch is not None:
            out["batch"] = {
                "root": "0x" + self.batch.batch.hex(),
                "size": self.batch.size,
                "proof_length": len(self.batch.proof),
            }
        return out

    def as_member(self, status: ReportRecord, batch: Any) -> CustomsView:
        """This view with the report part read through a batch proof (``member_status``).

        The attestations stay the report's own (keyed by organisation and member
        root); ``accepted`` is recomputed as the contract computes it for a report.
        """
        accepted = (
            status.state == ANCHORED
            and status.organisation_status == ORGANISATION_ACTIVE
            and not status.paused
            and any(a.valid and a.verdict == VERDICT_PASS for a in self.attestations)
        )
        return dataclasses.replace(self, report=status, accepted=accepted, batch=batch)


def _root_or_none(raw: bytes) -> str | None:
    return None if raw == ZERO32 else "0x" + raw.hex()
