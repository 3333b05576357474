"""bci-report/1 reports: schema validation, sealing into a salted field root, disclosure.

Public API for the chain scripts (names are stable):

- ``REPORT_FIELDS``: the 12 field names; bit i of a field mask is ``REPORT_FIELDS[i]``.
- ``field_mask(names) -> int`` and ``fields_from_mask(mask) -> tuple[str, ...]``.
- ``load_report(path) -> dict``: read and validate (raises ReportInvalid / InputFileError).
- ``validate_report(obj) -> None``: raises ReportInvalid listing every Problem.
- ``report_problems(obj) -> list[Problem]``: the same without raising.
- ``seal_report(obj, salts=None, *, organisation) -> SealedReport`` (``seal`` is the same
  function): ``organisation`` is the exporter's 32-byte organisation id, sealed as a 13th
  leaf so that the root commits to it. ``SealedReport.root`` is 32 bytes, ``root_hex``
  its 0x-hex, ``organisation`` the 32-byte id (``organisation_label`` its readable
  form), ``to_json()``/``from_json()`` the file format.
- ``load_sealed_report(path) -> SealedReport`` (re-checks values, organisation leaf, root).
- ``disclose(sealed, names) -> Disclosure`` (always with the organisation leaf);
  ``Disclosure.organisation`` is the 32-byte id it proves; ``to_json()``/``from_json()``.
- ``load_disclosure(path) -> Disclosure`` and
  ``verify_disclosure(disclosure, root, organisation=None)`` (raises DisclosureInvalid),
  ``disclosure_problems(disclosure, root, organisation=None)`` without raising.

File formats and the leaf encoding: ``docs/report-format.md``.
"""

from bci_registry.report.disclosure import (
    Disclosure,
    disclose,
    disclosure_problems,
    verify_disclosure,
)
from bci_registry.report.errors import (
    DisclosureInvalid,
    InputFileError,
    Problem,
    ReportError,
    ReportInvalid,
    SealedReportInvalid,
)
from bci_registry.report.fields import (
    ALL_FIELDS_MASK,
    ORGANISATION_LEAF,
    REPORT_FIELDS,
    SCHEMA_ID,
    UnknownFieldError,
    field_mask,
    fields_from_mask,
)
from bci_registry.report.files import load_disclosure, load_report, load_sealed_report
from bci_registry.report.leaves import FieldLeaf, organisation_leaf
from bci_registry.report.sealing import SealedReport, seal, seal_report
from bci_registry.report.validation import (
    field_problems,
    report_problems,
    validate_field,
    validate_report,
)

__all__ = [
    "ALL_FIELDS_MASK",
    "ORGANISATION_LEAF",
    "REPORT_FIELDS",
    "SCHEMA_ID",
    "Disclosure",
    "DisclosureInvalid",
    "FieldLeaf",
    "InputFileError",
    "Problem",
    "ReportError",
    "ReportInvalid",
    "SealedReport",
    "SealedReportInvalid",
    "UnknownFieldError",
    "disclose",
    "disclosure_problems",
    "field_mask",
    "field_problems",
    "fields_from_mask",
    "load_disclosure",
    "load_report",
    "load_sealed_report",
    "organisation_leaf",
    "report_problems",
    "seal",
    "seal_report",
    "validate_field",
    "validate_report",
    "verify_disclosure",
]
