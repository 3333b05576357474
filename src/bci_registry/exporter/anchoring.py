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

from ape.exceptions import AccountsError, ContractLogicError, ProviderError

from bci_registry.ape_support import Registries
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
from bci_registry.devnode import NodeError
from bci_registry.registry import REPORT_STATES, ZERO32, InputError, organisation_label
from bci_registry.exporter.requests import (
    ApprovalRequest,
    Approvals,
    ApprovalTerms,
    RequestedReport,
    SignerApprovals,
    sign_request,
)
from bci_registry.signatures import pack

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
def report_state(registry: Any, root: bytes) -> tuple[str, int]:
    """A root's registry state name and anchored block (0 if not anchored)."""
    view = registry.report_status(root)
    return REPORT_STATES[int(view.state)], int(view.anchored_block)


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
        return report_state(self.registry, root)

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


@_node_call
def organisation_view(contracts: Registries, organisation: bytes) -> OrganisationView:
    view = contracts.registry.organisation(organisation)
    version = int(view.signer_set_version)
    if version == 0:
        raise InputError(
            f"organisation {organisation_label(organisation)!r} is not registered on this registry"
        )
    return OrganisationView(version, int(view.threshold), tuple(str(s) for s in view.signers))


def approval_request(
    contracts: Registries, organisation: bytes, entries: Sequence[Entry], deadline: int
) -> tuple[ApprovalRequest | None, int]:
    """The request for the entries not yet anchored, and how many are anchored already."""
    version = organisation_view(contracts, organisation).signer_set_version
    open_entries = [
        e for e in entries if report_state(contracts.registry, e.root)[0] not in ANCHORED_STATES
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


def submit_entries(
    contracts: Registries,
    sender: Any,
    organisation: bytes,
    entries: Sequence[Entry],
    recorder: Recorder,
    approval_paths: Sequence[Path],
    settings: Settings,
    supersedes: bytes = ZERO32,
) -> list[Outcome]:
    """Anchor each entry with the signers' approvals, exactly once (see bci_registry.exporter.batch).

    The approval files are read and checked only if some report is still to be sent.
    """

    def signatures_for(to_send: Sequence[Entry]) -> Signatures:
        approvals = Approvals.read(approval_paths)
        view = organisation_view(contracts, organisation)
        deadline = approvals.terms.deadline
        approvals.check_terms(
            ApprovalTerms(
                contracts.domain, organisation, view.signer_set_version, deadline, supersedes
            )
        )
        blobs = approvals.blobs(
            [(e.file, e.root) for e in to_send], view.threshold, [e.root for e in entries]
        )
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
    state, _ = report_state(contracts.registry, root)
    if state != "unknown":
        return state, None
    receipt = contracts.registry.submit(organisation, root, supersedes, sender=sender)
    return "pending", receipt


def submit_root(
    contracts: Registries,
    sender: Any,
    organisation: bytes,
    report: bytes,
    supersedes: bytes,
    approval_paths: Sequence[Path],
) -> str:
    """One root: pending without approvals, anchored in one transaction with single-report
    approval files (``bci-approval/1``). The registry refuses a root it already knows."""
    registry, root = contracts.registry, "0x" + report.hex()
    state, _ = report_state(registry, report)
    if state in ANCHORED_STATES or (state == "pending" and not approval_paths):
        return f"{root} is already {state}: nothing sent"  # as documented: skipped, exit 0
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
    blob = pack(f.approval for _, f in files)
    if supersedes == ZERO32:
        receipt = registry.anchor(organisation, report, terms.deadline, blob, sender=sender)
    else:
        receipt = registry.anchor_correction(
            organisation, report, supersedes, terms.deadline, blob, sender=sender
        )
    return (
        f"anchored {root} with {len(files)} approvals in block {receipt.block_number}: "
        f"{receipt.gas_used} gas, tx {receipt.txn_hash}"
    )
