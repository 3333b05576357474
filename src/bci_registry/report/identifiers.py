"""Identifier checks JSON Schema cannot express: GS1 check digits, EORI, BPNL, passport ids.

Each ``*_problem`` function returns None when the value is acceptable, or a short
"expected ..." message. They assume the value already has the schema's shape (digits
of the right length, and so on); the schema reports shape errors itself, so these
functions stay quiet about them to avoid reporting one mistake twice.
"""

from __future__ import annotations

import re
import uuid

from bci_registry.report.countries import COUNTRY_CODES


def gs1_check_digit(body: str) -> int:
    """GS1 mod-10 check digit for the digits ``body`` (the identifier without its last digit).

    Weights 3 and 1 alternate from the rightmost digit of the body, which has weight 3;
    the check digit brings the weighted sum up to a multiple of 10. The same rule serves
    GTIN-8/12/13/14, GLN and SSCC (GS1 General Specifications 7.9).
    """
    if not body.isdigit() or not body.isascii():
        raise ValueError(f"GS1 body must be ASCII digits, got {body!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def with_gs1_check_digit(body: str) -> str:
    """Append the GS1 check digit to ``body``."""
    return body + str(gs1_check_digit(body))


def gs1_problem(value: str, kind: str, lengths: tuple[int, ...]) -> str | None:
    """Check a GS1 key of one of ``lengths`` digits; ``kind`` names it ("an SSCC")."""
    if not (value.isascii() and value.isdigit()) or len(value) not in lengths:
        return None  # a shape error: the schema pattern reports it
    expected = gs1_check_digit(value[:-1])
    if int(value[-1]) != expected:
        return (
            f"expected {kind} with a valid GS1 check digit: the check digit of "
            f"{value[:-1]} is {expected}, got {value[-1]} in {value!r}"
        )
    return None


def sscc_problem(value: str) -> str | None:
    """Check an SSCC (GS1 AI 00): 18 digits, the last one the mod-10 check digit."""
    return gs1_problem(value, "an SSCC", (18,))


def gln_problem(value: str) -> str | None:
    """Check a GLN (GS1 AI 414): 13 digits, the last one the mod-10 check digit."""
    return gs1_problem(value, "a GLN", (13,))


def gtin_problem(value: str) -> str | None:
    """Check a GTIN-8, -12, -13 or -14 (GS1 AI 01) and its check digit."""
    return gs1_problem(value, "a GTIN", (8, 12, 13, 14))


def country_problem(value: str) -> str | None:
    """Check that a two-letter code is an officially assigned ISO 3166-1 alpha-2 code."""
    if len(value) != 2 or not value.isascii() or not value.isalpha() or not value.isupper():
        return None  # shape error: reported by the schema
    if value not in COUNTRY_CODES:
        return (
            f"expected an ISO 3166-1 alpha-2 country code, got {value!r}, "
            "which is not an assigned code"
        )
    return None


# EORI numbers start with the code of the issuing state: ISO 3166-1 codes, except that
# Greece issues them with its EU code "EL" and Northern Ireland traders hold "XI" ones.
_EORI_EXTRA_PREFIXES = frozenset({"EL", "XI"})
EORI_PATTERN = re.compile(r"[A-Z]{2}[0-9A-Z]{1,15}\Z")
"""Shape of an EORI number: a 2-letter prefix and 1 to 15 letters or digits."""
# Catena-X Business Partner Number for a legal entity: "BPNL" + 12 upper-case alphanumerics.
_BPNL = re.compile(r"BPNL[0-9A-Z]{12}\Z")


def eori_problem(value: str) -> str | None:
    """Check an EORI number: a country prefix and 1 to 15 letters or digits."""
    if not EORI_PATTERN.match(value):
        return (
            "expected an EORI number: a 2-letter country prefix and up to 15 letters or "
            f"digits, got {value!r}"
        )
    prefix = value[:2]
    if prefix not in COUNTRY_CODES and prefix not in _EORI_EXTRA_PREFIXES:
        return f"expected an EORI number with a country prefix, got prefix {prefix!r}"
    return None


def bpnl_problem(value: str) -> str | None:
    """Check a Catena-X legal-entity Business Partner Number (BPNL + 12 characters)."""
    if not _BPNL.match(value):
        return f"expected a BPNL: 'BPNL' and 12 upper-case letters or digits, got {value!r}"
    return None


_PASSPORT_PREFIX = "urn:uuid:"


def passport_id_problem(value: str) -> str | None:
    """Check a passport id: ``urn:uuid:`` and an RFC 9562 UUID (variant 10xx, version 1-8).

    The nil and max UUIDs are refused: they identify nothing.
    """
    if not value.startswith(_PASSPORT_PREFIX):
        return None  # shape error: reported by the schema
    text = value[len(_PASSPORT_PREFIX) :]
    try:
        parsed = uuid.UUID(text)
    except ValueError:
        return None  # shape error: reported by the schema
    if parsed.int in (0, (1 << 128) - 1):
        return f"expected a passport id with a real UUID, got the nil/max UUID in {value!r}"
    if parsed.variant != uuid.RFC_4122 or parsed.version is None or not 1 <= parsed.version <= 8:
        return (
            "expected a passport id with an RFC 9562 UUID (variant bits 10, version 1 to 8), "
            f"got {value!r}"
        )
    return None
