"""Approval files: what a signer hands to the submitter (ERP) to anchor a report.

A signer signs offline into a small JSON file; the submitter collects M of
them and sends one transaction. Loading a file checks every field, so a
file for another chain, registry, report or deadline is refused before
anything is sent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bci_registry import inputs, outputs
from bci_registry.eip712 import Domain
from bci_registry.registry import InputError, approval_message, organisation_id, report_root
from bci_registry.signatures import SignedApproval

APPROVAL_FILE_KIND = "bci-approval/1"


@dataclass(frozen=True)
class ApprovalFile:
    domain: Domain
    organisation: bytes
    report: bytes
    supersedes: bytes
    signer_set_version: int
    deadline: int
    approval: SignedApproval

    def message(self) -> dict[str, Any]:
        return approval_message(
            self.organisation, self.report, self.supersedes, self.signer_set_version, self.deadline
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": APPROVAL_FILE_KIND,
            "chainId": self.domain.chain_id,
            "registry": self.domain.verifying_contract,
            "organisation": "0x" + self.organisation.hex(),
            "report": "0x" + self.report.hex(),
            "supersedes": "0x" + self.supersedes.hex(),
            "signerSetVersion": self.signer_set_version,
            "deadline": self.deadline,
            **self.approval.to_json(),
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        outputs.write_text(path, json.dumps(self.to_json(), indent=2) + "\n")  # regular files only

    @classmethod
    def read(cls, path: Path) -> ApprovalFile:
        try:  # the bounded loader: regular file, size, UTF-8, depth, number length
            text = inputs.read_text(path, "approval file", inputs.MAX_SMALL_FILE_BYTES)
            data = inputs.parse_json(text)
        except inputs.BoundedInputError as exc:
            raise InputError(f"{path}: cannot read approval file ({exc.reason})") from None
        if not isinstance(data, dict) or data.get("kind") != APPROVAL_FILE_KIND:
            raise InputError(f"{path}: not an approval file (expected kind {APPROVAL_FILE_KIND!r})")
        try:
            return cls(
                domain=Domain(
                    chain_id=int(data["chainId"]), verifying_contract=str(data["registry"])
                ),
                organisation=organisation_id(str(data["organisation"])),
                report=report_root(str(data["report"])),
                supersedes=report_root(str(data["supersedes"])),
                signer_set_version=int(data["signerSetVersion"]),
                deadline=int(data["deadline"]),
                approval=SignedApproval.from_json(data),
            )
        except KeyError as exc:
            raise InputError(f"{path}: missing field {exc}") from exc
        except (TypeError, ValueError) as exc:
            raise InputError(f"{path}: {exc}") from exc


def common_terms(files: Sequence[tuple[Path, ApprovalFile]]) -> ApprovalFile:
    """Check that approval files approve the same thing; return the first as the reference."""
    if not files:
        raise InputError("no approval files given")
    first_path, first = files[0]
    for path, other in files[1:]:
        for name in (
            "domain",
            "organisation",
            "report",
            "supersedes",
            "signer_set_version",
            "deadline",
        ):
            if getattr(other, name) != getattr(first, name):
                raise InputError(f"{path}: {name} differs from {first_path}")
    return first
