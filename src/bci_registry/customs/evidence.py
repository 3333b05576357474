"""The file customs is handed: a sealed report or a disclosure, and whether it proves its root.

A file that cannot be read, is not JSON, is neither kind of document or has
no readable root is bad input (``CustomsInputError``, exit 2): there is
nothing to check. A document that names a root but does not prove it (a value
or salt changed, a broken proof, an invalid field value) is evidence that
fails: its problems become the failed "file" check of a FAIL verdict, and the
root it claims is still looked up so that every other reason is shown too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bci_registry import inputs
from bci_registry.customs.errors import CustomsInputError
from bci_registry.report import (
    REPORT_FIELDS,
    Disclosure,
    DisclosureInvalid,
    InputFileError,
    SealedReport,
    SealedReportInvalid,
    disclosure_problems,
)
from bci_registry.report.fields import ORGANISATION_LEAF
from bci_registry.report.files import read_text

SEALED = "sealed report"
DISCLOSURE = "disclosure"
#: A UNTP Digital Conformity Credential (``bci_registry.interop.customs_dcc``).
DCC = "UNTP DCC"
_ROOT = re.compile(r"0x[0-9a-fA-F]{64}\Z")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


@dataclass(frozen=True)
class Evidence:
    """What a report file claims and proves."""

    path: str
    kind: str  # SEALED or DISCLOSURE
    root: bytes  # the root the file claims
    fields: tuple[str, ...]  # the fields whose values it carries, REPORT_FIELDS order
    problems: tuple[str, ...]  # why it does not prove the root; empty: it does
    delivery_date: str | None = None  # the shipment field's deliveryDate, if carried
    #: The exporter's organisation id from the file's organisation leaf (proven with
    #: the root when ``problems`` is empty); None: the file names no organisation.
    organisation: bytes | None = None
    #: The batch proof file the report was read with (a batch member), if any.
    batch_proof_file: str | None = None
    #: For a UNTP DCC: what the credential says (``bci_registry.interop.customs_dcc.DccFacts``).
    dcc: Any = None

    @property
    def root_hex(self) -> str:
        return "0x" + self.root.hex()

    @property
    def proves_root(self) -> bool:
        return not self.problems


def expand(paths: Iterable[Path]) -> list[Path]:
    """The files to check: each file as given, each directory's ``*.json`` sorted by name.

    (A DCC is given as its ``.jwt`` file, or as its decoded ``.json`` with the JWT beside it.)
    """
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            # a batch member's proof file (``<name>.batch-proof.json``) is not a report
            found = sorted(
                p
                for p in path.glob("*.json")
                if p.is_file() and not p.name.endswith(".batch-proof.json")
            )
            if not found:
                raise CustomsInputError(f"{path} holds no *.json report files")
            out += found
        else:
            out.append(path)
    if not out:
        raise CustomsInputError("no report file given")
    return out


def load_evidence(path: Path, dcc_options: Any = None) -> Evidence:
    """Read ``path`` and check what it proves (no chain involved).

    ``dcc_options`` (``bci_registry.interop.customs_dcc.DccOptions``: DID documents,
    status lists, the deployment's chain and registry) is what a DCC file needs.
    """
    try:
        text = read_text(path)
    except InputFileError as exc:
        raise CustomsInputError(str(exc)) from None
    from bci_registry.interop.customs_dcc import DccOptions, load_dcc, looks_like_dcc

    if looks_like_dcc(text):
        return load_dcc(path, text, None, dcc_options or DccOptions())
    try:
        obj = inputs.parse_json(text, str(path), strict_unicode=False)
    except inputs.BoundedInputError as exc:
        raise CustomsInputError(str(exc)) from None
    if looks_like_dcc("", obj):
        return load_dcc(path, text, obj, dcc_options or DccOptions())
    return evidence_from_text(text, str(path), obj)


def evidence_from_text(text: str, name: str, obj: Any = None) -> Evidence:
    """What a sealed report or disclosure given as ``text`` claims and proves.

    ``load_evidence`` without the file system (the desk's uploads): ``name`` names
    the document in messages and becomes its ``path``; ``obj`` is ``text`` already
    parsed as JSON (parsed here when None).
    """
    if obj is None:
        try:
            obj = inputs.parse_json(text, name, strict_unicode=False)
        except inputs.BoundedInputError as exc:
            raise CustomsInputError(str(exc)) from None
    if not isinstance(obj, dict):
        raise CustomsInputError(f"{name}: expected a sealed report or a disclosure (a JSON object)")
    if "fields" in obj:
        kind, leaves_key = SEALED, "fields"
    elif "leaves" in obj:
        kind, leaves_key = DISCLOSURE, "leaves"
    else:
        raise CustomsInputError(
            f"{name} is neither a sealed report (no 'fields') nor a disclosure (no 'leaves')"
        )
    claimed = obj.get("root")
    if not isinstance(claimed, str) or not _ROOT.match(claimed):
        raise CustomsInputError(f"{name}: $.root: expected 0x followed by 64 hex digits")
    root = bytes.fromhex(claimed[2:])
    leaves = _raw_leaves(obj.get(leaves_key))
    problems: list[str] = []
    organisation = _raw_organisation(obj.get(leaves_key))
    if kind == SEALED:
        try:
            # re-checks every value and recomputes the root
            organisation = SealedReport.from_json(text).organisation
        except SealedReportInvalid as exc:
            problems = [str(p) for p in exc.problems]
    else:
        try:
            disclosure = Disclosure.from_json(text)
        except DisclosureInvalid as exc:
            problems = [str(p) for p in exc.problems]
        else:
            problems = [str(p) for p in disclosure_problems(disclosure, root)]
            # no organisation leaf: a problem disclosure_problems lists
            with contextlib.suppress(DisclosureInvalid):
                organisation = disclosure.organisation
    return Evidence(
        path=name,
        kind=kind,
        root=root,
        fields=tuple(field for field in REPORT_FIELDS if field in leaves),
        problems=tuple(problems),
        delivery_date=_delivery_date(leaves.get("shipment")),
        organisation=organisation,
    )


def _raw_organisation(raw: Any) -> bytes | None:
    """The organisation leaf's id as the file states it (looked up even if unproven)."""
    if not isinstance(raw, list):
        return None
    for leaf in raw:
        if isinstance(leaf, dict) and leaf.get("name") == ORGANISATION_LEAF:
            value = leaf.get("value")
            if isinstance(value, str) and _ROOT.match(value):
                return bytes.fromhex(value[2:])
    return None


def _raw_leaves(raw: Any) -> dict[str, Any]:
    """Field name -> the leaf's value text, for the leaves that name a report field."""
    if not isinstance(raw, list):
        return {}
    return {
        leaf["name"]: leaf.get("value")
        for leaf in raw
        if isinstance(leaf, dict) and leaf.get("name") in REPORT_FIELDS
    }


def _delivery_date(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        shipment = inputs.parse_json(value)
    except inputs.BoundedInputError:
        return None
    day = shipment.get("deliveryDate") if isinstance(shipment, dict) else None
    if not isinstance(day, str) or not _DAY.match(day):
        return None
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        return None
    return day
