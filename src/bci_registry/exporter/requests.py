"""Approval requests and multi-report approval files: how signers approve a batch.

The ERP writes one *approval request* for a batch of sealed reports; each
signer signs every root in it once (``approve --request FILE --out FILE``)
into one *approvals file*; the ERP then anchors each report with one
``anchor`` transaction carrying the signers' signatures for that root.

Approval request (``bci-approval-request/1``)::

    {"kind": "bci-approval-request/1", "chainId": 84532, "registry": "0x…",
     "organisation": "0x<64 hex>", "signerSetVersion": 1, "deadline": 1767225600,
     "reports": [{"root": "0x<64 hex>", "file": "r01.json"}, …]}

Approvals file (``bci-approvals/1``), one signer, many roots::

    {"kind": "bci-approvals/1", <the same chainId … deadline>,
     "signer": "0x…", "wallet": false,
     "approvals": [{"report": "0x<64 hex>", "signature": "0x<65 bytes>"}, …]}

Each signature is over the EIP-712 ``Approval`` of one root (``supersedes``
zero) naming the file's signer; signatures are 65-byte ``r || s || v``
(an EIP-1271 wallet's: its own 65 bytes, ``"wallet": true``). The formats are
specified in ``docs/file-formats.md``.

Batch roots (``submit --batch DIR --as-batch``): a request entry with a
``"size"`` is the root of a batch of that many reports; its signature is over
the EIP-712 ``BatchApproval`` of (batch root, size), and the approvals file
entry carries the same ``"size"``. A single-report ``bci-approval/1`` file
(``bci_registry.exporter.approvals``) is read as an approvals file with one
entry, so both kinds mix freely.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage
from eth_utils import to_checksum_address

from bci_registry import inputs
from bci_registry.eip712 import Domain, signable
from bci_registry.exporter.approvals import (
    APPROVAL_FILE_KIND,
    ApprovalFile,
    check_file_signature,
)
from bci_registry.registry import (
    ZERO32,
    InputError,
    approval_message,
    organisation_id,
    organisation_label,
    report_root,
)
from bci_registry.report.files import write_text
from bci_registry.report.leaves import hex32
from bci_registry.signatures import SignatureError, SignedApproval, pack

REQUEST_KIND = "bci-approval-request/1"
APPROVALS_KIND = "bci-approvals/1"


@dataclass(frozen=True)
class ApprovalTerms:
    """What every signature of a request shares: the domain, organisation, version, deadline."""

    domain: Domain
    organisation: bytes
    signer_set_version: int
    deadline: int
    supersedes: bytes = ZERO32

    def primary_type(self, size: int | None) -> str:
        return "Approval" if size is None else "BatchApproval"

    def message(self, report: bytes, signer: str, size: int | None = None) -> dict[str, Any]:
        """The EIP-712 ``Approval`` of ``report`` by ``signer`` under these terms
        (``size`` given: the ``BatchApproval`` of the batch root ``report``)."""
        if size is not None:
            from bci_registry.exporter.batch_tree import batch_approval_message

            return batch_approval_message(
                signer,
                self.organisation,
                report,
                size,
                self.signer_set_version,
                self.deadline,
            )
        return approval_message(
            signer,
            self.organisation,
            report,
            self.supersedes,
            self.signer_set_version,
            self.deadline,
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "chainId": self.domain.chain_id,
            "registry": self.domain.verifying_contract,
            "organisation": hex32(self.organisation),
            "signerSetVersion": self.signer_set_version,
            "deadline": self.deadline,
        }
        if self.supersedes != ZERO32:
            data["supersedes"] = hex32(self.supersedes)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ApprovalTerms:
        """Raises KeyError, TypeError or ValueError (InputError) on a malformed header."""
        return cls(
            domain=Domain(
                chain_id=_int(data["chainId"], "chainId"),
                verifying_contract=to_checksum_address(str(data["registry"])),
            ),
            organisation=organisation_id(str(data["organisation"])),
            signer_set_version=_int(data["signerSetVersion"], "signerSetVersion"),
            deadline=_int(data["deadline"], "deadline"),
            supersedes=report_root(str(data.get("supersedes", hex32(ZERO32)))),
        )

    def differences(self, other: ApprovalTerms) -> list[str]:
        """Readable names of the terms in which ``other`` differs from these."""
        names = []
        if other.domain.chain_id != self.domain.chain_id:
            names.append(f"chain id ({other.domain.chain_id}, expected {self.domain.chain_id})")
        if other.domain.verifying_contract != self.domain.verifying_contract:
            names.append(
                f"registry ({other.domain.verifying_contract}, "
                f"expected {self.domain.verifying_contract})"
            )
        if other.organisation != self.organisation:
            names.append(
                f"organisation ({organisation_label(other.organisation)}, "
                f"expected {organisation_label(self.organisation)})"
            )
        if other.supersedes != self.supersedes:
            names.append("supersedes")
        if other.signer_set_version != self.signer_set_version:
            names.append(
                f"signer set version ({other.signer_set_version}, "
                f"expected {self.signer_set_version})"
            )
        if other.deadline != self.deadline:
            names.append(f"deadline ({other.deadline}, expected {self.deadline})")
        return names


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{name} must be an integer, got {value!r}")
    return value


@dataclass(frozen=True)
class RequestedReport:
    root: bytes
    file: str
    #: A batch root: the number of reports in it (signed as ``BatchApproval``).
    size: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"root": hex32(self.root), "file": self.file}
        if self.size is not None:
            out["size"] = self.size
        return out


@dataclass(frozen=True)
class ApprovalRequest:
    """The ERP's request that signers approve a list of report roots."""

    terms: ApprovalTerms
    reports: tuple[RequestedReport, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": REQUEST_KIND,
            **self.terms.to_json(),
            "reports": [r.to_json() for r in self.reports],
        }

    def write(self, path: Path) -> None:
        _write_json(path, self.to_json())

    @classmethod
    def read(cls, path: Path) -> ApprovalRequest:
        data = _read_json(path, REQUEST_KIND, "approval request")
        try:
            terms = ApprovalTerms.from_json(data)
            if terms.supersedes != ZERO32:
                raise InputError("a batch request cannot approve corrections (supersedes)")
            raw = data["reports"]
            if not isinstance(raw, list) or not raw:
                raise InputError("reports must be a non-empty list")
            reports = tuple(
                RequestedReport(
                    root=report_root(str(item["root"])),
                    file=str(item["file"]),
                    size=_size(item.get("size")),
                )
                for item in raw
            )
        except KeyError as exc:
            raise InputError(f"{path}: missing field {exc}") from exc
        except (TypeError, ValueError) as exc:
            raise InputError(f"{path}: {exc}") from exc
        roots = [r.root for r in reports]
        if len(set(roots)) != len(roots):
            raise InputError(f"{path}: a report root is listed twice")
        return cls(terms=terms, reports=reports)


@dataclass(frozen=True)
class SignerApprovals:
    """One signer's signatures over many roots, under shared terms (an approvals file)."""

    terms: ApprovalTerms
    signer: str
    signatures: Mapping[bytes, bytes] = field(default_factory=dict)
    wallet: bool = False
    #: Batch roots among ``signatures``: their sizes (signed as ``BatchApproval``).
    sizes: Mapping[bytes, int] = field(default_factory=dict)

    def approval(self, root: bytes) -> SignedApproval:
        return SignedApproval(
            signer=self.signer, signature=self.signatures[root], wallet=self.wallet
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": APPROVALS_KIND,
            **self.terms.to_json(),
            "signer": self.signer,
            "wallet": self.wallet,
            "approvals": [
                {"report": hex32(root), "signature": "0x" + sig.hex()}
                | ({"size": self.sizes[root]} if root in self.sizes else {})
                for root, sig in self.signatures.items()
            ],
        }

    def write(self, path: Path) -> None:
        _write_json(path, self.to_json())

    def check_signatures(self) -> None:
        """Every EOA signature recovers to the signer (wallet signatures are checked on chain)."""
        if self.wallet:
            return
        for root, signature in self.signatures.items():
            size = self.sizes.get(root)
            message = signable(
                self.terms.domain,
                self.terms.primary_type(size),
                self.terms.message(root, self.signer, size),
            )
            try:
                recovered = Account.recover_message(message, signature=signature)
            except (ValueError, TypeError) as exc:
                raise SignatureError(
                    f"the signature for report {hex32(root)} is malformed: {exc}"
                ) from None
            if recovered != self.signer:
                raise SignatureError(
                    f"the signature for report {hex32(root)} was not made by {self.signer} "
                    "under these terms"
                )

    @classmethod
    def read(cls, path: Path) -> SignerApprovals:
        """An approvals file, or a single-report approval file as one entry."""
        data = _read_json(path, None, "approval file")
        kind = data.get("kind")
        if kind == APPROVAL_FILE_KIND:
            single = ApprovalFile.read(path)
            terms = ApprovalTerms(
                single.domain,
                single.organisation,
                single.signer_set_version,
                single.deadline,
                single.supersedes,
            )
            return cls(
                terms=terms,
                signer=single.approval.signer,
                signatures={single.report: single.approval.signature},
                wallet=single.approval.wallet,
            )
        if kind != APPROVALS_KIND:
            raise InputError(
                f"{path}: not an approval file (expected kind {APPROVALS_KIND!r} "
                f"or {APPROVAL_FILE_KIND!r})"
            )
        try:
            signatures: dict[bytes, bytes] = {}
            sizes: dict[bytes, int] = {}
            for item in data["approvals"]:
                root = report_root(str(item["report"]))
                if root in signatures:
                    raise InputError(f"report {hex32(root)} is signed twice")
                signatures[root] = bytes.fromhex(str(item["signature"]).removeprefix("0x"))
                size = _size(item.get("size"))
                if size is not None:
                    sizes[root] = size
            loaded = cls(
                terms=ApprovalTerms.from_json(data),
                signer=to_checksum_address(str(data["signer"])),
                signatures=signatures,
                wallet=bool(data.get("wallet", False)),
                sizes=sizes,
            )
            for root in signatures:
                try:
                    check_file_signature(loaded.approval(root))
                except SignatureError as exc:
                    raise InputError(f"report {hex32(root)}: {exc}") from exc
            return loaded
        except KeyError as exc:
            raise InputError(f"{path}: missing field {exc}") from exc
        except (TypeError, ValueError) as exc:
            raise InputError(f"{path}: {exc}") from exc


def sign_request(
    request: ApprovalRequest, signer: str, sign: Callable[[SignableMessage], bytes]
) -> SignerApprovals:
    """Sign every root of ``request``; ``sign`` returns a 65-byte ``r || s || v`` signature."""
    terms = request.terms
    signatures = {
        report.root: sign(
            signable(
                terms.domain,
                terms.primary_type(report.size),
                terms.message(report.root, signer, report.size),
            )
        )
        for report in request.reports
    }
    sizes = {r.root: r.size for r in request.reports if r.size is not None}
    return SignerApprovals(terms=terms, signer=signer, signatures=signatures, sizes=sizes)


@dataclass(frozen=True)
class Approvals:
    """The approval files given to one submission, checked against each other."""

    files: tuple[tuple[Path, SignerApprovals], ...]

    @property
    def terms(self) -> ApprovalTerms:
        return self.files[0][1].terms

    @classmethod
    def read(cls, paths: Sequence[Path]) -> Approvals:
        """Read and cross-check: same terms, one file per signer, signatures recover."""
        if not paths:
            raise InputError("no approval files given (--approval FILE, one per signer)")
        files = tuple((path, SignerApprovals.read(path)) for path in paths)
        first_path, first = files[0]
        signers: dict[str, Path] = {}
        for path, approvals in files:
            if differ := first.terms.differences(approvals.terms):
                raise InputError(
                    f"{path} and {first_path} approve under different terms: {', '.join(differ)}"
                )
            if approvals.signer in signers:
                raise InputError(
                    f"{path} and {signers[approvals.signer]} are both from {approvals.signer}"
                )
            signers[approvals.signer] = path
            try:
                approvals.check_signatures()
            except SignatureError as exc:
                raise InputError(f"{path}: {exc}") from exc
        return cls(files=files)

    def check_terms(self, expected: ApprovalTerms) -> None:
        """The files must approve on this chain, registry, organisation and signer set."""
        if differ := expected.differences(self.terms):
            raise InputError(
                f"{self.files[0][0]} does not match this submission: {', '.join(differ)}"
            )

    def approvals_for(self, root: bytes) -> list[SignedApproval]:
        """Every file's signature over ``root``."""
        return [a.approval(root) for _, a in self.files if root in a.signatures]

    def blobs(
        self,
        reports: Sequence[tuple[str, bytes]],
        threshold: int,
        all_roots: Sequence[bytes],
        signers: Sequence[str],
    ) -> dict[bytes, bytes]:
        """The signature blob of each (name, root) in ``reports``, from every file that signs it.

        ``signers`` is the organisation's signer list in slot order (the blob is
        indexed by slot). Raises InputError if a file signs none of ``all_roots``
        (the batch it was given with), a file's signer is not one of ``signers``,
        or a report has fewer than ``threshold`` signatures.
        """
        members = {int(s, 16) for s in signers}
        for path, approvals in self.files:
            if int(approvals.signer, 16) not in members:
                raise InputError(
                    f"{path} is signed by {approvals.signer}, who is not one of the "
                    "organisation's signers"
                )
        batch = set(all_roots)
        for path, approvals in self.files:
            if not batch & set(approvals.signatures):
                raise InputError(f"{path} approves none of the reports being submitted")
        blobs: dict[bytes, bytes] = {}
        short: list[str] = []
        for name, root in reports:
            signed = self.approvals_for(root)
            if len(signed) < threshold:
                short.append(f"{name} ({hex32(root)}): {len(signed)} of {threshold}")
                continue
            blobs[root] = pack(signed, signers)
        if short:
            shown = "\n  ".join(short[:10]) + ("\n  ..." if len(short) > 10 else "")
            raise InputError(
                f"{len(short)} report(s) lack the threshold of approvals in the given files:"
                f"\n  {shown}"
            )
        return blobs


def _size(value: Any) -> int | None:
    """A batch entry's size (None: a report)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**32:
        raise InputError(f"a batch size must be an integer from 1 to {2**32 - 1}, got {value!r}")
    return value


def _read_json(path: Path, kind: str | None, what: str) -> dict[str, Any]:
    try:  # the bounded loader: regular file, size, UTF-8, depth, number length
        data = inputs.parse_json(inputs.read_text(path, what, inputs.MAX_SMALL_FILE_BYTES))
    except inputs.BoundedInputError as exc:
        raise InputError(f"{path}: cannot read {what} ({exc.reason})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not an {what}")
    if kind is not None and data.get("kind") != kind:
        raise InputError(f"{path}: not an {what} (expected kind {kind!r})")
    return data


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps(data, indent=2) + "\n")
