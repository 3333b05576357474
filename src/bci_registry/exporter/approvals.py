"""Approval files: what a signer hands to the submitter (ERP) to anchor a report.

A signer signs offline into a small JSON file; the submitter collects M of
them and sends one transaction. Loading a file checks every field, so a
file for another chain, registry, report or deadline is refused before
anything is sent. The format (``bci-approval/1``) is specified in
``docs/file-formats.md``::

    {"kind": "bci-approval/1", "chainId": 84532, "registry": "0x…",
     "organisation": "0x<64 hex>", "report": "0x<64 hex>", "supersedes": "0x<64 hex>",
     "signerSetVersion": 1, "deadline": 1767225600,
     "signer": "0x…", "signature": "0x<65 bytes r || s || v>", "wallet": false}

The signature is over the EIP-712 ``Approval`` message naming ``signer``.
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
from bci_registry.signatures import SignatureError, SignedApproval, compact

APPROVAL_FILE_KIND = "bci-approval/1"
#: Every signature in a file: r || s || v (an EIP-1271 wallet's: its own 65 bytes).
FILE_SIGNATURE_BYTES = 65


def check_file_signature(approval: SignedApproval) -> None:
    """A file's signature is the 65-byte form; a 64-byte compact one is named as such."""
    if approval.wallet:
        if len(approval.signature) != FILE_SIGNATURE_BYTES:
            raise SignatureError(
                f"the wallet signature of {approval.signer} is {len(approval.signature)} "
                f"bytes; files hold {FILE_SIGNATURE_BYTES}-byte signatures"
            )
        return
    compact(approval.signature)  # names a 64-byte (EIP-2098) signature clearly


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
            self.approval.signer,
            self.organisation,
            self.report,
            self.supersedes,
            self.signer_set_version,
            self.deadline,
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
            loaded = cls(
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
            check_file_signature(loaded.approval)
            return loaded
        except SignatureError as exc:
            raise InputError(f"{path}: {exc}") from exc
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
