"""W3C Bitstring Status List: the revocation list a verifier publishes for its DCCs.

Each DCC names one bit of a list (``BitstringStatusListEntry``: list URL and index).
The list is a credential of its own (``BitstringStatusListCredential``) whose subject
holds ``encodedList``: the bitstring, GZIP-compressed and multibase base64url-encoded
(``u`` prefix, no padding). Bit 0 is the most significant bit of the first byte. The
list has at least 131,072 bits (16 KiB) so that one entry does not stand out.

The on-chain attestation's revocation is authoritative; the list is the verifier's
published copy of it, kept in step by setting the bit when the attestation is revoked
(``docs/interop.md``).
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from bci_registry.interop.model import ModelError, rfc3339
from bci_registry.interop.reference import VC_V2_CONTEXT

MIN_BITS: Final = 131_072
MAX_ENCODED_BYTES: Final = 1 << 20
PURPOSE: Final = "revocation"


class StatusListError(ValueError):
    """A status list credential or entry is malformed."""


@dataclass(frozen=True)
class StatusEntry:
    """Where a DCC's revocation bit lives."""

    list_url: str
    index: int

    def __post_init__(self) -> None:
        if not self.list_url.startswith("https://") or "#" in self.list_url:
            raise ModelError(f"status list url: expected an https:// URL, got {self.list_url!r}")
        if not 0 <= self.index < MIN_BITS:
            raise ModelError(f"status index: expected 0 to {MIN_BITS - 1}, got {self.index}")

    def to_json(self) -> dict[str, str]:
        """The credential's ``credentialStatus`` (VC 2.0 terms; the index is a string)."""
        return {
            "id": f"{self.list_url}#{self.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": PURPOSE,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_url,
        }

    @classmethod
    def from_json(cls, obj: Any) -> StatusEntry:
        """Parse a ``credentialStatus`` entry; StatusListError if it is not a revocation entry."""
        if not isinstance(obj, dict) or obj.get("type") != "BitstringStatusListEntry":
            raise StatusListError("credentialStatus: expected a BitstringStatusListEntry")
        if obj.get("statusPurpose") != PURPOSE:
            raise StatusListError(f"credentialStatus.statusPurpose: expected {PURPOSE!r}")
        index = obj.get("statusListIndex")
        if not isinstance(index, str) or not index.isdigit() or not index.isascii():
            raise StatusListError("credentialStatus.statusListIndex: expected a decimal string")
        url = obj.get("statusListCredential")
        if not isinstance(url, str):
            raise StatusListError("credentialStatus.statusListCredential: expected a URL")
        try:
            return cls(url, int(index))
        except ModelError as exc:
            raise StatusListError(f"credentialStatus: {exc}") from None


def default_list_url(verifier_domain: str, chain_id: int) -> str:
    """The verifier's revocation list for its attestations on one chain."""
    return f"https://{verifier_domain}/credentials/status/eip155-{chain_id}/revocation"


def encode_bits(revoked: Iterable[int], size: int = MIN_BITS) -> str:
    """``encodedList`` with the given indexes set."""
    if size < MIN_BITS or size % 8:
        raise ModelError(f"a status list has at least {MIN_BITS} bits, a multiple of 8")
    data = bytearray(size // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise ModelError(f"status index {index} is outside the list")
        data[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(data), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode_bits(encoded: str) -> bytes:
    """The bitstring of an ``encodedList``; StatusListError if it is malformed."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("encodedList: expected multibase base64url ('u' prefix)")
    body = encoded[1:]
    if len(body) > MAX_ENCODED_BYTES:
        raise StatusListError("encodedList: too large")
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj(wbits=31)
        data = inflater.decompress(packed, MIN_BITS * 64)
    except (ValueError, zlib.error) as exc:
        raise StatusListError(f"encodedList: not GZIP data in base64url: {exc}") from None
    if inflater.unconsumed_tail or len(data) * 8 < MIN_BITS:
        raise StatusListError(f"encodedList: expected at least {MIN_BITS} bits")
    return data


def bit_is_set(bits: bytes, index: int) -> bool:
    """Whether bit ``index`` (0 = leftmost) is set."""
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"status index {index} is outside the list of {len(bits) * 8} bits")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(
    list_url: str, issuer_did: str, revoked: Iterable[int], valid_from: datetime
) -> dict[str, Any]:
    """The unsecured status list credential the verifier publishes at ``list_url``."""
    StatusEntry(list_url, 0)  # checks the URL
    return {
        "@context": [VC_V2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": rfc3339(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode_bits(revoked),
        },
    }


def revoked_in(list_credential: dict[str, Any], entry: StatusEntry) -> bool:
    """Whether ``entry``'s bit is set in a (verified) status list credential."""
    if list_credential.get("id") != entry.list_url:
        raise StatusListError(
            f"status list credential is {list_credential.get('id')!r}, "
            f"the entry names {entry.list_url!r}"
        )
    types = list_credential.get("type")
    if not isinstance(types, list) or "BitstringStatusListCredential" not in types:
        raise StatusListError("type: expected a BitstringStatusListCredential")
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise StatusListError("credentialSubject: expected a BitstringStatusList")
    if subject.get("statusPurpose") != PURPOSE:
        raise StatusListError(f"credentialSubject.statusPurpose: expected {PURPOSE!r}")
    return bit_is_set(decode_bits(subject.get("encodedList", "")), entry.index)
