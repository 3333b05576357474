"""Batch submission: a folder of report files, each anchored exactly once, crash-safe.

An ERP exports report files into a folder; ``submit --batch DIR`` seals each
(fresh salts), and anchors each root with one ``anchor`` transaction. The
run can die anywhere — the ERP process, the node, the machine — and a rerun
finishes the job: every report anchored once, none lost, none re-sealed.

The journal lives in the folder::

    DIR/.bci-journal/            owner-only
        journal.jsonl            append-only, one JSON record per line, fsync'd
        sealed/<name>.sealed.json  the sealed report (salts!) of each plain report
        lock                     held by the running submission (flock)

A record states one report file's whole state after a step (the last record
of a file wins). A report is identified on chain by its organisation and its
root together, and the root commits to the organisation (its organisation
leaf), so each record names both; a journal serves one organisation::

    {"file": "r01.json", "status": "sealed" | "sent" | "anchored",
     "organisation": "0x<64 hex>", "root": "0x…", "sealed": ".bci-journal/sealed/r01.sealed.json",
     "tx": "0x…" | null, "nonce": 17 | null, "block": 123 | null, "at": "…Z"}

Why exactly once:

- A report's root is fixed before anything is sent: the sealed file is
  written and fsync'd, then its ``sealed`` record; a rerun reuses the sealed
  file and never seals again (a second sealing would make a second root, the
  one way the same report could be anchored twice).
- Before a transaction is broadcast, its hash is fsync'd in a ``sent``
  record, so any transaction that may exist is known to the journal.
- A rerun asks the chain, not the journal, what is done: a root the registry
  knows as anchored is skipped; a journaled transaction the node still holds
  is awaited; anything else (never sent, or sent and lost with a node that
  died) is sent again.
- The registry refuses a root it already knows, so even a lost transaction
  that resurfaces anchors nothing twice; its revert is recognised as
  "already anchored", not a failure.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from bci_registry import inputs, outputs
from bci_registry.devnode import NodeError
from bci_registry.registry import InputError, organisation_label
from bci_registry.report import (
    InputFileError,
    ReportInvalid,
    SealedReport,
    load_sealed_report,
    seal_report,
    validate_report,
)
from bci_registry.report.canonical import JSONInputError, canonical_json, parse_json
from bci_registry.report.errors import Problem
from bci_registry.report.files import read_text
from bci_registry.report.leaves import hex32

JOURNAL_DIR = ".bci-journal"
JOURNAL_FILE = "journal.jsonl"
SEALED_DIR = "sealed"
LOCK_FILE = "lock"
SEALED_SUFFIX = ".sealed.json"

#: Registry states in which a root has been anchored (later superseded or revoked: still once).
ANCHORED_STATES = frozenset({"anchored", "superseded", "revoked"})


class Status(StrEnum):
    SEALED = "sealed"
    SENT = "sent"
    ANCHORED = "anchored"


# ----------------------------------------------------------------- files


def write_durable(path: Path, text: str) -> None:
    """Write an owner-only file atomically and durably (fsync the file and its folder).

    A crash leaves either no file or the whole file, never a part.
    """
    outputs.check_target(path)  # a regular file or nothing: never a symlink or a device
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class ReportFile:
    """A report file as given: a plain report (to seal) or an already sealed report."""

    path: Path
    report: dict[str, Any] | None = None
    sealed: SealedReport | None = None


def read_report_file(path: Path) -> ReportFile:
    """Read a plain or sealed report; raises InputFileError or ReportInvalid (with paths)."""
    try:
        obj = parse_json(read_text(path))
    except JSONInputError as exc:
        raise ReportInvalid([Problem("$", str(exc))]) from None
    if isinstance(obj, dict) and str(obj.get("kind", "")).startswith("bci-approval"):
        raise ReportInvalid(
            [Problem("$", f"a {obj['kind']} file, not a report: keep it outside the batch folder")]
        )
    if isinstance(obj, dict) and "fields" in obj and "root" in obj:
        return ReportFile(path=path, sealed=SealedReport.from_dict(obj))
    validate_report(obj)
    assert isinstance(obj, dict)  # a valid report is an object
    return ReportFile(path=path, report=obj)


def report_error(path: Path, exc: InputFileError | ReportInvalid) -> str:
    """One file's problems, each line naming the file and the JSON path."""
    if isinstance(exc, ReportInvalid):
        return f"{path}: {exc.summary()}"
    return str(exc)


def _existing_sealed(path: Path) -> SealedReport | None:
    if not path.exists():
        return None
    try:
        return load_sealed_report(path)
    except (InputFileError, ReportInvalid) as exc:
        raise InputError(f"cannot use the sealed report {path}: {exc}") from exc


def _check_organisation(sealed: SealedReport, path: Path, organisation: bytes) -> None:
    if sealed.organisation != organisation:
        raise InputError(
            f"{path} is sealed for organisation {organisation_label(sealed.organisation)}, "
            f"not {organisation_label(organisation)}: a report is anchored under the "
            "organisation its root commits to"
        )


def seal_once(
    source: ReportFile, sealed_path: Path, organisation: bytes
) -> tuple[SealedReport, Path]:
    """The sealed form of a report file for ``organisation``, sealing a plain report at most once.

    An already sealed file is used as is (if sealed for ``organisation``). A
    plain report reuses the sealed file at ``sealed_path`` if it seals the same
    report for the same organisation (a rerun), is sealed with fresh salts into
    it if there is none, and is refused if it holds another report: a sealed
    file's salts are never thrown away.
    """
    if source.sealed is not None:
        _check_organisation(source.sealed, source.path, organisation)
        return source.sealed, source.path
    existing = _existing_sealed(sealed_path)
    if existing is not None:
        if existing.report() != source.report:
            raise InputError(
                f"{sealed_path} already holds a sealed report with other content than "
                f"{source.path}; move it away or choose another sealed file"
            )
        _check_organisation(existing, sealed_path, organisation)
        return existing, sealed_path
    sealed = seal_report(source.report, organisation=organisation)
    sealed_path.parent.mkdir(parents=True, exist_ok=True)
    write_durable(sealed_path, sealed.to_json())
    return sealed, sealed_path


def prepare_single(path: Path, sealed_out: Path | None, organisation: bytes) -> Entry:
    """A single report file as an entry of ``organisation``: sealed beside it (or to
    ``sealed_out``) at most once."""
    try:
        source = read_report_file(path)
    except (InputFileError, ReportInvalid) as exc:
        raise InputError(report_error(path, exc)) from None
    if source.sealed is not None and sealed_out is not None:
        raise InputError(f"{path} is already sealed; --sealed-out is for plain reports")
    target = sealed_out or path.with_name(path.stem + SEALED_SUFFIX)
    sealed, sealed_path = seal_once(source, target, organisation)
    return Entry(file=path.name, root=sealed.root, sealed=sealed_path, organisation=organisation)


# --------------------------------------------------------------- journal


@dataclass
class Entry:
    """One report of a submission and how far it got."""

    file: str
    root: bytes
    sealed: Path
    status: Status = Status.SEALED
    organisation: bytes = bytes(32)
    tx: str | None = None
    nonce: int | None = None
    block: int | None = None


class Recorder(Protocol):
    def record(self, entry: Entry) -> None: ...

    def describe(self) -> str: ...


class MemoryRecorder:
    """No journal: a single report's state lives on chain and in its sealed file."""

    def record(self, entry: Entry) -> None:
        pass

    def describe(self) -> str:
        return "rerun the same command to finish"


class Journal:
    """The batch folder's append-only journal; use as a context manager (it locks the folder)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.dir = folder / JOURNAL_DIR
        self.path = self.dir / JOURNAL_FILE
        self.sealed_dir = self.dir / SEALED_DIR
        self._lock: int | None = None
        self._out: int | None = None

    def __enter__(self) -> Journal:
        if not self.folder.is_dir():
            raise InputError(f"{self.folder} is not a folder")
        for folder in (self.dir, self.sealed_dir):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = os.open(self.dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock)
            raise InputError(f"another submission is running on {self.folder}") from None
        self._lock = lock
        self._repair_tail()
        created = not self.path.exists()
        self._out = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if created:
            _fsync_dir(self.dir)
        return self

    def __exit__(self, *_: object) -> None:
        for fd in (self._out, self._lock):
            if fd is not None:
                os.close(fd)  # closing the lock file releases the lock
        self._out = self._lock = None

    def _repair_tail(self) -> None:
        """Drop a torn last line (a crash while appending): it was never acted upon."""
        if not self.path.is_file():  # missing, or not a regular file: load() refuses it
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with self.path.open("r+b") as handle:
                handle.truncate(data.rfind(b"\n") + 1)
                handle.flush()
                os.fsync(handle.fileno())

    def load(self, organisation: bytes | None = None) -> dict[str, Entry]:
        """Each journaled file's latest state (all of ``organisation``, if given)."""
        entries: dict[str, Entry] = {}
        if not self.path.exists():
            return entries
        try:  # the bounded loader: regular file, size, UTF-8
            text = inputs.read_text(self.path, "batch journal", inputs.MAX_JOURNAL_BYTES)
        except inputs.BoundedInputError as exc:
            raise InputError(str(exc)) from None
        for number, line in enumerate(text.splitlines(), 1):
            try:  # bounded: depth, number length, lone surrogates
                entry = self._parse(inputs.parse_json(line))
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(
                    f"{self.path}, line {number}: not a journal record ({exc})"
                ) from exc
            if organisation is not None and entry.organisation != organisation:
                raise InputError(
                    f"{self.path}, line {number}: {entry.file} was journaled for organisation "
                    f"{organisation_label(entry.organisation)}, not "
                    f"{organisation_label(organisation)}: a batch folder serves one organisation"
                )
            earlier = entries.get(entry.file)
            if earlier is not None and earlier.root != entry.root:
                raise InputError(
                    f"{self.path}, line {number}: {entry.file} changes root from "
                    f"{hex32(earlier.root)} to {hex32(entry.root)}"
                )
            entries[entry.file] = entry
        return entries

    def _parse(self, data: dict[str, Any]) -> Entry:
        return Entry(
            file=str(data["file"]),
            root=bytes.fromhex(str(data["root"]).removeprefix("0x")),
            organisation=bytes.fromhex(str(data["organisation"]).removeprefix("0x")),
            sealed=self.folder / str(data["sealed"]),
            status=Status(data["status"]),
            tx=data.get("tx"),
            nonce=data.get("nonce"),
            block=data.get("block"),
        )

    def record(self, entry: Entry) -> None:
        """Append the entry's state and fsync before returning."""
        if self._out is None:
            raise RuntimeError("the journal is not open")
        line = json.dumps(
            {
                "file": entry.file,
                "status": str(entry.status),
                "organisation": hex32(entry.organisation),
                "root": hex32(entry.root),
                "sealed": os.path.relpath(entry.sealed, self.folder),
                "tx": entry.tx,
                "nonce": entry.nonce,
                "block": entry.block,
                "at": dt.datetime.now(dt.UTC)
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
            }
        )
        os.write(self._out, (line + "\n").encode())
        os.fsync(self._out)

    def describe(self) -> str:
        return (
            f"rerun the same command to resume: {self.path} keeps every sealed report "
            "and sent transaction"
        )


def prepare(folder: Path, journal: Journal, organisation: bytes) -> list[Entry]:
    """Validate every report file of ``folder``, then seal each for ``organisation`` (at most
    once) and journal it.

    Nothing is sealed if any file is invalid: the InputError lists every problem
    of every bad file, each naming the file and the JSON path.
    """
    paths = sorted(p for p in folder.iterdir() if p.suffix == ".json" and p.is_file())
    if not paths:
        raise InputError(f"no report files (*.json) in {folder}")
    sources: list[ReportFile] = []
    bad: list[str] = []
    for path in paths:
        try:
            sources.append(read_report_file(path))
        except (InputFileError, ReportInvalid) as exc:
            bad.append(report_error(path, exc))
    if bad:
        raise InputError(
            f"{len(bad)} of {len(paths)} report files in {folder} are invalid; "
            "nothing was sealed or sent:\n" + "\n".join(bad)
        )
    _refuse_duplicates(sources)
    known = journal.load(organisation)
    present = {source.path.name for source in sources}
    for entry in known.values():
        if entry.file not in present and entry.status is Status.SENT:
            raise InputError(
                f"{entry.file} left {folder}, but its transaction {entry.tx} may anchor it: "
                f"put it back (or its sealed form {entry.sealed}) to finish its submission"
            )
    return [
        _journaled(source, known.get(source.path.name), journal, organisation) for source in sources
    ]


def _refuse_duplicates(sources: Sequence[ReportFile]) -> None:
    """The same report twice would be sealed (or is sealed) with two roots: anchored twice."""
    seen: dict[str, Path] = {}
    for source in sources:
        report = source.report if source.sealed is None else source.sealed.report()
        content = canonical_json(report)
        if content in seen:
            raise InputError(
                f"{source.path} and {seen[content]} hold the same report: keep one "
                "(a report is anchored once, under one root)"
            )
        seen[content] = source.path


def _journaled(
    source: ReportFile, known: Entry | None, journal: Journal, organisation: bytes
) -> Entry:
    name = source.path.name
    if known is None:
        sealed_path = journal.sealed_dir / (source.path.stem + SEALED_SUFFIX)
        existing = _existing_sealed(sealed_path) if source.report is not None else None
        if existing is not None and (
            existing.report() != source.report or existing.organisation != organisation
        ):
            # Sealed by a run that died before journaling it, for a report since replaced:
            # nothing was sent for it (a `sent` record follows a `sealed` one).
            sealed_path.unlink()
        sealed, sealed_path = seal_once(source, sealed_path, organisation)
        entry = Entry(file=name, root=sealed.root, sealed=sealed_path, organisation=organisation)
        journal.record(entry)
        return entry
    if source.sealed is not None:
        root = source.sealed.root
    else:
        previous = _existing_sealed(known.sealed)
        if previous is None:
            raise InputError(
                f"{known.sealed}, the sealed form of {source.path} (root {hex32(known.root)}), "
                "is missing: restore it from a backup (its salts cannot be recreated)"
            )
        if previous.report() != source.report:
            raise InputError(
                f"{source.path} changed after it was sealed as {hex32(known.root)}: "
                "put a corrected report in a new file"
            )
        root = previous.root
    if root != known.root:
        raise InputError(
            f"{source.path} now has root {hex32(root)}, but the journal recorded "
            f"{hex32(known.root)} for it: put a corrected report in a new file"
        )
    return known


# ----------------------------------------------------------------- chain


@dataclass(frozen=True)
class SignedTransaction:
    hash: str
    raw: bytes


@dataclass(frozen=True)
class Receipt:
    block: int
    success: bool


class AlreadyKnown(Exception):
    """The registry already knows the root (found when preparing a transaction)."""


class Chain(Protocol):
    """What a submission needs from the node and the registry."""

    def report_state(self, root: bytes) -> tuple[str, int]:
        """The root's registry state name and its anchored block (0 if none)."""

    def transaction_known(self, tx: str) -> bool:
        """Whether the node holds the transaction (pending or mined)."""

    def receipt(self, tx: str) -> Receipt | None: ...

    def next_nonce(self) -> int:
        """The sender's next nonce, counting its pending transactions."""

    def head(self) -> tuple[int, int]:
        """The latest block's number and timestamp."""

    def sign_anchor(
        self, root: bytes, deadline: int, signatures: bytes, nonce: int
    ) -> SignedTransaction:
        """Build and sign the anchoring transaction; AlreadyKnown if the root is known."""

    def broadcast(self, tx: SignedTransaction) -> None: ...


class ProgressBar(Protocol):
    def update(self, n: int = 1) -> Any: ...

    def close(self) -> Any: ...


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def no_progress(description: str, total: int) -> ProgressBar:
    return _NoBar()


@dataclass(frozen=True)
class Settings:
    confirmations: int = 1
    timeout: float = 300.0
    poll_interval: float = 0.2


@dataclass(frozen=True)
class Outcome:
    """How one report ended: anchored by this run, found anchored, or failed."""

    entry: Entry
    result: str  # "anchored" | "already anchored" | "failed"
    detail: str = ""


def summarise(outcomes: Sequence[Outcome]) -> tuple[list[str], int]:
    """One line per report and a total; and how many failed."""
    lines = [
        f"{o.result:16}  {o.entry.file}  {hex32(o.entry.root)}  {o.detail}".rstrip()
        for o in outcomes
    ]
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.result] = counts.get(outcome.result, 0) + 1
    total = ", ".join(f"{n} {result}" for result, n in counts.items()) or "nothing to do"
    lines.append(f"{len(outcomes)} report(s): {total}")
    return lines, counts.get("failed", 0)


@dataclass
class _Run:
    chain: Chain
    recorder: Recorder
    settings: Settings
    progress: Callable[[str, int], ProgressBar]
    sent: int = 0
    mined: dict[str, int] = field(default_factory=dict)  # file -> block
    outcomes: list[Outcome] = field(default_factory=list)

    def wait_until(self, what: str, ready: Callable[[], bool]) -> None:
        give_up = time.monotonic() + self.settings.timeout
        while not ready():
            if time.monotonic() > give_up:
                raise NodeError(f"{what} did not happen within {self.settings.timeout:.0f} s")
            time.sleep(self.settings.poll_interval)


@dataclass(frozen=True)
class Signatures:
    """The signers' approvals for the reports to send: their deadline and each root's blob."""

    deadline: int
    blobs: Mapping[bytes, bytes]


SignaturesFor = Callable[[Sequence[Entry]], Signatures]


def anchor_entries(
    entries: Sequence[Entry],
    chain: Chain,
    recorder: Recorder,
    signatures_for: SignaturesFor,
    settings: Settings = Settings(),
    progress: Callable[[str, int], ProgressBar] = no_progress,
) -> list[Outcome]:
    """Anchor every entry not yet anchored, each exactly once; see the module docstring.

    ``signatures_for`` gives the approvals of the entries to send (raising InputError
    when approvals are missing or do not match); it is called once, before anything
    is sent, and only if something is to be sent. NodeError (node unreachable,
    timeout) carries how to resume.
    """
    run = _Run(chain, recorder, settings, progress)
    try:
        return _anchor(run, entries, signatures_for)
    except NodeError as exc:
        raise NodeError(
            f"{exc}\n{run.sent} transaction(s) were sent by this run; {recorder.describe()}"
        ) from exc


def _anchor(run: _Run, entries: Sequence[Entry], signatures_for: SignaturesFor) -> list[Outcome]:
    chain = run.chain
    to_send: list[Entry] = []
    waiting: list[Entry] = []
    for entry in entries:
        state, block = chain.report_state(entry.root)
        if state in ANCHORED_STATES:
            if entry.status is Status.ANCHORED:
                run.outcomes.append(Outcome(entry, "already anchored", f"block {block}"))
            else:
                run.mined[entry.file] = block  # by an earlier run, not yet confirmed
        elif state != "unknown":
            raise InputError(
                f"{entry.file} ({hex32(entry.root)}) is {state} on chain: it was submitted "
                "without approvals; its signers approve it with `approve --root ROOT --send`"
            )
        elif (
            entry.tx is not None
            and chain.receipt(entry.tx) is None
            and chain.transaction_known(entry.tx)
        ):
            waiting.append(entry)  # sent by an earlier run, still pending in the node
        else:
            to_send.append(entry)  # never sent, lost with the node, or reverted
    if to_send:
        signatures = signatures_for(to_send)
        number, timestamp = chain.head()
        if timestamp > signatures.deadline:
            raise InputError(
                f"the approvals expired at {iso_time(signatures.deadline)} (block {number} is at "
                f"{iso_time(timestamp)}): write a new approval request and have it signed"
            )
        _send(run, to_send, signatures)
        waiting += to_send
    _confirm(run, entries, waiting)
    order = {entry.file: i for i, entry in enumerate(entries)}
    return sorted(run.outcomes, key=lambda o: order[o.entry.file])


def _send(run: _Run, to_send: Sequence[Entry], signatures: Signatures) -> None:
    chain = run.chain
    nonce = chain.next_nonce()
    bar = run.progress("sending", len(to_send))
    try:
        for entry in to_send:
            try:
                signed = chain.sign_anchor(
                    entry.root, signatures.deadline, signatures.blobs[entry.root], nonce
                )
            except AlreadyKnown:
                state, block = chain.report_state(entry.root)
                if state not in ANCHORED_STATES:
                    raise InputError(
                        f"{entry.file} ({hex32(entry.root)}) is {state} on chain"
                    ) from None
                entry.tx = None
                run.mined[entry.file] = block
                bar.update()
                continue
            entry.status, entry.tx, entry.nonce = Status.SENT, signed.hash, nonce
            run.recorder.record(entry)  # durable before the transaction can exist
            chain.broadcast(signed)
            run.sent += 1
            nonce += 1
            bar.update()
    finally:
        bar.close()


def _confirm(run: _Run, entries: Sequence[Entry], waiting: Sequence[Entry]) -> None:
    chain = run.chain
    bar = run.progress("confirming", len(waiting))
    try:
        for entry in waiting:
            if entry.file in run.mined:
                bar.update()
                continue
            assert entry.tx is not None
            receipt = _wait_receipt(run, entry)
            if receipt.success:
                run.mined[entry.file] = receipt.block
            else:
                state, block = chain.report_state(entry.root)
                if state in ANCHORED_STATES:  # a duplicate refused as "already known"
                    run.mined[entry.file] = block
                else:
                    run.outcomes.append(
                        Outcome(entry, "failed", f"transaction {entry.tx} reverted")
                    )
            bar.update()
    finally:
        bar.close()
    if not run.mined:
        return
    target = max(run.mined.values()) + run.settings.confirmations - 1
    run.wait_until(
        f"{run.settings.confirmations} confirmation(s) (block {target})",
        lambda: chain.head()[0] >= target,
    )
    for entry in entries:
        if entry.file not in run.mined:
            continue
        state, block = chain.report_state(entry.root)
        if state not in ANCHORED_STATES:
            run.outcomes.append(Outcome(entry, "failed", "no longer anchored (chain reorganised)"))
            continue
        fresh = entry.tx is not None and entry.status is Status.SENT
        entry.status, entry.block = Status.ANCHORED, block
        run.recorder.record(entry)
        detail = f"block {block}" + (f", tx {entry.tx}" if fresh else "")
        run.outcomes.append(Outcome(entry, "anchored" if fresh else "already anchored", detail))


def _wait_receipt(run: _Run, entry: Entry) -> Receipt:
    assert entry.tx is not None
    tx, chain = entry.tx, run.chain
    found: list[Receipt] = []

    def mined() -> bool:
        receipt = chain.receipt(tx)
        if receipt is None and not chain.transaction_known(tx):
            receipt = chain.receipt(tx)  # mined between the two questions?
            if receipt is None:
                raise NodeError(f"the node dropped transaction {tx} of {entry.file}")
        if receipt is not None:
            found.append(receipt)
        return receipt is not None

    run.wait_until(f"transaction {tx} of {entry.file} being mined", mined)
    return found[-1]


def iso_time(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat().replace("+00:00", "Z")
