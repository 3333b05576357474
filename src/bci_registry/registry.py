"""What the registry's records mean, independent of how they are fetched."""

from __future__ import annotations

from typing import Any

REPORT_STATES = {0: "unknown", 1: "pending", 2: "anchored", 3: "superseded", 4: "revoked"}
ORGANISATION_STATES = {0: "unknown", 1: "active", 2: "suspended"}
ZERO32 = bytes(32)


class InputError(ValueError):
    """A value given on the command line or in a file is malformed."""


def text_id(value: str, what: str) -> bytes:
    """A 32-byte id: 0x + 64 hex digits, or up to 32 UTF-8 bytes zero-padded.

    The text form (an EORI number, a verifier's name) stays readable in
    explorers and logs.
    """
    if value.startswith("0x"):
        raw = _hex(value, what)
        if len(raw) != 32:
            raise InputError(f"{what} {value!r} must be 32 bytes (64 hex digits)")
        return raw
    encoded = value.encode()
    if not encoded or len(encoded) > 32:
        raise InputError(f"{what} {value!r} must be 1 to 32 bytes of text")
    return encoded.ljust(32, b"\0")


def organisation_id(value: str) -> bytes:
    return text_id(value, "organisation id")


def organisation_label(raw: bytes) -> str:
    """The readable form of an organisation id."""
    text = raw.rstrip(b"\0")
    if text and all(32 <= b < 127 for b in text):
        return text.decode()
    return "0x" + raw.hex()


def report_root(value: str) -> bytes:
    raw = _hex(value, "report root")
    if len(raw) != 32:
        raise InputError(f"report root {value!r} must be 32 bytes (64 hex digits)")
    return raw


def _hex(value: str, what: str) -> bytes:
    try:
        return bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        raise InputError(f"{what} {value!r} is not hexadecimal") from None


def approval_message(
    signer: str,
    organisation: bytes,
    report: bytes,
    supersedes: bytes,
    signer_set_version: int,
    deadline: int,
) -> dict[str, Any]:
    """The EIP-712 `Approval` message ``signer`` signs (it names its signer: one seat each)."""
    return {
        "signer": signer,
        "organisation": organisation,
        "report": report,
        "supersedes": supersedes,
        "signerSetVersion": signer_set_version,
        "deadline": deadline,
    }


def revocation_message(
    signer: str,
    organisation: bytes,
    report: bytes,
    reason: int,
    signer_set_version: int,
    deadline: int,
) -> dict[str, Any]:
    """The EIP-712 `Revocation` message ``signer`` signs."""
    return {
        "signer": signer,
        "organisation": organisation,
        "report": report,
        "reason": reason,
        "signerSetVersion": signer_set_version,
        "deadline": deadline,
    }


def parse_time(value: str, what: str) -> int:
    """Unix seconds from `1767225600` or an RFC 3339 UTC time like `2026-12-01T00:00:00Z`.

    ASCII digits and RFC 3339 only, in range; see bci_registry.timeargs.
    """
    from bci_registry.timeargs import parse_time as strict

    return strict(value, what)
