"""Signing approvals and packing them into the registry's signature blob.

Blob format (see docs/registry-spec.md, "Signature blob"): one entry per
signer, by the signer's 1-based slot in the organisation's signer list
(``organisation(id).signers``), slots strictly ascending. Each entry starts
with one tag byte: the slot (1..16) for an EOA, followed by its 64-byte
EIP-2098 compact signature ``r || yParityAndS`` (65 bytes in all); the slot
plus 0x80 for an EIP-1271 wallet, followed by the wallet's 65-byte signature
(66 bytes in all). The slot tells the contract whose message to check: every
message names its signer (see ``bci_registry.eip712``), so the contract
rebuilds the digest per signer and never has to recover first. Compact
signatures keep calldata (the L1 data fee on an OP-stack L2) small.

Files (approval files, attestation files) always hold the 65-byte
``r || s || v`` form that wallets return from ``eth_signTypedData_v4``;
:func:`compact` converts at sending time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_utils import to_checksum_address

from bci_registry.eip712 import Domain, signable

_SECP256K1_HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0
_WALLET_SIGNATURE_BYTES = 65
_WALLET_TAG = 0x80
MAX_SLOT = 16


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

    def entry(self, slot: int) -> bytes:
        """This signature's entry in the blob, for the signer's 1-based ``slot``."""
        if not 1 <= slot <= MAX_SLOT:
            raise SignatureError(f"signer slot {slot} of {self.signer} is not 1 to {MAX_SLOT}")
        if self.wallet:
            if len(self.signature) != _WALLET_SIGNATURE_BYTES:
                raise SignatureError(
                    f"wallet signature of {self.signer} must be {_WALLET_SIGNATURE_BYTES} bytes"
                )
            return bytes([_WALLET_TAG | slot]) + self.signature
        return bytes([slot]) + compact(self.signature)

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
    if len(signature) == 64:
        raise SignatureError(
            "got a 64-byte signature where the 65-byte r || s || v form is expected "
            "(files hold what eth_signTypedData_v4 returns; the compact EIP-2098 form "
            "is made only when sending)"
        )
    if len(signature) != 65:
        raise SignatureError(f"an ECDSA signature is 65 bytes (r || s || v), got {len(signature)}")
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


def pack(approvals: Iterable[SignedApproval], signers: Sequence[str]) -> bytes:
    """Order by signer slot and concatenate into the blob the contract takes.

    ``signers`` is the organisation's current signer list in slot order (as
    ``organisation(id).signers`` returns it): a signature from anyone else is
    refused here, before anything is sent.
    """
    slots = {int(address, 16): index + 1 for index, address in enumerate(signers)}
    entries: dict[int, bytes] = {}
    for approval in approvals:
        slot = slots.get(int(approval.signer, 16))
        if slot is None:
            raise SignatureError(f"{approval.signer} is not one of the organisation's signers")
        if slot in entries:
            raise SignatureError(f"two signatures from {approval.signer}")
        entries[slot] = approval.entry(slot)
    return b"".join(entries[slot] for slot in sorted(entries))
