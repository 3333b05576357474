"""The plain input of the DCC and EPCIS exports: facts read from the chain and the report.

Nothing here talks to a node: the caller (a chain script, or a test) reads the anchor
and the attestation and fills these dataclasses. Values are checked on construction,
so an export never starts from a malformed address or hash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Final

from eth_utils import to_checksum_address

from bci_registry.report import REPORT_FIELDS, fields_from_mask

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}\Z")
_HEX32 = re.compile(r"0x[0-9a-f]{64}\Z")
_DOMAIN = re.compile(
    r"(?=.{1,253}(:|\Z))([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:[0-9]{1,5})?\Z"
)

ID_BASE: Final = "https://bci-registry.invalid/id/"
"""Default base of the URIs this package mints for anchors, transactions and attestations."""


class ModelError(ValueError):
    """An export input value is malformed; the message names the field."""


def checksum(value: str, what: str) -> str:
    """``value`` as an EIP-55 checksummed address; ModelError if it is not an address."""
    if not isinstance(value, str) or not _ADDRESS.match(value):
        raise ModelError(f"{what}: expected an address 0x + 40 hex digits, got {value!r}")
    return str(to_checksum_address(value))


def hex32(value: str, what: str) -> str:
    """``value`` as lowercase 0x + 64 hex digits; ModelError otherwise."""
    text = value.lower() if isinstance(value, str) else value
    if not isinstance(text, str) or not _HEX32.match(text):
        raise ModelError(f"{what}: expected 0x followed by 64 hex digits, got {value!r}")
    return text


def utc(moment: datetime, what: str) -> datetime:
    """``moment`` as an aware UTC datetime without microseconds."""
    if moment.tzinfo is None:
        raise ModelError(f"{what}: expected an aware datetime, got a naive one")
    return moment.astimezone(UTC).replace(microsecond=0)


def rfc3339(moment: datetime) -> str:
    """``2025-08-11T02:30:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Verdict(Enum):
    """An attestation's verdict, named as on chain (``bci_registry.attestations.Verdict``)."""

    PASS = 1
    FAIL = 2
    QUALIFIED = 3

    @property
    def conformant(self) -> bool:
        """PASS and QUALIFIED (conformant with stated qualifications) conform; FAIL does not."""
        return self is not Verdict.FAIL


@dataclass(frozen=True)
class AnchorFacts:
    """Where and how the report is anchored."""

    chain_id: int
    registry: str
    organisation: str
    root: str
    transaction: str
    id_base: str = ID_BASE

    def __post_init__(self) -> None:
        if not isinstance(self.chain_id, int) or self.chain_id <= 0:
            raise ModelError(f"chain_id: expected a positive integer, got {self.chain_id!r}")
        object.__setattr__(self, "registry", checksum(self.registry, "registry"))
        object.__setattr__(self, "organisation", hex32(self.organisation, "organisation"))
        object.__setattr__(self, "root", hex32(self.root, "root"))
        object.__setattr__(self, "transaction", hex32(self.transaction, "transaction"))
        if not self.id_base.startswith("https://") or not self.id_base.endswith("/"):
            raise ModelError(f"id_base: expected an https:// URL ending in /, got {self.id_base!r}")

    @property
    def chain(self) -> str:
        """CAIP-2 chain id, ``eip155:<chainId>``."""
        return f"eip155:{self.chain_id}"

    @property
    def anchor_uri(self) -> str:
        """The URI naming this report's anchor: chain, registry, organisation and root."""
        return f"{self.id_base}{self.chain}/{self.registry}/report/{self.organisation}/{self.root}"

    @property
    def transaction_uri(self) -> str:
        """The URI naming the anchoring transaction."""
        return f"{self.id_base}{self.chain}/tx/{self.transaction}"


@dataclass(frozen=True)
class AttestationFacts:
    """One verifier's attestation of the anchored report, as the chain holds it."""

    verifier: str
    verifier_domain: str
    verdict: Verdict
    fields_mask: int
    verified_at: datetime
    expires_at: datetime
    evidence: str
    revoked: bool = False
    transaction: str | None = None
    verifier_name: str | None = None
    scheme: str = "bci-registry accredited verification"

    def __post_init__(self) -> None:
        object.__setattr__(self, "verifier", checksum(self.verifier, "verifier"))
        domain = self.verifier_domain
        if not isinstance(domain, str) or not _DOMAIN.match(domain):
            raise ModelError(
                f"verifier_domain: expected a lowercase DNS name (optionally :port), got {domain!r}"
            )
        if not isinstance(self.verdict, Verdict):
            object.__setattr__(self, "verdict", Verdict(self.verdict))
        try:
            names = fields_from_mask(self.fields_mask)
        except (TypeError, ValueError) as exc:
            raise ModelError(f"fields_mask: {exc}") from None
        if not names:
            raise ModelError("fields_mask: an attestation covers at least one field")
        object.__setattr__(self, "verified_at", utc(self.verified_at, "verified_at"))
        object.__setattr__(self, "expires_at", utc(self.expires_at, "expires_at"))
        if self.expires_at <= self.verified_at:
            raise ModelError("expires_at: expected a time after verified_at")
        object.__setattr__(self, "evidence", hex32(self.evidence, "evidence"))
        if self.transaction is not None:
            object.__setattr__(self, "transaction", hex32(self.transaction, "transaction"))

    @property
    def fields(self) -> tuple[str, ...]:
        """The attested field names, in report order."""
        return fields_from_mask(self.fields_mask)


@dataclass(frozen=True)
class ProductIds:
    """The battery and the shipment it travels in (from the report's identifiers)."""

    passport_id: str
    gtin: str
    serial_number: str
    batch_id: str
    sscc: str
    gs1_company_prefix_length: int | None = None
    product_name: str | None = None

    def __post_init__(self) -> None:
        prefix = self.gs1_company_prefix_length
        if prefix is not None and not 6 <= prefix <= 12:
            raise ModelError(f"gs1_company_prefix_length: expected 6 to 12, got {prefix!r}")

    @classmethod
    def from_report(
        cls, report: Mapping[str, Any], *, gs1_company_prefix_length: int | None = None
    ) -> ProductIds:
        """The identifiers of a (valid) bci-report/1 report."""
        ids = report["batteryIdentifiers"]
        return cls(
            passport_id=ids["passportId"],
            gtin=ids["gtin"],
            serial_number=ids["serialNumber"],
            batch_id=ids["batchId"],
            sscc=report["shipment"]["sscc"],
            gs1_company_prefix_length=gs1_company_prefix_length,
            product_name=f"Battery {ids.get('chemistry', '')} GTIN {ids['gtin']}".replace(
                "  ", " "
            ),
        )

    @property
    def gtin14(self) -> str:
        """The GTIN padded to 14 digits."""
        return self.gtin.rjust(14, "0")

    @property
    def product_uri(self) -> str:
        """GS1 Digital Link URI of the serialised battery."""
        return f"https://id.gs1.org/01/{self.gtin14}/21/{_dl_escape(self.serial_number)}"

    @property
    def shipment_uri(self) -> str:
        """GS1 Digital Link URI of the logistic unit (SSCC)."""
        return f"https://id.gs1.org/00/{self.sscc}"


def _dl_escape(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


@dataclass(frozen=True)
class ExportInput:
    """Everything one attestation's exports need."""

    anchor: AnchorFacts
    attestation: AttestationFacts
    product: ProductIds
    disclosed: Mapping[str, Any] = field(default_factory=dict)
    organisation_name: str | None = None
    #: The bci-report disclosure (``Disclosure.to_dict()``: leaves with their salts and
    #: the multiproof against the root) that proves ``disclosed``; the DCC embeds it so
    #: that a holder can check the values against the anchored root.
    disclosure: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        for name in self.disclosed:
            if name not in REPORT_FIELDS:
                raise ModelError(f"disclosed: {name!r} is not a report field")
            if name not in self.attestation.fields:
                raise ModelError(
                    f"disclosed: {name!r} is not among the attested fields "
                    f"({', '.join(self.attestation.fields)})"
                )
