"""Report field leaves: our direct ABI encoding equals eth_abi's; the leaf hash formula."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode as abi_encode
from hypothesis import given, settings
from hypothesis import strategies as st

from bci_registry.report.fields import REPORT_FIELDS
from bci_registry.report.hashing import keccak
from bci_registry.report.leaves import (
    FieldLeaf,
    encode_leaf,
    encode_leaf_reference,
    encode_value,
    leaf_hash,
    organisation_leaf,
    parse_hex32,
)

# Valid Unicode (no lone surrogates): report values are always encodable as UTF-8.
texts = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300)
names = st.one_of(st.sampled_from(REPORT_FIELDS), texts)
salts = st.binary(min_size=32, max_size=32)


@settings(max_examples=300)
@given(names, texts, salts)
def test_direct_encoding_equals_eth_abi(name: str, value: str, salt: bytes) -> None:
    assert encode_leaf("string", name, value, salt) == encode_leaf_reference(
        "string", name, value, salt
    )


@settings(max_examples=100)
@given(st.sampled_from(REPORT_FIELDS), texts, salts)
def test_leaf_hash_is_the_eas_private_data_leaf(name: str, value: str, salt: bytes) -> None:
    # EAS PrivateData: [type, name, AbiCoder.encode([type], [value]), salt], hashed by
    # OpenZeppelin as keccak256(keccak256(abi.encode(["string","string","bytes","bytes32"], ...)))
    value_abi = abi_encode(["string"], [value])
    encoded = abi_encode(
        ["string", "string", "bytes", "bytes32"], ["string", name, value_abi, salt]
    )
    assert leaf_hash("string", name, value, salt) == keccak(keccak(encoded))
    assert FieldLeaf("string", name, value, salt).hash == keccak(keccak(encoded))


@settings(max_examples=100)
@given(ids=st.binary(min_size=32, max_size=32), salt=salts)
def test_organisation_leaf_is_the_eas_bytes32_leaf(ids: bytes, salt: bytes) -> None:
    # EAS PrivateData {type: "bytes32", name: "organisation", value: id}: the third element
    # is AbiCoder.encode(["bytes32"], [id]), which is the 32 bytes of the id themselves.
    value_abi = abi_encode(["bytes32"], [ids])
    assert value_abi == ids
    encoded = abi_encode(
        ["string", "string", "bytes", "bytes32"], ["bytes32", "organisation", value_abi, salt]
    )
    leaf = organisation_leaf(ids, salt)
    assert leaf.to_dict() == {
        "type": "bytes32",
        "name": "organisation",
        "value": "0x" + ids.hex(),
        "salt": "0x" + salt.hex(),
    }
    assert leaf.is_organisation
    assert encode_leaf(leaf.type, leaf.name, leaf.value, salt) == encoded
    assert encode_leaf_reference(leaf.type, leaf.name, leaf.value, salt) == encoded
    assert leaf.hash == keccak(keccak(encoded))
    # Upper-case hex is the same id: the hash is over the bytes.
    assert leaf_hash("bytes32", "organisation", leaf.value.upper().replace("0X", "0x"), salt) == (
        leaf.hash
    )


def test_only_string_and_bytes32_leaves_and_32_byte_salts() -> None:
    with pytest.raises(ValueError, match="unsupported leaf type"):
        encode_leaf("uint256", "x", "1", b"\x00" * 32)
    with pytest.raises(ValueError, match="32 bytes"):
        encode_leaf("string", "x", "1", b"\x00" * 31)
    with pytest.raises(ValueError, match="0x followed by 64 hex digits"):
        encode_value("bytes32", "BPNL00000007KRNM")
    with pytest.raises(ValueError, match="32 bytes"):
        organisation_leaf(b"\x01" * 31, b"\x00" * 32)


def test_hex32_parsing() -> None:
    assert parse_hex32("0x" + "Ab" * 32) == bytes.fromhex("ab" * 32)
    for bad in ("ab" * 32, "0x" + "ab" * 31, "0x" + "zz" * 32, 5, None, "0x" + "ab" * 32 + "\n"):
        assert parse_hex32(bad) is None
