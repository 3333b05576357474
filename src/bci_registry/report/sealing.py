"""Sealed reports: the 12 fields and the organisation as salted leaves, and the root.

``seal_report`` validates a report, writes each of the 12 fields as RFC 8785 text,
adds the exporter's organisation id as a 13th leaf, gives each leaf a fresh random
32-byte salt and builds the OpenZeppelin StandardMerkleTree of the 13 leaves. The root
is the report hash anchored on chain; because the organisation leaf is in the tree, the
root commits to the exporter, so a report sealed for one organisation can never pass as
another's. The salts are what keep low-entropy values (a cobalt share of 16 %) from
being guessed from the root, so a sealed report file is confidential: whoever holds it
can disclose any field.

Sealed report JSON (``SealedReport.to_json``)::

    {
      "schema": "bci-report/1",
      "root": "0x<64 hex>",
      "fields": [ {"type": "string", "name": "<field>", "value": "<RFC 8785 text>",
                   "salt": "0x<64 hex>"}, ... 12 entries, REPORT_FIELDS order ...,
                  {"type": "bytes32", "name": "organisation",
                   "value": "0x<64 hex: organisation id>", "salt": "0x<64 hex>"} ]
    }

``fields`` is the EAS SDK's ``MerkleValueWithSalt[]`` (13 leaves, the organisation last);
``{"root", "values": fields}`` is its ``FullMerkleDataTree``, so
``PrivateData.verifyFullTree`` recomputes the same root. ``docs/report-format.md``
describes the format for other implementations.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bci_registry.registry import organisation_label
from bci_registry.report.canonical import JSONInputError, canonical_json_of_valid_field, parse_json
from bci_registry.report.documents import (
    ORGANISATION_LEAF_SHAPE,
    check_keys,
    check_schema_id,
    read_leaf,
)
from bci_registry.report.errors import Problem, SealedReportInvalid, json_path
from bci_registry.report.fields import LEAF_TYPE, ORGANISATION_LEAF, REPORT_FIELDS, SCHEMA_ID
from bci_registry.report.leaves import (
    SALT_SIZE,
    FieldLeaf,
    hex32,
    organisation_leaf,
    parse_hex32,
)
from bci_registry.report.merkle import StandardMerkleTree
from bci_registry.report.validation import report_problems, validate_report

SALT_NAMES = (*REPORT_FIELDS, ORGANISATION_LEAF)
"""The names a full set of salts has: the 12 fields and the organisation leaf."""


def fields_root(leaves: Iterable[FieldLeaf]) -> bytes:
    """Root of the StandardMerkleTree over the given leaves (fields and organisation)."""
    return StandardMerkleTree([leaf.hash for leaf in leaves]).root


class WithOrganisationLeaf:
    """The organisation id of a document's ``organisation_leaf``, in its three forms
    (a sealed report's and a disclosure's)."""

    if TYPE_CHECKING:

        @property
        def organisation_leaf(self) -> FieldLeaf: ...

    @property
    def organisation(self) -> bytes:
        """The 32-byte id of the organisation the root commits to."""
        return bytes.fromhex(self.organisation_leaf.value[2:])

    @property
    def organisation_hex(self) -> str:
        """The organisation id as 0x-hex."""
        return self.organisation_leaf.value

    @property
    def organisation_label(self) -> str:
        """The organisation id as text if it is printable text, else 0x-hex."""
        return organisation_label(self.organisation)


@dataclass(frozen=True)
class SealedReport(WithOrganisationLeaf):
    """A report's 12 field leaves (REPORT_FIELDS order), its organisation leaf, and the root.

    Make one with ``seal_report`` or ``SealedReport.from_json``/``from_dict``, which check
    that the root matches the leaves; the constructor itself trusts its arguments.
    """

    fields: tuple[FieldLeaf, ...]
    organisation_leaf: FieldLeaf
    root: bytes
    schema: str = SCHEMA_ID

    @property
    def root_hex(self) -> str:
        """The root as 0x-hex, as anchored on chain."""
        return hex32(self.root)

    @property
    def leaves(self) -> tuple[FieldLeaf, ...]:
        """All 13 leaves of the tree: the 12 fields, then the organisation."""
        return (*self.fields, self.organisation_leaf)

    def field(self, name: str) -> FieldLeaf:
        """The leaf named ``name`` (a field, or ``"organisation"``); KeyError if none."""
        for leaf in self.leaves:
            if leaf.name == name:
                return leaf
        raise KeyError(name)

    def report(self) -> dict[str, Any]:
        """The report the fields commit to, with its ``"schema"`` marker (no organisation)."""
        report: dict[str, Any] = {"schema": self.schema}
        for leaf in self.fields:
            report[leaf.name] = json.loads(leaf.value)
        return report

    def tree(self) -> StandardMerkleTree:
        """The field-commitment tree over the 13 leaves (rebuilt on each call)."""
        return StandardMerkleTree([leaf.hash for leaf in self.leaves])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (see the module docstring)."""
        return {
            "schema": self.schema,
            "root": self.root_hex,
            "fields": [leaf.to_dict() for leaf in self.leaves],
        }

    def to_json(self) -> str:
        """The sealed report file text (indented, UTF-8, trailing newline)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, obj: Any) -> SealedReport:
        """Check and load a sealed report; SealedReportInvalid lists every problem.

        Re-checks everything: the shape, that each value is the canonical text of a JSON
        value, that the values form a valid report, that the organisation leaf is there,
        and that the root matches the 13 leaves.
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
                problems.append(
                    Problem("$.fields", "expected an array of 12 field leaves and the organisation")
                )
        else:
            unusable = False
            for i, raw in enumerate(raw_fields):
                parsed = read_leaf(raw, ("fields", i), problems)
                if parsed is None:
                    unusable = True
                    continue
                leaf, _ = parsed
                if leaf.name in leaves:
                    what = "the organisation leaf" if leaf.is_organisation else f"field {leaf.name}"
                    problems.append(
                        Problem(json_path(("fields", i, "name")), f"{what} appears twice")
                    )
                    continue
                leaves[leaf.name] = parsed
            missing = [name for name in REPORT_FIELDS if name not in leaves]
            # A leaf that could not be read may be the "missing" one: say it once.
            if missing and not unusable:
                problems.append(Problem("$.fields", f"missing field leaves: {', '.join(missing)}"))
            if ORGANISATION_LEAF not in leaves and not unusable:
                problems.append(Problem("$.fields", _MISSING_ORGANISATION))
        if problems:
            raise SealedReportInvalid(problems)
        report = {
            "schema": SCHEMA_ID,
            **{name: value for name, (_, value) in leaves.items() if name != ORGANISATION_LEAF},
        }
        problems += report_problems(report)
        assert root is not None  # checked above
        sealed = cls(
            fields=tuple(leaves[name][0] for name in REPORT_FIELDS),
            organisation_leaf=leaves[ORGANISATION_LEAF][0],
            root=root,
        )
        recomputed = fields_root(sealed.leaves)
        if recomputed != root:
            problems.append(
                Problem(
                    "$.root",
                    f"does not match the fields and the organisation leaf "
                    f"(organisation {sealed.organisation_label}): they give "
                    f"{hex32(recomputed)}, so a value, a salt or the organisation was changed "
                    "after sealing",
                )
            )
        if problems:
            raise SealedReportInvalid(problems)
        return sealed

    @classmethod
    def from_json(cls, text: str) -> SealedReport:
        """Parse and check sealed report JSON text (see ``from_dict``)."""
        try:
            obj = parse_json(text)
        except JSONInputError as exc:
            raise SealedReportInvalid([Problem("$", str(exc))]) from None
        return cls.from_dict(obj)


_MISSING_ORGANISATION = (
    "the organisation leaf is missing: the root commits to the exporter's organisation "
    f"through a 13th leaf {ORGANISATION_LEAF_SHAPE}; a file without it was sealed before "
    "reports named their organisation and must be sealed again"
)


def seal_report(
    report: Any, salts: Mapping[str, bytes] | None = None, *, organisation: bytes
) -> SealedReport:
    """Validate ``report`` and seal it for ``organisation``; ReportInvalid if it is invalid.

    ``organisation`` is the exporter's 32-byte organisation id, as registered on chain
    (``bci_registry.registry.organisation_id`` turns its text form into bytes); it
    becomes the 13th leaf, so the root commits to it.

    ``salts`` maps each of the 12 field names and ``"organisation"`` to a 32-byte salt.
    Leave it out in real use: each leaf then gets a fresh ``secrets.token_bytes(32)``.
    Fixed salts exist for test vectors and for re-sealing a report whose salts were
    kept elsewhere.
    """
    if not isinstance(organisation, bytes) or len(organisation) != 32:
        raise ValueError(
            "organisation must be the 32-byte organisation id "
            "(bci_registry.registry.organisation_id makes it from its text form)"
        )
    if organisation == bytes(32):
        raise ValueError("the organisation id is zero; the registry gives no organisation that id")
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
    org_leaf = organisation_leaf(
        organisation,
        salts[ORGANISATION_LEAF] if salts is not None else secrets.token_bytes(SALT_SIZE),
    )
    return SealedReport(
        fields=leaves, organisation_leaf=org_leaf, root=fields_root((*leaves, org_leaf))
    )


seal = seal_report
"""``seal(report, organisation=..., salts=...)``: the same function as ``seal_report``."""


def _check_salts(salts: Mapping[str, bytes]) -> None:
    unknown = sorted(set(salts) - set(SALT_NAMES))
    missing = [name for name in SALT_NAMES if name not in salts]
    if unknown or missing:
        raise ValueError(
            "salts must name exactly the 12 fields and the organisation; "
            f"unknown {unknown}, missing {missing}"
        )
    for name, salt in salts.items():
        if not isinstance(salt, bytes) or len(salt) != SALT_SIZE:
            raise ValueError(f"the salt of {name} must be {SALT_SIZE} bytes")
