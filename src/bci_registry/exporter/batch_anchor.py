"""``submit --batch DIR --as-batch``: a folder anchored as one batch (or batches of N).

The reports are sealed and journaled exactly as for ``submit --batch``
(``exporter.batch``). Then the not-yet-anchored roots are grouped into
batches of ``--batch-size`` reports (default: all in one), each a
``BatchTree``; every member's proof file (``bci-batch-proof/1``) is written
beside its sealed report as ``<name>.sealed.batch-proof.json`` (customs finds
it there: ``bci-verify`` reads ``<stem>.batch-proof.json``), and then the batch
is journaled. The plan is fixed from then on: a rerun, an approval request and
the signers' ``BatchApproval`` signatures all name the same batch roots.

Journal (``DIR/.bci-journal/batches.jsonl``, append-only, fsync'd; the last
record of a batch wins)::

    {"batch": "0x…", "size": 100, "organisation": "0x…", "status": "planned" | "anchored",
     "members": [{"file": "r01.json", "root": "0x…",
                  "proof": ".bci-journal/sealed/r01.sealed.batch-proof.json"}, …],
     "tx": "0x…" | null, "block": 123 | null, "at": "…Z"}

Why exactly once:

- a root is put in a batch only if the registry does not know it (a report
  anchored alone, or in a batch journaled earlier, is skipped) — the
  registry cannot see batch members, so this is the journal's job;
- a batch's proofs are written (durably) before its record, and its record
  before anything is sent: a rerun after a crash reuses the journaled batch;
- before sending, the chain is asked about the batch root: anchored → only
  recorded; the registry refuses a root it knows, so a lost transaction
  that resurfaces anchors nothing twice ("already known" is not a failure).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bci_registry.exporter.batch import ANCHORED_STATES, JOURNAL_DIR, Entry, write_durable
from bci_registry.exporter.batch_tree import BatchProof, BatchTree
from bci_registry.registry import InputError
from bci_registry.report.leaves import hex32

BATCHES_FILE = "batches.jsonl"
PROOF_SUFFIX = ".batch-proof.json"


def proof_path(sealed: Path) -> Path:
    """``r01.sealed.json`` → ``r01.sealed.batch-proof.json`` (customs' naming)."""
    return sealed.with_name(sealed.stem + PROOF_SUFFIX)


@dataclass
class PlannedBatch:
    batch: bytes
    size: int
    organisation: bytes
    members: list[dict[str, str]]
    status: str = "planned"
    tx: str | None = None
    block: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": hex32(self.batch),
            "size": self.size,
            "organisation": hex32(self.organisation),
            "status": self.status,
            "members": self.members,
            "tx": self.tx,
            "block": self.block,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        }

    @property
    def label(self) -> str:
        return f"batch {hex32(self.batch)} ({self.size} reports)"


class BatchJournal:
    """The batches of a folder (``.bci-journal/batches.jsonl``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / JOURNAL_DIR / BATCHES_FILE

    def load(self, organisation: bytes) -> list[PlannedBatch]:
        if not self.path.exists():
            return []
        latest: dict[str, PlannedBatch] = {}
        for number, line in enumerate(self.path.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                batch = PlannedBatch(
                    batch=bytes.fromhex(data["batch"][2:]),
                    size=int(data["size"]),
                    organisation=bytes.fromhex(data["organisation"][2:]),
                    members=list(data["members"]),
                    status=str(data["status"]),
                    tx=data.get("tx"),
                    block=data.get("block"),
                )
            except (ValueError, KeyError, TypeError):
                if number == len(self.path.read_text("utf-8").splitlines()):
                    continue  # a torn last line (a crash while appending): never acted on
                raise InputError(f"{self.path}: line {number} is not a batch record") from None
            if batch.organisation != organisation:
                raise InputError(
                    f"{self.path} journals batches of another organisation "
                    f"({hex32(batch.organisation)})"
                )
            latest[data["batch"]] = batch
        return list(latest.values())

    def record(self, batch: PlannedBatch) -> None:
        line = json.dumps(batch.to_json(), separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


def plan_batches(
    journal: BatchJournal,
    organisation: bytes,
    entries: Sequence[Entry],
    batch_size: int | None,
    state_of: Callable[[bytes], str],
    notes: Callable[[str], None] = lambda _: None,
) -> tuple[list[PlannedBatch], int]:
    """The folder's batches (journaled ones first, then new ones); and how many roots were
    skipped as anchored on their own."""
    batches = journal.load(organisation)
    in_batches = {m["root"] for b in batches for m in b.members}
    skipped = 0
    fresh: list[Entry] = []
    for entry in entries:
        if hex32(entry.root) in in_batches:
            continue
        state = state_of(entry.root)
        if state in ANCHORED_STATES or state == "pending" or str(entry.status) == "anchored":
            skipped += 1  # known to the registry on its own: never put in a batch
            notes(f"{entry.file}: already {state} on its own, not put in a batch")
            continue
        fresh.append(entry)
    size = batch_size or len(fresh) or 1
    for start in range(0, len(fresh), size):
        chunk = fresh[start : start + size]
        tree = BatchTree(organisation, [e.root for e in chunk])
        members = []
        for entry in chunk:
            proof: BatchProof = tree.proof(entry.root)
            where = proof_path(entry.sealed)
            write_durable(where, proof.to_json())
            members.append(
                {
                    "file": entry.file,
                    "root": hex32(entry.root),
                    "proof": os.path.relpath(where, journal.folder),
                }
            )
        planned = PlannedBatch(tree.root, tree.size, organisation, members)
        journal.record(planned)
        batches.append(planned)
    return batches, skipped


def anchor_batches(
    contracts: Any,
    sender: Any,
    organisation: bytes,
    batches: Sequence[PlannedBatch],
    journal: BatchJournal,
    approval_paths: Sequence[Path],
    notes: Callable[[str], None] = lambda _: None,
) -> list[PlannedBatch]:
    """Anchor every planned batch with the signers' ``BatchApproval`` signatures, once."""
    from bci_registry.exporter.anchoring import organisation_view, report_state
    from bci_registry.exporter.requests import Approvals, ApprovalTerms
    from bci_registry.signatures import pack

    registry = contracts.registry
    todo = []
    for batch in batches:
        if batch.status == "anchored":
            continue
        state, _ = report_state(registry, organisation, batch.batch)
        if state in ANCHORED_STATES:
            batch.status = "anchored"
            journal.record(batch)
            notes(f"{batch.label}: found {state} on chain")
            continue
        todo.append(batch)
    if not todo:
        return list(batches)
    approvals = Approvals.read(approval_paths)
    view = organisation_view(contracts, organisation)
    deadline = approvals.terms.deadline
    approvals.check_terms(
        ApprovalTerms(contracts.domain, organisation, view.signer_set_version, deadline)
    )
    for batch in todo:
        signed = approvals.approvals_for(batch.batch)
        for path, file in approvals.files:
            if batch.batch in file.signatures and file.sizes.get(batch.batch) != batch.size:
                raise InputError(
                    f"{path} approves {batch.label} with size "
                    f"{file.sizes.get(batch.batch)}, not {batch.size}"
                )
        if len(signed) < view.threshold:
            raise InputError(
                f"{batch.label}: {len(signed)} of {view.threshold} approvals in the given files"
            )
        blob = pack(signed, view.signers)
        try:
            receipt = registry.anchor_batch(
                organisation, batch.batch, batch.size, deadline, blob, sender=sender
            )
        except Exception as exc:  # a resurfaced earlier transaction anchored it meanwhile
            if "already known" not in str(exc):
                raise
            notes(f"{batch.label}: already anchored (an earlier transaction)")
        else:
            batch.tx, batch.block = str(receipt.txn_hash), int(receipt.block_number)
        batch.status = "anchored"
        journal.record(batch)
    return list(batches)
