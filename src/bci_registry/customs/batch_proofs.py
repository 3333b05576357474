"""Finding a batch member's proof file (``bci-batch-proof/1``) for a report file.

A report anchored inside a batch is read on chain through its inclusion proof
(``member_status``). The exporter writes each member's proof beside its sealed
report as ``<name>.batch-proof.json`` (``report-001.json`` →
``report-001.batch-proof.json``). For a report file, customs uses:

1. a proof given with ``--batch-proof FILE`` (repeatable) whose organisation
   and report equal the file's; else
2. ``<stem>.batch-proof.json`` beside the file, if its organisation and
   report match; else
3. any ``*.batch-proof.json`` in the file's directory whose organisation and
   report match (a disclosure named otherwise, next to its proof).

A proof is matched by the (organisation, root) the report file proves, never
by name alone, so a proof file for another report is never used. A file with
no matching proof is read as a report anchored alone (``customs_view``), and
reads the same if it was. An explicit ``--batch-proof`` that cannot be read,
or matches no report file, is bad input (exit 2); an unreadable proof file
found beside a report is named in the error too, since the exporter put it
there for that report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from bci_registry.customs.errors import CustomsInputError
from bci_registry.customs.evidence import Evidence
from bci_registry.exporter.batch_tree import BatchError, BatchProof
from bci_registry.report import InputFileError
from bci_registry.report.files import read_text

SUFFIX = ".batch-proof.json"

ReportKey = tuple[bytes, bytes]


def proof_path_for(report_file: Path) -> Path:
    """Where the exporter writes a member's proof: ``<stem>.batch-proof.json`` beside it."""
    return report_file.with_name(report_file.stem + SUFFIX)


def is_proof_file(path: Path) -> bool:
    return path.name.endswith(SUFFIX)


def read_proof(path: Path) -> BatchProof:
    try:
        return BatchProof.from_json(read_text(path))
    except (BatchError, InputFileError) as exc:
        raise CustomsInputError(f"{path}: not a batch proof (bci-batch-proof/1): {exc}") from None


def find_proofs(
    evidence: Sequence[Evidence], explicit: Iterable[Path] = ()
) -> dict[ReportKey, tuple[BatchProof, str]]:
    """(organisation, root) -> (its batch proof, the proof file) for the files that have one."""
    wanted = {(e.organisation, e.root): e for e in evidence if e.organisation is not None}
    found: dict[ReportKey, tuple[BatchProof, str]] = {}
    for path in explicit:
        proof = read_proof(path)
        key = (proof.organisation, proof.report)
        if key not in wanted:
            raise CustomsInputError(
                f"--batch-proof {path}: proves report 0x{proof.report.hex()} of organisation "
                f"0x{proof.organisation.hex()}, which none of the report files is"
            )
        found[key] = (proof, str(path))
    scanned: dict[Path, dict[ReportKey, tuple[BatchProof, str]]] = {}
    for key, item in wanted.items():
        if key in found:
            continue
        own = proof_path_for(Path(item.path))
        if own.is_file():
            proof = read_proof(own)
            if (proof.organisation, proof.report) == key:
                found[key] = (proof, str(own))
                continue
        folder = Path(item.path).parent
        if folder not in scanned:
            scanned[folder] = _scan(folder)
        if key in scanned[folder]:
            found[key] = scanned[folder][key]
    return found


def _scan(folder: Path) -> dict[ReportKey, tuple[BatchProof, str]]:
    out: dict[ReportKey, tuple[BatchProof, str]] = {}
    for path in sorted(folder.glob("*" + SUFFIX)):
        try:
            proof = BatchProof.from_json(read_text(path))
        except (BatchError, InputFileError):
            continue  # another report's broken proof is not this report's concern
        out.setdefault((proof.organisation, proof.report), (proof, str(path)))
    return out
