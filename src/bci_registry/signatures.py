"""Signing approvals and packing them into the registry's signature blob.

Blob format (see docs/registry-spec.md, "Signature blob"): entries sorted by
signer address, strictly ascending. An EOA entry is the 64-byte EIP-2098
compact signature ``r || yParityAndS``; an EIP-1271 wallet entry is the
wallet's address as a 32-byte word followed by the wallet's 65-byte
signature. Compact signatures keep calldata (the L1 data fee on an OP-stack
L2) small: 64 bytes instead of ABI-encoded ``bytes`` of 65 (160 bytes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from eth_account import Account
from eth_utils import to_checksum_address

from bci_registry.eip712 import Domain, signable

_SECP256K1_HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0
_WALLET_SIGNATURE_BYTES = 65


class SignatureError(ValueError):
    """A signature or a set of signatures cannot be used."""


@dataclass(frozen=True)
class SignedApproval:
    """One signer's signature over an EIP-712 message.

    ``signature`` is the 65-byte ``r || s || v`` form for an EOA, or the
    wallet's 65-byte EIP-1271 signature data when ``wallet`` is true.
    """

    signer: str
    signature: bytes
    wallet: bool = False

    def entry(self) -> bytes:
        """This signature's entry in the blob."""
        if self.wallet:
            if len(self.signature) != _WALLET_SIGNATURE_BYTES:
                raise SignatureError(
                    f"wallet signature of {self.signer} must be {_WALLET_SIGNATURE_BYTES} bytes"
                )
            return bytes(12) + bytes.fromhex(self.signer[2:]) + self.signature
        return compact(self.signature)

    def to_json(self) -> dict[str, Any]:
        return {
            "signer": self.signer,
            "signature": "0x" + self.signature.hex(),
            "wallet": self.wallet,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SignedApproval:
        try:
            return cls(
                signer=to_checksum_address(data["signer"]),
                signature=bytes.fromhex(str(data["signature"]).removeprefix("0x")),
                wallet=bool(data.get("wallet", False)),
            )
        except (KeyError, ValueError) as exc:
            raise SignatureError(f"malformed signature record: {exc}") from exc


def compact(signature: bytes) -> bytes:
    """EIP-2098: ``r || s || v`` (65 bytes) to ``r || (yParity << 255 | s)`` (64 bytes)."""
    if len(signature) != 65:
        raise SignatureError(f"an ECDSA signature is 65 bytes, got {len(signature)}")
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    if v not in (27, 28):
        raise SignatureError(f"signature v must be 27 or 28, got {v}")
    if s > _SECP256K1_HALF_ORDER:
        raise SignatureError("signature s is in the upper half of the curve order (malleable)")
    return r + ((v - 27) << 255 | s).to_bytes(32, "big")


def sign(
    private_key: bytes, domain: Domain, primary_type: str, message: Mapping[str, Any]
) -> SignedApproval:
    """Sign an EIP-712 message with a raw key (tests, the demo's throwaway keys)."""
    signed = Account.sign_message(signable(domain, primary_type, message), private_key)
    return SignedApproval(
        signer=Account.from_key(private_key).address, signature=bytes(signed.signature)
    )


def pack(approvals: Iterable[SignedApproval]) -> bytes:
    """Sort by signer and concatenate into the blob the contract takes."""
    ordered = sorted(approvals, key=lambda a: int(a.signer, 16))
    for before, after in pairwise(ordered):
        if int(before.signer, 16) == int(after.signer, 16):
            raise SignatureError(f"two signatures from {after.signer}")
    return b"".join(a.entry() for a in ordered)
