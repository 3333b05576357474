"""Reading and writing report, sealed report and disclosure files.

Readers raise InputFileError when a file cannot be read at all, and the document's own
Invalid exception (with every problem) when it can be read but is not acceptable.
"""

from __future__ import annotations

import os
from typing import Any

from bci_registry import inputs, outputs
from bci_registry.report.canonical import JSONInputError, parse_json
from bci_registry.report.disclosure import Disclosure
from bci_registry.report.errors import InputFileError, Problem, ReportInvalid
from bci_registry.report.sealing import SealedReport
from bci_registry.report.validation import validate_report

MAX_FILE_BYTES = inputs.MAX_FILE_BYTES
"""Largest file read; a report is a few kilobytes, so anything near this is a mistake."""

PathLike = str | os.PathLike[str]


def read_text(path: PathLike) -> str:
    """A UTF-8 text file's content; InputFileError says why it cannot be read."""
    try:
        return inputs.read_text(path, "file", MAX_FILE_BYTES)
    except inputs.BoundedInputError as exc:
        raise InputFileError(str(exc)) from None


def load_report(path: PathLike) -> dict[str, Any]:
    """Read and validate a bci-report/1 report file; return the report as a dict.

    Raises InputFileError if the file cannot be read, ReportInvalid (every problem, with
    its JSON path) if it is not JSON or not a valid report.
    """
    try:
        report = parse_json(read_text(path))
    except JSONInputError as exc:
        raise ReportInvalid([Problem("$", str(exc))]) from None
    validate_report(report)
    assert isinstance(report, dict)  # a valid report is an object
    return report


def load_sealed_report(path: PathLike) -> SealedReport:
    """Read a sealed report file and re-check it (values valid, root matching).

    Raises InputFileError or SealedReportInvalid.
    """
    return SealedReport.from_json(read_text(path))


def load_disclosure(path: PathLike) -> Disclosure:
    """Read a disclosure file and check its shape; ``verify_disclosure`` checks the proof.

    Raises InputFileError or DisclosureInvalid.
    """
    return Disclosure.from_json(read_text(path))


def write_text(path: PathLike, text: str, *, private: bool = False, overwrite: bool = True) -> None:
    """Write ``text`` to ``path`` atomically (a crash leaves the old file or the new one).

    ``private`` creates the file readable by its owner only: sealed reports hold the
    salts that keep undisclosed fields secret. ``overwrite=False`` raises
    FileExistsError rather than replace a file.
    """
    # One safe writer for every output (bci_registry.outputs): regular files only, never
    # through a symlink or onto a device, temporary file removed on SIGTERM or Ctrl-C.
    outputs.write_text(path, text, private=private, overwrite=overwrite)
