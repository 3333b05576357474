"""The Ape side of submission: the registry and node behind `bci_registry.exporter.batch.Chain`.

Transactions are built, signed and broadcast in separate steps, so that the
journal records a transaction's hash before the transaction can exist.
Connection failures become NodeError (exit 2 at the CLI edge).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from ape.exceptions import AccountsError, ContractLogicError, ProviderError, VirtualMachineError

from bci_registry.ape_support import Registries
from bci_registry.devnode import NodeError
from bci_registry.eip712 import digest
from bci_registry.exporter.approvals import ApprovalFile, common_terms
from bci_registry.exporter.batch import (
    ANCHORED_STATES,
    AlreadyKnown,
    Entry,
    Outcome,
    ProgressBar,
    Receipt,
    Recorder,
    Settings,
    Signatures,
    SignedTransaction,
    anchor_entries,
)
from bci_registry.exporter.relay import Relayable, relayable, web3_wallet_check
from bci_registry.exporter.requests import (
    ApprovalRequest,
    Approvals,
    ApprovalTerms,
    RequestedReport,
    SignerApprovals,
    sign_request,
)
from bci_registry.registry import REPORT_STATES, ZERO32, InputError, organisation_label
from bci_registry.report.leaves import hex32
from bci_registry.signatures import SignedApproval

P = ParamSpec("P")
R = TypeVar("R")


def _connection_errors() -> tuple[type[BaseException], ...]:
    import requests
    from web3.exceptions import CannotHandleRequest, ProviderConnectionError

    return (
        ProviderError,  # Ape: no node found, not connected
        CannotHandleRequest,  # web3's auto provider found no node to ask
        ProviderConnectionError,
        requests.exceptions.ConnectionError,
        requests.exceptions.Timeout,
    )


def _node_call(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a lost connection into NodeError; the registry's refusals pass through."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ContractLogicError:
            raise
        except _connection_errors() as exc:
            raise NodeError(f"node unreachable: {exc}") from exc

    return wrapper


@_node_call
def report_state(registry: Any, organisation: bytes, root: bytes) -> tuple[str, int]:
    """A report's registry state name and anchored block (0 if not anchored)."""
    view = registry.report_status(organisation, root)
    return REPORT_STATES[int(view.state)], int(view.anchored_block)


def _refusal(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return str(message)


class ApeChain:
    """`Chain` over an Ape provider: anchors for one organisation with one set of approvals."""

    def __init__(
        self,
        contracts: Registries,
        sender: Any,
        organisation: bytes,
        supersedes: bytes = ZERO32,
    ) -> None:
        from ape import chain

        self.registry = contracts.registry
        self.sender = sender
        self.organisation = organisation
        self.supersedes = supersedes
        self.web3 = chain.provider.web3
        _quiet_cached_key_warnings()

    def report_state(self, root: bytes) -> tuple[str, int]:
        return report_state(self.registry, self.organisation, root)

    @_node_call
    def transaction_known(self, tx: str) -> bool:
        from web3.exceptions import TransactionNotFound

        try:
            self.web3.eth.get_transaction(tx)
        except TransactionNotFound:
            return False
        return True

    @_node_call
    def receipt(self, tx: str) -> Receipt | None:
        from web3.exceptions import TransactionNotFound

        try:
            receipt = self.web3.eth.get_transaction_receipt(tx)
        except TransactionNotFound:
            return None
        return Receipt(block=int(receipt["blockNumber"]), success=receipt["status"] == 1)

    @_node_call
    def next_nonce(self) -> int:
        return int(self.web3.eth.get_transaction_count(self.sender.address, "pending"))

    @_node_call
    def head(self) -> tuple[int, int]:
        block = self.web3.eth.get_block("latest")
        return int(block["number"]), int(block["timestamp"])

    @_node_call
    def sign_anchor(
        self, root: bytes, deadline: int, signatures: bytes, nonce: int
    ) -> SignedTransaction:
        try:
            if self.supersedes == ZERO32:
                txn = self.registry.anchor.as_transaction(
                    self.organisation, root, deadline, signatures,
                    sender=self.sender, nonce=nonce,
                )  # fmt: skip
            else:
                txn = self.registry.anchor_correction.as_transaction(
                    self.organisation, root, self.supersedes, deadline, signatures,
                    sender=self.sender, nonce=nonce,
                )  # fmt: skip
        except ContractLogicError as exc:
            if "report already known" in str(exc.message):
                raise AlreadyKnown(str(exc.message)) from exc
            raise
        except AccountsError as exc:  # e.g. the account cannot pay for gas
            raise InputError(f"account {self.sender.address}: {exc}") from exc
        signed = self.sender.sign_transaction(txn)
        if signed is None:
            raise InputError(f"account {self.sender.address} declined to sign")
        return SignedTransaction(
            hash="0x" + bytes(signed.txn_hash).hex(), raw=bytes(signed.serialize_transaction())
        )

    @_node_call
    def broadcast(self, tx: SignedTransaction) -> None:
        from web3.exceptions import Web3RPCError

        try:
            self.web3.eth.send_raw_transaction(tx.raw)
        except Web3RPCError as exc:  # e.g. nonce too low: another sender shares the account
            raise NodeError(f"the node refused transaction {tx.hash}: {exc.message}") from exc


def _quiet_cached_key_warnings() -> None:
    """Ape warns "Using cached key" on every signature of an unlocked account: once is enough."""
    import logging

    class _Once(logging.Filter):
        seen = False

        def filter(self, record: logging.LogRecord) -> bool:
            if not str(record.msg).startswith("Using cached key"):
                return True
            first, _Once.seen = not _Once.seen, True
            return first

    logging.getLogger("ape").addFilter(_Once())


# ------------------------------------------------------------ workflows


@dataclass(frozen=True)
class OrganisationView:
    signer_set_version: int
    threshold: int
    signers: tuple[str, ...]
    status: int = 1


@_node_call
def organisation_view(contracts: Registries, organisation: bytes) -> OrganisationView:
    view = contracts.registry.organisation(organisation)
    version = int(view.signer_set_version)
    if version == 0:
        raise InputError(
            f"organisation {organisation_label(organisation)!r} is not registered on this registry"
        )
    return OrganisationView(
        version, int(view.threshold), tuple(str(s) for s in view.signers), int(view.status)
    )


def approval_request(
    contracts: Registries, organisation: bytes, entries: Sequence[Entry], deadline: int
) -> tuple[ApprovalRequest | None, int]:
    """The request for the entries not yet anchored, and how many are anchored already."""
    version = organisation_view(contracts, organisation).signer_set_version
    open_entries = [
        e
        for e in entries
        if report_state(contracts.registry, organisation, e.root)[0] not in ANCHORED_STATES
    ]
    if not open_entries:
        return None, len(entries)
    terms = ApprovalTerms(contracts.domain, organisation, version, deadline)
    reports = tuple(RequestedReport(root=e.root, file=e.file) for e in open_entries)
    return ApprovalRequest(terms=terms, reports=reports), len(entries) - len(open_entries)


def approve_request(contracts: Registries, signer: Any, path: Path) -> SignerApprovals:
    """Sign every root of an approval request, after checking it against the chain."""
    request = ApprovalRequest.read(path)
    terms = request.terms
    if terms.domain != contracts.domain:
        raise InputError(
            f"{path} asks for approvals on chain {terms.domain.chain_id}, registry "
            f"{terms.domain.verifying_contract}; this network's registry is "
            f"{contracts.domain.verifying_contract} on chain {contracts.domain.chain_id}"
        )
    view = organisation_view(contracts, terms.organisation)
    if view.signer_set_version != terms.signer_set_version:
        raise InputError(
            f"{path} was written for signer set version {terms.signer_set_version}, but "
            f"{organisation_label(terms.organisation)} is at version "
            f"{view.signer_set_version}: ask for a new request"
        )
    if signer.address not in view.signers:
        raise InputError(
            f"account {signer.address} is not a signer of {organisation_label(terms.organisation)}"
        )

    def sign(message: Any) -> bytes:
        signature = signer.sign_message(message)
        if signature is None:
            raise InputError(f"account {signer.address} declined to sign")
        return bytes(signature.encode_rsv())

    return sign_request(request, signer.address, sign)


# ------------------------------------------------------------ relaying


def _simulator(function: Any, sender: Any, *leading: Any) -> Any:
    """``simulate(blob)`` for a registry function taking ``*leading, blob``."""

    @_node_call
    def simulate(blob: bytes) -> str | None:
        try:
            function.estimate_gas_cost(*leading, blob, sender=sender)
        except VirtualMachineError as exc:
            return _refusal(exc)
        return None

    return simulate


def _wallet_check() -> Any:
    from ape import chain

    return _node_call(web3_wallet_check(chain.provider.web3))


def screened_blob(
    contracts: Registries,
    approvals: Sequence[SignedApproval],
    view: OrganisationView,
    needed: int,
    message_of: Callable[[str], dict[str, Any]],
    primary_type: str,
    simulate: Callable[[bytes], str | None],
    what: str,
) -> Relayable:
    """Simulate a relayed transaction; leave out EIP-1271 signers that would make it fail."""
    return relayable(
        approvals,
        view.signers,
        needed,
        simulate,
        lambda signer: digest(contracts.domain, primary_type, message_of(signer)),
        _wallet_check(),
        what,
    )


def submit_entries(
    contracts: Registries,
    sender: Any,
    organisation: bytes,
    entries: Sequence[Entry],
    recorder: Recorder,
    approval_paths: Sequence[Path],
    settings: Settings,
    supersedes: bytes = ZERO32,
    notes: Callable[[str], None] = lambda _: None,
) -> list[Outcome]:
    """Anchor each entry with the signers' approvals, exactly once (see ``exporter.batch``).

    The approval files are read and checked only if some report is still to be
    sent; each report's transaction is simulated first (see ``relay``).
    """
    registry = contracts.registry

    def signatures_for(to_send: Sequence[Entry]) -> Signatures:
        approvals = Approvals.read(approval_paths)
        view = organisation_view(contracts, organisation)
        deadline = approvals.terms.deadline
        terms = ApprovalTerms(
            contracts.domain, organisation, view.signer_set_version, deadline, supersedes
        )
        approvals.check_terms(terms)
        approvals.blobs(  # every file belongs, every report has the threshold
            [(e.file, e.root) for e in to_send],
            view.threshold,
            [e.root for e in entries],
            view.signers,
        )
        blobs: dict[bytes, bytes] = {}
        for entry in to_send:
            if supersedes == ZERO32:
                simulate = _simulator(registry.anchor, sender, organisation, entry.root, deadline)
            else:
                simulate = _simulator(
                    registry.anchor_correction, sender, organisation, entry.root, supersedes,
                    deadline,
                )  # fmt: skip

            def known_is_fine(blob: bytes, simulate: Any = simulate) -> str | None:
                refusal = simulate(blob)
                return None if refusal and "already known" in refusal else refusal

            def message_of(signer: str, root: bytes = entry.root) -> dict[str, Any]:
                return terms.message(root, signer)

            screened = screened_blob(
                contracts,
                approvals.approvals_for(entry.root),
                view,
                view.threshold,
                message_of,
                "Approval",
                known_is_fine,
                f"anchoring {entry.file}",
            )
            for note in screened.notes():
                notes(f"{entry.file}: {note}")
            blobs[entry.root] = screened.blob
        return Signatures(deadline=deadline, blobs=blobs)

    chain = ApeChain(contracts, sender, organisation, supersedes)
    return anchor_entries(
        entries, chain, recorder, signatures_for, settings, progress=terminal_progress
    )


def terminal_progress(description: str, total: int) -> ProgressBar:
    """A tqdm bar on stderr, shown only on a terminal (an ERP's logs stay clean)."""
    from tqdm import tqdm

    bar: ProgressBar = tqdm(
        total=total, desc=description, unit="report", file=sys.stderr, disable=None
    )
    return bar


def submit_pending(
    contracts: Registries, sender: Any, organisation: bytes, root: bytes, supersedes: bytes
) -> tuple[str, Any]:
    """Submit a root as pending unless the registry knows it; (state, receipt or None)."""
    state, _ = report_state(contracts.registry, organisation, root)
    if state != "unknown":
        return state, None
    receipt = contracts.registry.submit(organisation, root, supersedes, sender=sender)
    return "pending", receipt


def _approvals_under(status: Any, version: int) -> int:
    """A pending report's approvals that still count: those of the current signer set."""
    return int(status.approvals) if int(status.signer_set_version) == version else 0


def submit_root(
    contracts: Registries,
    sender: Any,
    organisation: bytes,
    report: bytes,
    supersedes: bytes,
    approval_paths: Sequence[Path],
) -> str:
    """One root: pending without approvals; with single-report approval files
    (``bci-approval/1``) anchored in one transaction, or, if it is pending already,
    approved with them (``approve_with_signatures``). Simulated before sending."""
    registry, root = contracts.registry, "0x" + report.hex()
    # One read serves both the skip below and a pending report's approvals.
    status = _node_call(registry.report_status)(organisation, report)
    state = REPORT_STATES[int(status.state)]
    if state in ANCHORED_STATES or (state == "pending" and not approval_paths):
        # As documented: a known report is skipped, exit 0.
        return f"{root} is already {state} under {organisation_label(organisation)}: nothing sent"
    if not approval_paths:
        receipt = registry.submit(organisation, report, supersedes, sender=sender)
        return f"submitted {root} as pending, tx {receipt.txn_hash}"
    files = [(path, ApprovalFile.read(path)) for path in approval_paths]
    terms = common_terms(files)
    if (terms.domain, terms.organisation, terms.report, terms.supersedes) != (
        contracts.domain,
        organisation,
        report,
        supersedes,
    ):
        raise InputError(
            f"{files[0][0]} approves another registry, organisation, report or predecessor"
        )
    view = organisation_view(contracts, organisation)
    if terms.signer_set_version != view.signer_set_version:
        raise InputError(
            f"{files[0][0]} approves under signer set version {terms.signer_set_version}; "
            f"{organisation_label(organisation)} is at version {view.signer_set_version}: "
            "the signers must sign again"
        )
    approvals = [f.approval for _, f in files]
    by_signer = {f.approval.signer: f for _, f in files}

    def message_of(signer: str) -> dict[str, Any]:
        return by_signer[signer].message()

    if state == "pending":
        needed = max(1, view.threshold - _approvals_under(status, view.signer_set_version))
        screened = screened_blob(
            contracts, approvals, view, needed, message_of, "Approval",
            _simulator(registry.approve_with_signatures, sender, organisation, report,
                       terms.deadline),
            f"approving {root}",
        )  # fmt: skip
        receipt = registry.approve_with_signatures(
            organisation, report, terms.deadline, screened.blob, sender=sender
        )
        verb = "approved pending"
    elif supersedes == ZERO32:
        screened = screened_blob(
            contracts, approvals, view, view.threshold, message_of, "Approval",
            _simulator(registry.anchor, sender, organisation, report, terms.deadline),
            f"anchoring {root}",
        )  # fmt: skip
        receipt = registry.anchor(
            organisation, report, terms.deadline, screened.blob, sender=sender
        )
        verb = "anchored"
    else:
        screened = screened_blob(
            contracts, approvals, view, view.threshold, message_of, "Approval",
            _simulator(registry.anchor_correction, sender, organisation, report, supersedes,
                       terms.deadline),
            f"anchoring the correction {root}",
        )  # fmt: skip
        receipt = registry.anchor_correction(
            organisation, report, supersedes, terms.deadline, screened.blob, sender=sender
        )
        verb = "anchored"
    used = len(approvals) - len(screened.left_out)
    lines = [*screened.notes()]
    now, _ = report_state(registry, organisation, report)
    lines.append(
        f"{verb} {root} with {used} approval(s) in block {receipt.block_number} "
        f"(now {now}): {receipt.gas_used} gas, tx {receipt.txn_hash}"
    )
    return "\n".join(lines)


def approve_on_chain(
    contracts: Registries,
    signer: Any,
    organisation: bytes,
    report: bytes,
    expected_supersedes: bytes | None,
    show: Callable[[str], None],
) -> str:
    """A signer's own on-chain approval of a pending report, committing to its predecessor.

    Shows the report's organisation and the predecessor it corrects before sending;
    refuses if ``expected_supersedes`` (when given) is not the predecessor on record.
    """
    registry, root = contracts.registry, "0x" + report.hex()
    view = organisation_view(contracts, organisation)
    if signer.address not in view.signers:
        raise InputError(
            f"account {signer.address} is not a signer of {organisation_label(organisation)}"
        )
    status = _node_call(registry.report_status)(organisation, report)
    state = REPORT_STATES[int(status.state)]
    if state != "pending":
        raise InputError(
            f"{root} is {state} under {organisation_label(organisation)}, not pending: "
            "nothing to approve on chain"
        )
    predecessor = bytes(status.supersedes)
    if expected_supersedes is not None and expected_supersedes != predecessor:
        raise InputError(
            f"{root} was submitted as correcting {hex32(predecessor)}, not "
            f"{hex32(expected_supersedes)}: nothing sent"
        )
    show(f"report        {root}")
    show(f"organisation  {organisation_label(organisation)}")
    show(
        "corrects      "
        + (hex32(predecessor) + " (it will be superseded)" if predecessor != ZERO32 else "nothing")
    )
    receipt = registry.approve(organisation, report, predecessor, sender=signer)
    after = _node_call(registry.report_status)(organisation, report)
    return (
        f"approved {root} on chain ({int(after.approvals)} of {int(after.threshold)}, "
        f"now {REPORT_STATES[int(after.state)]}), tx {receipt.txn_hash}"
    )
