"""The twelve report fields, their order and the field mask; the organisation leaf's name.

The order is fixed by DESIGN.md and is part of the on-chain format: an attestation
names the fields it verified with a 12-bit mask whose bit ``i`` stands for
``REPORT_FIELDS[i]``. Never reorder or rename these.

The field tree has a 13th leaf besides the fields: ``organisation``, the exporter's
32-byte organisation id (type ``bytes32``). It is not a report field and has no mask bit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

SCHEMA_ID: Final = "bci-report/1"
"""Schema id carried by reports, sealed reports and disclosures."""

REPORT_FIELDS: Final[tuple[str, ...]] = (
    "cathodeMaterialOrigin",
    "refineryCarbonIntensity",
    "recycledContent",
    "smelterIds",
    "mineLicences",
    "transportEmissions",
    "verifications",
    "batteryIdentifiers",
    "shipment",
    "facilityAndOperator",
    "batteryCarbonFootprint",
    "dueDiligenceReport",
)
"""The 12 top-level report fields in DESIGN.md order; bit ``i`` of a field mask is field ``i``."""

FIELD_INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(REPORT_FIELDS)}

ALL_FIELDS_MASK: Final = (1 << len(REPORT_FIELDS)) - 1
"""Mask with every field set (0xfff)."""

LEAF_TYPE: Final = "string"
"""EAS PrivateData leaf type of every field: the value is canonical JSON text."""

ORGANISATION_LEAF: Final = "organisation"
"""Name of the 13th leaf, the exporter's organisation id (not a report field, no mask bit)."""

ORGANISATION_LEAF_TYPE: Final = "bytes32"
"""EAS PrivateData leaf type of the organisation leaf: the value is the 32-byte id."""


class UnknownFieldError(ValueError):
    """A field name is not one of REPORT_FIELDS."""

    def __init__(self, name: str) -> None:
        note = (
            " (the organisation is not a field: every disclosure includes it)"
            if name == ORGANISATION_LEAF
            else ""
        )
        super().__init__(
            f"unknown report field {name!r}{note}; the fields are: {', '.join(REPORT_FIELDS)}"
        )
        self.name = name


def field_mask(names: Iterable[str]) -> int:
    """Return the mask with bit ``REPORT_FIELDS.index(name)`` set for every name.

    Raises UnknownFieldError for a name that is not a report field. Repeated names
    are harmless (a set bit stays set).
    """
    mask = 0
    for name in names:
        index = FIELD_INDEX.get(name)
        if index is None:
            raise UnknownFieldError(name)
        mask |= 1 << index
    return mask


def fields_from_mask(mask: int) -> tuple[str, ...]:
    """Return the field names whose bits are set in ``mask``, in REPORT_FIELDS order.

    Raises ValueError if the mask has bits beyond the 12 fields or is negative.
    """
    if mask < 0 or mask > ALL_FIELDS_MASK:
        raise ValueError(f"field mask {mask:#x} is outside 0..{ALL_FIELDS_MASK:#x}")
    return tuple(name for i, name in enumerate(REPORT_FIELDS) if mask >> i & 1)
