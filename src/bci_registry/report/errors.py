"""Problems found in reports, sealed reports and disclosures, and the exceptions that carry them.

Library code never prints: it raises one of these, and the CLI (or a chain script)
decides how to show it. Every problem names a JSON path, so a user can find it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

PathPart = str | int
"""One step of a JSON path: an object key or an array index."""

Steps = tuple[PathPart, ...]
"""A JSON path as steps, ``("shipment", "sscc")`` for ``$.shipment.sscc``."""

Found = tuple[Steps, str]
"""A problem before formatting: path steps and message (steps sort better than text)."""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def json_path(parts: Iterable[PathPart]) -> str:
    """Format path steps as a JSONPath such as ``$.shipment.sscc`` or ``$.smelterIds[2].cid``.

    Keys that are not plain identifiers are written in brackets, ``$['odd key']``.
    """
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENTIFIER.match(part):
            out.append(f".{part}")
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            out.append(f"['{escaped}']")
    return "".join(out)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input: where (a JSON path) and what was expected."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        """The problem as a JSON-ready ``{"path": ..., "message": ...}``."""
        return asdict(self)


class ReportError(Exception):
    """Base class of every error this package raises about user input."""


class ReportInvalid(ReportError):
    """The input is not a valid bci-report/1 report; ``problems`` lists every reason.

    Subclasses say which kind of document was checked.
    """

    what = "report"

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("ReportInvalid needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self.summary())

    def summary(self) -> str:
        """A readable multi-line text: a headline, then one problem per line."""
        count = len(self.problems)
        head = f"invalid {self.what}: {count} problem{'s' if count != 1 else ''}"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: ``{"valid": false, "kind": ..., "problems": [...]}``."""
        return {
            "valid": False,
            "kind": self.what,
            "problems": [p.to_dict() for p in self.problems],
        }


class SealedReportInvalid(ReportInvalid):
    """A sealed report file is malformed, holds an invalid report, or its root does not match."""

    what = "sealed report"


class DisclosureInvalid(ReportInvalid):
    """A disclosure is malformed, holds an invalid field value, or does not prove its root."""

    what = "disclosure"


class InputFileError(ReportError):
    """A file could not be read as text (missing, unreadable, too large, not UTF-8)."""
