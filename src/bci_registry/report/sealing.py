"""Sealed reports: the 12 fields as salted leaves, and the root that goes on chain.

``seal_report`` validates a report, writes each of the 12 fields as RFC 8785 text,
gives each a fresh random 32-byte salt and builds the OpenZeppelin StandardMerkleTree
of the leaves. The root is the report hash anchored on chain. The salts are what keep
low-entropy values (a cobalt share of 16 %) from being guessed from the root, so a
sealed report file is confidential: whoever holds it can disclose any field.

Sealed report JSON (``SealedReport.to_json``)::

    {
      "schema": "bci-report/1",
      "root": "0x<64 hex>",
      "fields": [ {"type": "string", "name": "<field>", "value": "<RFC 8785 text>",
                   "salt": "0x<64 hex>"}, ... 12 entries, REPORT_FIELDS order ... ]
    }

``fields`` is the EAS SDK's ``MerkleValueWithSalt[]``; ``{"root", "values": fields}`` is
its ``FullMerkleDataTree``, so ``PrivateData.verifyFullTree`` recomputes the same root.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bci_registry.report.canonical import JSONInputError, canonical_json_of_valid_field, parse_json
from bci_registry.report.documents import check_keys, check_schema_id, read_leaf
from bci_registry.report.errors import Problem, SealedReportInvalid, json_path
from bci_registry.report.fields import LEAF_TYPE, REPORT_FIELDS, SCHEMA_ID
from bci_registry.report.leaves import SALT_SIZE, FieldLeaf, hex32, parse_hex32
from bci_registry.report.merkle import StandardMerkleTree
from bci_registry.report.validation import report_problems, validate_report


def fields_root(leaves: Iterable[FieldLeaf]) -> bytes:
    """Root of the StandardMerkleTree over the given field leaves."""
    return StandardMerkleTree([leaf.hash for leaf in leaves]).root


@dataclass(frozen=True)
class SealedReport:
    """A report's 12 field leaves (REPORT_FIELDS order) and their root.

    Make one with ``seal_report`` or ``SealedReport.from_json``/``from_dict``, which check
    that the root matches the fields; the constructor itself trusts its arguments.
    """

    fields: tuple[FieldLeaf, ...]
    root: bytes
    schema: str = SCHEMA_ID

    @property
    def root_hex(self) -> str:
        """The root as 0x-hex, as anchored on chain."""
        return hex32(self.root)

    def field(self, name: str) -> FieldLeaf:
        """The leaf of field ``name``; KeyError if there is none."""
        for leaf in self.fields:
            if leaf.name == name:
                return leaf
        raise KeyError(name)

    def report(self) -> dict[str, Any]:
        """The report the fields commit to, with its ``"schema"`` marker."""
        report: dict[str, Any] = {"schema": self.schema}
        for leaf in self.fields:
            report[leaf.name] = json.loads(leaf.value)
        return report

    def tree(self) -> StandardMerkleTree:
        """The field-commitment tree (rebuilt on each call)."""
        return StandardMerkleTree([leaf.hash for leaf in self.fields])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (see the module docstring)."""
        return {
            "schema": self.schema,
            "root": self.root_hex,
            "fields": [leaf.to_dict() for leaf in self.fields],
        }

    def to_json(self) -> str:
        """The sealed report file text (indented, UTF-8, trailing newline)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, obj: Any) -> SealedReport:
        """Check and load a sealed report; SealedReportInvalid lists every problem.

        Re-checks everything: the shape, that each value is the canonical text of a JSON
        value, that the values form a valid report, and that the root matches.
        """
        problems: list[Problem] = []
        if not isinstance(obj, dict):
            raise SealedReportInvalid([Problem("$", "expected a sealed report object")])
        check_keys(obj, ("schema", "root", "fields"), (), problems)
        check_schema_id(obj, problems)
        root = parse_hex32(obj.get("root"))
        if "root" in obj and root is None:
            problems.append(Problem("$.root", "expected 0x followed by 64 hex digits"))
        raw_fields = obj.get("fields")
        leaves: dict[str, tuple[FieldLeaf, Any]] = {}
        if not isinstance(raw_fields, list):
            if "fields" in obj:
                problems.append(Problem("$.fields", "expected an array of 12 field leaves"))
        else:
            unusable = False
            for i, raw in enumerate(raw_fields):
                parsed = read_leaf(raw, ("fields", i), problems)
                if parsed is None:
                    unusable = True
                    continue
                leaf, _ = parsed
                if leaf.name in leaves:
                    problems.append(
                        Problem(
                            json_path(("fields", i, "name")), f"field {leaf.name} appears twice"
                        )
                    )
                    continue
                leaves[leaf.name] = parsed
            missing = [name for name in REPORT_FIELDS if name not in leaves]
            # A leaf that could not be read may be the "missing" one: say it once.
            if missing and not unusable:
                problems.append(Problem("$.fields", f"missing field leaves: {', '.join(missing)}"))
        if problems:
            raise SealedReportInvalid(problems)
        report = {"schema": SCHEMA_ID, **{name: value for name, (_, value) in leaves.items()}}
        problems += report_problems(report)
        ordered = tuple(leaves[name][0] for name in REPORT_FIELDS)
        recomputed = fields_root(ordered)
        if root is not None and recomputed != root:
            problems.append(
                Problem(
                    "$.root",
                    f"does not match the fields: they give {hex32(recomputed)}, "
                    "so a value or salt was changed after sealing",
                )
            )
        if problems:
            raise SealedReportInvalid(problems)
        assert root is not None  # checked above
        return cls(fields=ordered, root=root)

    @classmethod
    def from_json(cls, text: str) -> SealedReport:
        """Parse and check sealed report JSON text (see ``from_dict``)."""
        try:
            obj = parse_json(text)
        except JSONInputError as exc:
            raise SealedReportInvalid([Problem("$", str(exc))]) from None
        return cls.from_dict(obj)


def seal_report(report: Any, salts: Mapping[str, bytes] | None = None) -> SealedReport:
    """Validate ``report`` and seal it; ReportInvalid (with every problem) if it is invalid.

    ``salts`` maps each of the 12 field names to a 32-byte salt. Leave it out in real
    use: each field then gets a fresh ``secrets.token_bytes(32)``. Fixed salts exist
    for test vectors and for re-sealing a report whose salts were kept elsewhere.
    """
    validate_report(report)
    if salts is not None:
        _check_salts(salts)
    leaves = tuple(
        FieldLeaf(
            LEAF_TYPE,
            name,
            canonical_json_of_valid_field(report[name]),
            salts[name] if salts is not None else secrets.token_bytes(SALT_SIZE),
        )
        for name in REPORT_FIELDS
    )
    return SealedReport(fields=leaves, root=fields_root(leaves))


def _check_salts(salts: Mapping[str, bytes]) -> None:
    unknown = sorted(set(salts) - set(REPORT_FIELDS))
    missing = [name for name in REPORT_FIELDS if name not in salts]
    if unknown or missing:
        raise ValueError(
            f"salts must name exactly the 12 fields; unknown {unknown}, missing {missing}"
        )
    for name, salt in salts.items():
        if not isinstance(salt, bytes) or len(salt) != SALT_SIZE:
            raise ValueError(f"the salt of {name} must be {SALT_SIZE} bytes")
