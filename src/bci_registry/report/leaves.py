"""Leaves of the field tree in the EAS SDK ``PrivateData`` format.

A leaf is ``(type, name, value, salt)``, the EAS SDK's ``MerkleValueWithSalt``. Its hash
is the OpenZeppelin StandardMerkleTree leaf with encoding
``["string", "string", "bytes", "bytes32"]`` of ``(type, name, abi.encode([type], [value]),
salt)``::

    keccak256(keccak256(abi.encode(type, name, abi.encode([type], [value]), salt)))

Two kinds of leaf exist:

- a report field: type ``"string"``, the field's RFC 8785 text as value, so the third
  element is the ABI encoding of one string (offset, length, padded UTF-8 bytes), exactly
  as ``AbiCoder.encode(["string"], [value])`` makes it in the EAS SDK;
- the organisation: type ``"bytes32"``, name ``"organisation"``, the exporter's 32-byte
  organisation id as value (written ``0x`` + 64 lowercase hex digits in files, as the EAS
  SDK takes a bytes32), so the third element is ``abi.encode(["bytes32"], [id])``: the
  32 bytes of the id themselves.

``encode_leaf`` writes that fixed ABI layout directly instead of going through
``eth_abi.encode``, which spends most of its time re-validating arguments: sealing
hashes 13 leaves per report and the throughput target needs that to be cheap.
``encode_leaf_reference`` is the same encoding through eth_abi; the tests assert that
both give identical bytes on generated inputs.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import encode as abi_encode

from bci_registry.report.fields import LEAF_TYPE, ORGANISATION_LEAF, ORGANISATION_LEAF_TYPE
from bci_registry.report.hashing import keccak

SALT_SIZE = 32
LEAF_ENCODING = ("string", "string", "bytes", "bytes32")
"""The OpenZeppelin leaf encoding of EAS PrivateData leaves."""

_WORD = 32
_HEX32 = re.compile(r"0x[0-9a-fA-F]{64}\Z")


def _word(number: int) -> bytes:
    return number.to_bytes(_WORD, "big")


def _abi_bytes_tail(data: bytes) -> bytes:
    """ABI tail of a dynamic ``bytes``/``string``: length word, data, zero padding to 32."""
    return _word(len(data)) + data + b"\x00" * (-len(data) % _WORD)


@functools.lru_cache(maxsize=64)
def _fixed_parts(leaf_type: str, name: str) -> tuple[bytes, bytes]:
    """The parts of a leaf encoding that depend only on type and name.

    The head is four words: the offsets of the three dynamic members (type, name, value)
    and the salt in place. Type and name have fixed lengths per field, so all three
    offsets are fixed too; only the salt and the value tail vary between leaves.
    """
    type_tail = _abi_bytes_tail(leaf_type.encode("utf-8"))
    name_tail = _abi_bytes_tail(name.encode("utf-8"))
    head_size = 4 * _WORD
    offsets = (
        _word(head_size)
        + _word(head_size + len(type_tail))
        + _word(head_size + len(type_tail) + len(name_tail))
    )
    return offsets, type_tail + name_tail


def _check_salt(salt: bytes) -> None:
    if len(salt) != SALT_SIZE:
        raise ValueError(f"a salt must be {SALT_SIZE} bytes, got {len(salt)}")


_VALUE_HEAD = _word(_WORD)  # abi.encode(["string"], [value]) starts with offset 0x20


def encode_value(leaf_type: str, value: str) -> bytes:
    """``abi.encode([type], [value])``: the third element of a leaf.

    ``"string"``: the ABI encoding of the text. ``"bytes32"``: ``value`` is ``0x`` + 64
    hex digits and the encoding is those 32 bytes. Any other type is a ValueError.
    """
    if leaf_type == LEAF_TYPE:
        return _VALUE_HEAD + _abi_bytes_tail(value.encode("utf-8"))
    if leaf_type == ORGANISATION_LEAF_TYPE:
        raw = parse_hex32(value)
        if raw is None:
            raise ValueError(f"a bytes32 leaf value is 0x followed by 64 hex digits, got {value!r}")
        return raw
    raise ValueError(
        f"unsupported leaf type {leaf_type!r}: report leaves have type 'string' "
        "and the organisation leaf has type 'bytes32'"
    )


def encode_leaf(leaf_type: str, name: str, value: str, salt: bytes) -> bytes:
    """``abi.encode(type, name, abi.encode([type], [value]), salt)`` for a leaf."""
    value_abi = encode_value(leaf_type, value)
    _check_salt(salt)
    offsets, fixed_tails = _fixed_parts(leaf_type, name)
    return offsets + salt + fixed_tails + _abi_bytes_tail(value_abi)


def encode_leaf_reference(leaf_type: str, name: str, value: str, salt: bytes) -> bytes:
    """The same bytes as ``encode_leaf``, built with eth_abi (slow; the reference)."""
    encode_value(leaf_type, value)  # the same type and value checks
    _check_salt(salt)
    typed: Any = bytes.fromhex(value[2:]) if leaf_type == ORGANISATION_LEAF_TYPE else value
    value_abi = abi_encode([leaf_type], [typed])
    return abi_encode(list(LEAF_ENCODING), [leaf_type, name, value_abi, salt])


def leaf_hash(leaf_type: str, name: str, value: str, salt: bytes) -> bytes:
    """The OpenZeppelin standard leaf hash of a leaf of the field tree."""
    return keccak(keccak(encode_leaf(leaf_type, name, value, salt)))


def hex32(data: bytes) -> str:
    """32 bytes as ``0x`` + 64 lowercase hex digits."""
    return "0x" + data.hex()


def parse_hex32(text: Any) -> bytes | None:
    """``0x`` + 64 hex digits as bytes; None if ``text`` is not that."""
    if not isinstance(text, str) or not _HEX32.match(text):
        return None
    return bytes.fromhex(text[2:])


@dataclass(frozen=True)
class FieldLeaf:
    """One leaf of the field tree: EAS ``MerkleValueWithSalt``.

    A report field (type ``"string"``, ``value`` its RFC 8785 text) or the organisation
    leaf (type ``"bytes32"``, name ``"organisation"``, ``value`` the id as ``0x`` + 64
    lowercase hex digits; make it with ``organisation_leaf``).
    """

    type: str
    name: str
    value: str
    salt: bytes

    @property
    def hash(self) -> bytes:
        """The leaf hash in the field-commitment tree."""
        return leaf_hash(self.type, self.name, self.value, self.salt)

    @property
    def is_organisation(self) -> bool:
        """Whether this is the organisation leaf (by name; its type is checked on reading)."""
        return self.name == ORGANISATION_LEAF

    def to_dict(self) -> dict[str, str]:
        """JSON form ``{"type", "name", "value", "salt"}`` with the salt as 0x-hex."""
        return {"type": self.type, "name": self.name, "value": self.value, "salt": hex32(self.salt)}


def organisation_leaf(organisation: bytes, salt: bytes) -> FieldLeaf:
    """The organisation leaf ``("bytes32", "organisation", id, salt)`` of a 32-byte id."""
    if not isinstance(organisation, bytes) or len(organisation) != 32:
        raise ValueError("an organisation id is 32 bytes")
    _check_salt(salt)
    return FieldLeaf(
        ORGANISATION_LEAF_TYPE, ORGANISATION_LEAF, hex32(bytes(organisation)), bytes(salt)
    )
