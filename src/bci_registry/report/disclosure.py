"""Disclosures: some fields of a sealed report and its organisation, with a multiproof.

An exporter hands customs (or anyone) a disclosure instead of the sealed report: the
chosen fields with their salts, the organisation leaf (always: it proves whose report
this is), and an OpenZeppelin multiproof. The other fields stay hidden; their salts keep
them from being guessed.

Disclosure JSON (``Disclosure.to_json``) is the EAS SDK's ``MerkleMultiProof`` plus the
schema id and the root::

    {
      "schema": "bci-report/1",
      "root": "0x<64 hex>",
      "leaves": [ {"type": "string", "name": "<field>", "value": "<RFC 8785 text>",
                   "salt": "0x<64 hex>"}, ...,
                  {"type": "bytes32", "name": "organisation",
                   "value": "0x<64 hex: organisation id>", "salt": "0x<64 hex>"}, ... ],
      "proof": ["0x<64 hex>", ...],
      "proofFlags": [true, false, ...]
    }

``leaves`` are in proof order (ascending leaf hash), as OpenZeppelin's ``getMultiProof``
returns them, so the organisation leaf sits wherever its hash puts it;
``PrivateData.verifyMultiProof(root, {leaves, proof, proofFlags})`` of the EAS SDK
accepts the same object. A disclosure without the organisation leaf, or with it twice,
is refused. ``docs/report-format.md`` describes the format for other implementations.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bci_registry.registry import organisation_label
from bci_registry.report.canonical import JSONInputError, parse_json
from bci_registry.report.documents import (
    ORGANISATION_LEAF_SHAPE,
    check_keys,
    check_schema_id,
    read_leaf,
)
from bci_registry.report.errors import DisclosureInvalid, Problem, json_path
from bci_registry.report.fields import (
    FIELD_INDEX,
    ORGANISATION_LEAF,
    SCHEMA_ID,
    UnknownFieldError,
    field_mask,
)
from bci_registry.report.leaves import FieldLeaf, hex32, parse_hex32
from bci_registry.report.merkle import process_multiproof
from bci_registry.report.sealing import SealedReport, WithOrganisationLeaf
from bci_registry.report.validation import field_problems

_KEYS = ("schema", "root", "leaves", "proof", "proofFlags")

MISSING_ORGANISATION = (
    "the organisation leaf is missing: every disclosure must include "
    f"{ORGANISATION_LEAF_SHAPE} so that it proves whose report it is; a file without it "
    "was made before reports named their organisation (disclose again from a report "
    "sealed with its organisation)"
)


@dataclass(frozen=True)
class Disclosure(WithOrganisationLeaf):
    """Disclosed leaves (proof order, the organisation leaf among them), the multiproof, the root.

    ``leaves`` is exactly the EAS ``MerkleMultiProof.leaves``: the disclosed field leaves
    and the organisation leaf. ``field_leaves``, ``names``, ``mask`` and ``values`` are
    about the report fields only; ``organisation`` is the id the organisation leaf holds,
    proven once ``verify_disclosure`` passes.
    """

    root: bytes
    leaves: tuple[FieldLeaf, ...]
    proof: tuple[bytes, ...]
    proof_flags: tuple[bool, ...]
    schema: str = SCHEMA_ID

    @property
    def root_hex(self) -> str:
        """The claimed root as 0x-hex."""
        return hex32(self.root)

    @property
    def field_leaves(self) -> tuple[FieldLeaf, ...]:
        """The disclosed report field leaves, in proof order (no organisation leaf)."""
        return tuple(leaf for leaf in self.leaves if not leaf.is_organisation)

    @property
    def organisation_leaf(self) -> FieldLeaf:
        """The organisation leaf; DisclosureInvalid if the disclosure has none (and so
        for ``organisation``, ``organisation_hex`` and ``organisation_label``: the
        multiproof proves the id together with the fields, so check with
        ``verify_disclosure`` against the anchored root before relying on it)."""
        for leaf in self.leaves:
            if leaf.is_organisation:
                return leaf
        raise DisclosureInvalid([Problem("$.leaves", MISSING_ORGANISATION)])

    @property
    def names(self) -> tuple[str, ...]:
        """The disclosed field names, in REPORT_FIELDS order."""
        return tuple(sorted((leaf.name for leaf in self.field_leaves), key=FIELD_INDEX.__getitem__))

    @property
    def mask(self) -> int:
        """The field mask of the disclosed fields (bit i = REPORT_FIELDS[i])."""
        return field_mask(leaf.name for leaf in self.field_leaves)

    def values(self) -> dict[str, Any]:
        """The disclosed field values, parsed, by field name."""
        return {leaf.name: json.loads(leaf.value) for leaf in self.field_leaves}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (see the module docstring)."""
        return {
            "schema": self.schema,
            "root": self.root_hex,
            "leaves": [leaf.to_dict() for leaf in self.leaves],
            "proof": [hex32(node) for node in self.proof],
            "proofFlags": list(self.proof_flags),
        }

    def to_json(self) -> str:
        """The disclosure file text (indented, UTF-8, trailing newline)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, obj: Any) -> Disclosure:
        """Load a disclosure, checking its shape only; DisclosureInvalid lists every problem.

        The shape includes exactly one organisation leaf and at least one field leaf.
        Whether it proves anything is for ``verify_disclosure`` to say.
        """
        problems: list[Problem] = []
        if not isinstance(obj, dict):
            raise DisclosureInvalid([Problem("$", "expected a disclosure object")])
        check_keys(obj, _KEYS, (), problems)
        check_schema_id(obj, problems)
        root = parse_hex32(obj.get("root"))
        if "root" in obj and root is None:
            problems.append(Problem("$.root", "expected 0x followed by 64 hex digits"))
        leaves = _read_leaves(obj.get("leaves"), "leaves" in obj, problems)
        proof = _read_proof(obj.get("proof"), "proof" in obj, problems)
        flags = obj.get("proofFlags")
        if "proofFlags" in obj and (
            not isinstance(flags, list) or not all(isinstance(f, bool) for f in flags)
        ):
            problems.append(Problem("$.proofFlags", "expected an array of true/false"))
        if problems:
            raise DisclosureInvalid(problems)
        assert root is not None and isinstance(flags, list)
        return cls(root=root, leaves=leaves, proof=proof, proof_flags=tuple(flags))

    @classmethod
    def from_json(cls, text: str) -> Disclosure:
        """Parse disclosure JSON text (see ``from_dict``)."""
        try:
            obj = parse_json(text)
        except JSONInputError as exc:
            raise DisclosureInvalid([Problem("$", str(exc))]) from None
        return cls.from_dict(obj)


def _read_leaves(raw: Any, present: bool, problems: list[Problem]) -> tuple[FieldLeaf, ...]:
    if not present:
        return ()
    if not isinstance(raw, list) or not raw:
        problems.append(Problem("$.leaves", "expected a non-empty array of disclosed leaves"))
        return ()
    leaves: list[FieldLeaf] = []
    seen: set[str] = set()
    unusable = False
    for i, item in enumerate(raw):
        parsed = read_leaf(item, ("leaves", i), problems)
        if parsed is None:
            unusable = True
            continue
        leaf = parsed[0]
        if leaf.name in seen:
            what = "the organisation leaf" if leaf.is_organisation else f"field {leaf.name}"
            problems.append(Problem(json_path(("leaves", i, "name")), f"{what} is disclosed twice"))
        seen.add(leaf.name)
        leaves.append(leaf)
    # A leaf that could not be read may be the one missing: say it once.
    if not unusable:
        if ORGANISATION_LEAF not in seen:
            problems.append(Problem("$.leaves", MISSING_ORGANISATION))
        if not seen - {ORGANISATION_LEAF}:
            problems.append(
                Problem("$.leaves", "discloses no report field: expected at least one field leaf")
            )
    return tuple(leaves)


def _read_proof(raw: Any, present: bool, problems: list[Problem]) -> tuple[bytes, ...]:
    if not present:
        return ()
    if not isinstance(raw, list):
        problems.append(Problem("$.proof", "expected an array of 32-byte hashes"))
        return ()
    nodes: list[bytes] = []
    for i, item in enumerate(raw):
        node = parse_hex32(item)
        if node is None:
            problems.append(
                Problem(json_path(("proof", i)), "expected a 32-byte hash: 0x + 64 hex digits")
            )
        else:
            nodes.append(node)
    return tuple(nodes)


def disclose(sealed: SealedReport, names: Iterable[str]) -> Disclosure:
    """Disclose the fields ``names`` of ``sealed``, and its organisation, with a multiproof.

    The organisation leaf is always included: it is what proves whose report this is.
    Raises UnknownFieldError for a name that is not a report field (``"organisation"``
    included: it is not named, it is always there), and ValueError if no field is named.
    Naming a field twice discloses it once.
    """
    wanted = list(dict.fromkeys(names))
    if not wanted:
        raise ValueError("name at least one field to disclose")
    for name in wanted:
        if name not in FIELD_INDEX:
            raise UnknownFieldError(name)
    by_hash = {leaf.hash: leaf for leaf in sealed.leaves}
    chosen = [sealed.field(name).hash for name in wanted]
    chosen.append(sealed.organisation_leaf.hash)
    multiproof = sealed.tree().multiproof(chosen)
    return Disclosure(
        root=sealed.root,
        leaves=tuple(by_hash[h] for h in multiproof.leaves),
        proof=multiproof.proof,
        proof_flags=multiproof.proof_flags,
        schema=sealed.schema,
    )


def disclosure_problems(
    disclosure: Disclosure, root: bytes | str | None = None, organisation: bytes | None = None
) -> list[Problem]:
    """Every reason ``disclosure`` does not prove its fields against ``root``; empty if it does.

    ``root`` is the anchored root (bytes or 0x-hex); None checks the disclosure against
    the root it names itself, which only shows it is self-consistent. ``organisation``
    (32 bytes), if given, is the organisation the disclosure must be for; either way the
    disclosure must carry exactly one organisation leaf, proven with the fields.
    """
    problems: list[Problem] = []
    expected = _root_bytes(root) if root is not None else disclosure.root
    if disclosure.root != expected:
        problems.append(
            Problem(
                "$.root",
                f"the disclosure is for root {disclosure.root_hex}, "
                f"expected root {hex32(expected)}",
            )
        )
    organisations = [i for i, leaf in enumerate(disclosure.leaves) if leaf.is_organisation]
    if not organisations:
        problems.append(Problem("$.leaves", MISSING_ORGANISATION))
    elif len(organisations) > 1:
        problems.append(
            Problem(
                json_path(("leaves", organisations[1], "name")),
                "the organisation leaf is disclosed twice",
            )
        )
    elif organisation is not None and disclosure.organisation != organisation:
        problems.append(
            Problem(
                json_path(("leaves", organisations[0], "value")),
                f"the disclosure is for organisation {disclosure.organisation_label}, "
                f"expected organisation {organisation_label(organisation)}",
            )
        )
    for leaf in disclosure.field_leaves:
        problems += field_problems(leaf.name, json.loads(leaf.value))
    try:
        implied = process_multiproof(
            [leaf.hash for leaf in disclosure.leaves], disclosure.proof, disclosure.proof_flags
        )
    except ValueError as exc:  # MerkleError, or a leaf that cannot be encoded
        problems.append(Problem("$.proof", str(exc)))
    else:
        if implied != disclosure.root:
            problems.append(
                Problem(
                    "$.proof",
                    f"the leaves and proof lead to {hex32(implied)}, not to the root "
                    f"{disclosure.root_hex}: a disclosed value, salt, the organisation or a "
                    "proof hash was changed, or the leaves are out of proof order",
                )
            )
    return problems


def verify_disclosure(
    disclosure: Disclosure, root: bytes | str | None = None, organisation: bytes | None = None
) -> None:
    """Raise DisclosureInvalid unless ``disclosure`` proves its fields against ``root``.

    Checks that the claimed root is ``root``, that the organisation leaf is there (and
    is ``organisation`` if given), that every disclosed value passes the schema for its
    field on its own, and that the leaves and multiproof reproduce the root (so no
    value, salt, organisation or proof hash was changed). After it passes,
    ``disclosure.organisation`` is the organisation the root commits to.
    """
    problems = disclosure_problems(disclosure, root, organisation)
    if problems:
        raise DisclosureInvalid(problems)


def _root_bytes(root: bytes | str) -> bytes:
    if isinstance(root, bytes) and len(root) == 32:
        return bytes(root)
    parsed = parse_hex32(root)
    if parsed is None:
        raise ValueError("a root is 32 bytes, or 0x followed by 64 hex digits")
    return parsed
