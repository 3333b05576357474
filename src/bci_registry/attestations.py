"""Verifier attestations signed offline and relayed by anyone.

A verifier whose key sits in an HSM signs an EIP-712 ``Attestation``,
``AttestationRevocation`` or ``NonceCancellation`` for the attestation
registry without touching the chain, and hands over a *signed-attestation
file*; any relayer checks and submits it (``attest_by_signature``,
``revoke_attestation_by_signature``, ``cancel_nonces_by_signature``).

A report is identified by its organisation and its root together, so the
attestation and revocation messages name both.

File format ``bci-attestation/2`` (JSON object, exactly these keys)::

    {
      "format": "bci-attestation/2",
      "chainId": 84532,                      # EIP-712 domain: chain ...
      "contract": "0x…",                     # ... and attestation registry
      "primaryType": "Attestation",          # or "AttestationRevocation",
                                             # or "NonceCancellation"
      "message": {"verifier": "0x…", "organisation": "0x…", "report": "0x…", ...},
      "signer": "0x…",                       # must equal message.verifier
      "signature": "0x…",                    # 65 bytes: r || s || v (EOA),
      "wallet": false                        # or the EIP-1271 wallet's data
    }

The message holds the fields of ``bci_registry.eip712.TYPES[primaryType]``:
addresses as hex strings, ``bytes32`` as ``0x`` + 64 hex digits, integers as
JSON numbers. Loading a file checks every one of these (and, for an EOA,
that the signature recovers to the signer) and names what is wrong.

Signatures in files are always the 65-byte ``r || s || v`` form that
``eth_signTypedData_v4`` returns, as in approval files (``bci-approval/1``);
:meth:`SignedAttestation.call_args` converts an EOA's signature to the
64-byte EIP-2098 compact form the contract takes, only when sending
(``bci_registry.signatures.compact``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any, Final

from eth_account import Account
from eth_account.messages import SignableMessage
from eth_utils import is_address, is_checksum_address, to_checksum_address

from bci_registry import inputs, outputs
from bci_registry.eip712 import DOMAIN_VERSION, TYPES, Domain, signable, typed_data
from bci_registry.signatures import SignatureError, compact

FORMAT: Final = "bci-attestation/2"
ATTESTATION_DOMAIN_NAME: Final = "BCI Attestation Registry"
ATTESTATION: Final = "Attestation"
REVOCATION: Final = "AttestationRevocation"
CANCELLATION: Final = "NonceCancellation"
#: A verifier's attestation of every member of a batch (``attest_batch_by_signature``).
BATCH_ATTESTATION: Final = "BatchAttestation"
#: A verifier withdraws its batch attestation from one member
#: (``revoke_member_attestation_by_signature``, which also takes the member's proof).
MEMBER_REVOCATION: Final = "MemberAttestationRevocation"
PRIMARY_TYPES: Final = (ATTESTATION, REVOCATION, CANCELLATION, BATCH_ATTESTATION)

#: Bit i of a field mask is report field i (``bci_registry.report.fields``).
ALL_FIELDS_MASK: Final = 0xFFF
_SIGNATURE_BYTES: Final = 65
#: The contract stores times in 40 bits.
MAX_TIME: Final = 2**40 - 1
#: Nonces in [nonce_base, nonce_base + NONCE_WINDOW) may be used, in any order.
NONCE_WINDOW: Final = 56
#: The contract keeps the nonce base in 32 bits.
MAX_NONCE_BASE: Final = 2**32 - 1
_FILE_KEYS: Final = frozenset(
    {"format", "chainId", "contract", "primaryType", "message", "signer", "signature", "wallet"}
)


class Verdict(IntEnum):
    """An attestation's verdict, as the contract encodes it."""

    PASS = 1
    FAIL = 2
    QUALIFIED = 3


class AttestationFileError(ValueError):
    """A signed-attestation file (or the message in it) cannot be used.

    ``where`` is the JSON path of the offending value (``message.fields``),
    or ``""`` for the file as a whole.
    """

    def __init__(self, where: str, problem: str, source: str = "") -> None:
        location = f"{source}: " if source else ""
        location += f"{where}: " if where else ""
        super().__init__(f"{location}{problem}")
        self.where = where
        self.problem = problem


@dataclass(frozen=True)
class AttestationDomain(Domain):
    """The attestation registry's EIP-712 domain (its own name)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": ATTESTATION_DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": self.verifying_contract,
        }


@dataclass(frozen=True)
class SignedAttestation:
    """A verifier's signed message, ready to be saved, loaded and relayed.

    ``message`` uses the EIP-712 field names of ``TYPES[primary_type]``, with
    ``bytes`` for ``bytes32`` and checksummed strings for addresses.
    ``signature`` is 65 bytes: ``r || s || v`` for an EOA, the wallet's
    signature data when ``wallet`` is true.
    """

    domain: AttestationDomain
    primary_type: str
    message: Mapping[str, Any]
    signature: bytes
    wallet: bool = False

    @property
    def signer(self) -> str:
        return str(self.message["verifier"])

    def to_json(self) -> dict[str, Any]:
        """The file's JSON object."""
        return {
            "format": FORMAT,
            "chainId": self.domain.chain_id,
            "contract": self.domain.verifying_contract,
            "primaryType": self.primary_type,
            "message": {
                name: ("0x" + value.hex()) if isinstance(value, bytes) else value
                for name, value in self.message.items()
            },
            "signer": self.signer,
            "signature": "0x" + self.signature.hex(),
            "wallet": self.wallet,
        }

    @property
    def wire_signature(self) -> bytes:
        """The signature as the contract takes it: EIP-2098 compact (64 bytes) for an EOA."""
        return self.signature if self.wallet else compact(self.signature)

    def call_args(self) -> tuple[Any, ...]:
        """Arguments of ``attest_by_signature``, ``revoke_attestation_by_signature``
        or ``cancel_nonces_by_signature`` (the EOA signature made compact)."""
        names = [name for name, _ in TYPES[self.primary_type]]
        return (*(self.message[name] for name in names), self.wire_signature)


def attestation_message(
    *,
    verifier: str,
    organisation: bytes,
    report: bytes,
    verdict: Verdict | int,
    fields: int,
    evidence: bytes,
    verified_at: int,
    expires_at: int,
    nonce: int,
    deadline: int,
) -> dict[str, Any]:
    """An ``Attestation`` message, checked as the contract will check its form.

    ``organisation`` is the 32-byte id of the organisation that anchored the
    report (a sealed report's ``organisation``).
    """
    message = {
        "verifier": verifier,
        "organisation": organisation,
        "report": report,
        "verdict": int(verdict),
        "fields": fields,
        "evidence": evidence,
        "verifiedAt": verified_at,
        "expiresAt": expires_at,
        "nonce": nonce,
        "deadline": deadline,
    }
    return _check_message(ATTESTATION, message, "message")


def revocation_message(
    *,
    verifier: str,
    organisation: bytes,
    report: bytes,
    attested_at: int,
    reason: int,
    nonce: int,
    deadline: int,
) -> dict[str, Any]:
    """An ``AttestationRevocation`` message for the attestation made at ``attested_at``
    (its block time, non-zero: the ``attested_at`` of the ``attestation`` view)."""
    message = {
        "verifier": verifier,
        "organisation": organisation,
        "report": report,
        "attestedAt": attested_at,
        "reason": reason,
        "nonce": nonce,
        "deadline": deadline,
    }
    return _check_message(REVOCATION, message, "message")


def batch_attestation_message(
    *,
    verifier: str,
    organisation: bytes,
    batch: bytes,
    size: int,
    verdict: Verdict | int,
    fields: int,
    evidence: bytes,
    verified_at: int,
    expires_at: int,
    nonce: int,
    deadline: int,
) -> dict[str, Any]:
    """A ``BatchAttestation`` message: the verifier attests every member of the
    organisation's batch ``batch`` (its root), of the approved ``size``."""
    message = {
        "verifier": verifier,
        "organisation": organisation,
        "batch": batch,
        "size": size,
        "verdict": int(verdict),
        "fields": fields,
        "evidence": evidence,
        "verifiedAt": verified_at,
        "expiresAt": expires_at,
        "nonce": nonce,
        "deadline": deadline,
    }
    return _check_message(BATCH_ATTESTATION, message, "message")


def member_revocation_message(
    *,
    verifier: str,
    organisation: bytes,
    report: bytes,
    batch: bytes,
    attested_at: int,
    reason: int,
    nonce: int,
    deadline: int,
) -> dict[str, Any]:
    """A ``MemberAttestationRevocation`` message: the batch attestation made at
    ``attested_at`` no longer covers member ``report`` (the relayer adds the
    member's proof to ``revoke_member_attestation_by_signature``)."""
    message = {
        "verifier": verifier,
        "organisation": organisation,
        "report": report,
        "batch": batch,
        "attestedAt": attested_at,
        "reason": reason,
        "nonce": nonce,
        "deadline": deadline,
    }
    return _check_message(MEMBER_REVOCATION, message, "message")


def cancellation_message(*, verifier: str, below: int, deadline: int) -> dict[str, Any]:
    """A ``NonceCancellation`` message: every nonce below ``below`` becomes used.

    It withdraws every signed message of the verifier not relayed yet (and
    unfreezes the nonce window); ``below`` must be above the verifier's
    current ``nonce_base``.
    """
    message = {"verifier": verifier, "below": below, "deadline": deadline}
    return _check_message(CANCELLATION, message, "message")


def signable_message(
    domain: AttestationDomain, primary_type: str, message: Mapping[str, Any]
) -> SignableMessage:
    """What the verifier's key signs (e.g. ``ape`` account ``sign_message``)."""
    return signable(domain, primary_type, message)


def typed_data_json(
    domain: AttestationDomain, primary_type: str, message: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``eth_signTypedData_v4`` document, for HSMs and wallets that take JSON."""
    document = typed_data(domain, primary_type, message)
    document["message"] = {
        name: ("0x" + value.hex()) if isinstance(value, bytes) else value
        for name, value in document["message"].items()
    }
    return document


def from_signature(
    domain: AttestationDomain,
    primary_type: str,
    message: Mapping[str, Any],
    signature: bytes,
    *,
    wallet: bool = False,
) -> SignedAttestation:
    """Attach a signature made elsewhere (HSM, Ape account, wallet) and check it.

    An EOA's signature is the 65-byte ``r || s || v`` form (as
    ``eth_signTypedData_v4`` returns it) and is kept so; it is made compact
    only when sent (:meth:`SignedAttestation.call_args`).
    """
    checked = _check_message(primary_type, message, "message")
    contract = _address(domain.verifying_contract, "contract")
    domain = AttestationDomain(chain_id=domain.chain_id, verifying_contract=contract)
    signed = SignedAttestation(domain, primary_type, checked, signature, wallet)
    _check_signature(signed)
    return signed


def sign(
    private_key: bytes, domain: AttestationDomain, primary_type: str, message: Mapping[str, Any]
) -> SignedAttestation:
    """Sign with a raw key (tests, the demo's throwaway keys)."""
    raw = Account.sign_message(signable(domain, primary_type, message), private_key)
    return from_signature(domain, primary_type, message, bytes(raw.signature))


def sign_with(
    signer: Callable[[SignableMessage], bytes],
    domain: AttestationDomain,
    primary_type: str,
    message: Mapping[str, Any],
) -> SignedAttestation:
    """Sign with any signer that returns a 65-byte ``r || s || v`` signature."""
    return from_signature(
        domain, primary_type, message, signer(signable(domain, primary_type, message))
    )


def dumps(signed: SignedAttestation) -> str:
    """The file's text (stable key order, ends with a newline)."""
    return json.dumps(signed.to_json(), indent=2) + "\n"


def save(path: Path, signed: SignedAttestation) -> None:
    """Write a signed-attestation file."""
    outputs.write_text(path, dumps(signed))  # regular files only, atomic


def load(
    path: Path, *, expected: AttestationDomain | None = None, now: int | None = None
) -> SignedAttestation:
    """Read and validate a signed-attestation file.

    ``expected``: the domain the relayer will submit to (chain and contract
    must match); ``now``: a timestamp the signature's deadline must not have
    passed. Raises :class:`AttestationFileError` naming the file and the
    offending JSON path.
    """
    try:  # the bounded loader: regular file, size, UTF-8
        text = inputs.read_text(path, "attestation file", inputs.MAX_SMALL_FILE_BYTES)
    except inputs.BoundedInputError as exc:
        raise AttestationFileError("", exc.reason, str(path)) from None
    try:
        return loads(text, expected=expected, now=now)
    except AttestationFileError as exc:
        raise AttestationFileError(exc.where, exc.problem, str(path)) from exc


def loads(
    text: str, *, expected: AttestationDomain | None = None, now: int | None = None
) -> SignedAttestation:
    """Parse and validate the text of a signed-attestation file (see :func:`load`)."""
    try:  # depth, number length, duplicate keys, lone surrogates
        data = inputs.parse_json(text)
    except inputs.BoundedInputError as exc:
        raise AttestationFileError("", f"not JSON ({exc})") from None
    return parse(data, expected=expected, now=now)


def parse(
    data: Any, *, expected: AttestationDomain | None = None, now: int | None = None
) -> SignedAttestation:
    """Validate a decoded signed-attestation object (see :func:`load`)."""
    if not isinstance(data, dict):
        raise AttestationFileError("", "must be a JSON object")
    missing, extra = sorted(_FILE_KEYS - set(data)), sorted(set(data) - _FILE_KEYS)
    if missing:
        raise AttestationFileError("", f"missing keys {missing}")
    if extra:
        raise AttestationFileError("", f"unknown keys {extra}")
    if data["format"] != FORMAT:
        raise AttestationFileError("format", f"expected {FORMAT!r}, got {data['format']!r}")
    chain_id = _uint(data["chainId"], 256, "chainId")
    if chain_id == 0:
        raise AttestationFileError("chainId", "must be a positive chain id")
    contract = _address(data["contract"], "contract")
    primary_type = data["primaryType"]
    if primary_type not in PRIMARY_TYPES:
        raise AttestationFileError(
            "primaryType", f"expected one of {list(PRIMARY_TYPES)}, got {primary_type!r}"
        )
    if not isinstance(data["message"], dict):
        raise AttestationFileError("message", "must be a JSON object")
    message = _check_message(primary_type, data["message"], "message")
    signer = _address(data["signer"], "signer")
    if signer != message["verifier"]:
        raise AttestationFileError(
            "signer", f"{signer} is not the message's verifier {message['verifier']}"
        )
    if not isinstance(data["wallet"], bool):
        raise AttestationFileError("wallet", "must be true or false")
    signature = _hex_bytes(data["signature"], "signature")
    domain = AttestationDomain(chain_id=chain_id, verifying_contract=contract)
    signed = SignedAttestation(domain, primary_type, message, signature, data["wallet"])
    _check_signature(signed)
    if expected is not None and (
        expected.chain_id != chain_id or int(expected.verifying_contract, 16) != int(contract, 16)
    ):
        raise AttestationFileError(
            "contract",
            f"signed for chain {chain_id} registry {contract}, but the registry in use is "
            f"{expected.verifying_contract} on chain {expected.chain_id}",
        )
    if now is not None and message["deadline"] < now:
        raise AttestationFileError(
            "message.deadline", f"the signature expired at {message['deadline']} (now {now})"
        )
    return signed


def free_nonces(nonce_base: int, used_nonces: int, count: int = 1) -> list[int]:
    """The first ``count`` unused nonces in the window the contract reports.

    ``nonce_base`` and ``used_nonces`` are the fields of the contract's
    ``verifier(account)`` view.
    """
    free = [nonce_base + i for i in range(NONCE_WINDOW) if not used_nonces >> i & 1]
    if len(free) < count:
        raise ValueError(f"only {len(free)} nonces free in the window, {count} asked")
    return free[:count]


def _check_signature(signed: SignedAttestation) -> None:
    """Form of the signature; for an EOA, that it recovers to the signer."""
    if len(signed.signature) != _SIGNATURE_BYTES:
        if signed.wallet:
            problem = f"an EIP-1271 wallet signature is {_SIGNATURE_BYTES} bytes"
        elif len(signed.signature) == 64:
            problem = (
                "an EOA signature in a file is the 65-byte r || s || v form "
                "(what eth_signTypedData_v4 returns); this is a 64-byte EIP-2098 compact "
                "one, which is made only when sending"
            )
        else:
            problem = f"an EOA signature is {_SIGNATURE_BYTES} bytes (r || s || v)"
        raise AttestationFileError("signature", f"{problem}, got {len(signed.signature)}")
    if signed.wallet:
        # Only the wallet can judge its own signature, on chain. But no key
        # exists for a contract's address: a signature that recovers to the
        # signer comes from an EOA, and the contract would refuse it.
        if _recover(signed) == signed.signer:
            raise AttestationFileError(
                "wallet", f"{signed.signer} signed with its own key (an EOA): wallet must be false"
            )
        return
    try:
        compact(signed.signature)  # v is 27 or 28, s in the lower half
    except SignatureError as exc:
        raise AttestationFileError("signature", str(exc)) from exc
    try:
        recovered = Account.recover_message(
            signable(signed.domain, signed.primary_type, signed.message),
            signature=signed.signature,
        )
    except Exception as exc:  # eth_keys raises several types for bad points
        raise AttestationFileError("signature", f"not a valid signature ({exc})") from exc
    if recovered != signed.signer:
        raise AttestationFileError(
            "signature",
            f"made by {recovered}, not by the signer {signed.signer} "
            "(or for another message, chain or registry)",
        )


def _recover(signed: SignedAttestation) -> str | None:
    """The address an ECDSA reading of the signature recovers to, if any."""
    try:
        return str(
            Account.recover_message(
                signable(signed.domain, signed.primary_type, signed.message),
                signature=signed.signature,
            )
        )
    except Exception:  # not an ECDSA signature at all: fine for a wallet
        return None


def _check_message(primary_type: str, raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Type- and range-check a message; returns it in its Python form."""
    spec = dict(TYPES[primary_type])
    missing, extra = sorted(set(spec) - set(raw)), sorted(set(raw) - set(spec))
    if missing:
        raise AttestationFileError(where, f"{primary_type} is missing {missing}")
    if extra:
        raise AttestationFileError(where, f"{primary_type} has unknown fields {extra}")
    message: dict[str, Any] = {}
    for name, kind in TYPES[primary_type]:
        path = f"{where}.{name}"
        value = raw[name]
        if kind == "address":
            message[name] = _address(value, path)
        elif kind == "bytes32":
            message[name] = _bytes32(value, path)
        else:
            message[name] = _uint(value, int(kind.removeprefix("uint")), path)
    _check_semantics(primary_type, message, where)
    return message


def _check_semantics(primary_type: str, m: Mapping[str, Any], where: str) -> None:
    """The rules the contract applies to the message's form (not to chain state)."""
    if primary_type == CANCELLATION:
        if m["below"] == 0 or m["below"] > MAX_NONCE_BASE:
            raise AttestationFileError(
                f"{where}.below", f"must be 1 to {MAX_NONCE_BASE}, got {m['below']}"
            )
        return
    if m["organisation"] == bytes(32):
        raise AttestationFileError(f"{where}.organisation", "the organisation id is zero")
    if "report" in m and m["report"] == bytes(32):
        raise AttestationFileError(f"{where}.report", "the report root is zero")
    if "batch" in m and m["batch"] == bytes(32):
        raise AttestationFileError(f"{where}.batch", "the batch root is zero")
    if "size" in m and m["size"] == 0:
        raise AttestationFileError(f"{where}.size", "the batch size is zero")
    if primary_type in (REVOCATION, MEMBER_REVOCATION):
        if m["reason"] == 0:
            raise AttestationFileError(f"{where}.reason", "the revocation reason must not be 0")
        if m["attestedAt"] == 0:
            raise AttestationFileError(
                f"{where}.attestedAt",
                "must be the attestation's time (0 names no attestation; the contract refuses it)",
            )
        return
    if m["verdict"] not in {v.value for v in Verdict}:
        raise AttestationFileError(
            f"{where}.verdict", f"must be 1 (pass), 2 (fail) or 3 (qualified), got {m['verdict']}"
        )
    if m["fields"] == 0 or m["fields"] > ALL_FIELDS_MASK:
        raise AttestationFileError(
            f"{where}.fields", f"must be a non-zero 12-bit field mask, got {m['fields']:#x}"
        )
    if m["verifiedAt"] == 0:
        raise AttestationFileError(f"{where}.verifiedAt", "the verification time is zero")
    if m["expiresAt"] > MAX_TIME:
        raise AttestationFileError(f"{where}.expiresAt", f"must be at most {MAX_TIME}")
    if m["expiresAt"] <= m["verifiedAt"]:
        raise AttestationFileError(f"{where}.expiresAt", "must be after verifiedAt")


def _uint(value: Any, bits: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AttestationFileError(where, f"must be an integer, got {value!r}")
    if not 0 <= value < 2**bits:
        raise AttestationFileError(where, f"must fit in uint{bits}, got {value}")
    return value


def _address(value: Any, where: str) -> str:
    if not isinstance(value, str) or not is_address(value):
        raise AttestationFileError(where, f"must be a 0x-prefixed 20-byte address, got {value!r}")
    has_upper, has_lower = value[2:] != value[2:].lower(), value[2:] != value[2:].upper()
    if has_upper and has_lower and not is_checksum_address(value):
        raise AttestationFileError(where, f"bad EIP-55 checksum in {value}")
    return to_checksum_address(value)


def _hex_bytes(value: Any, where: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise AttestationFileError(where, f"must be a 0x-prefixed hex string, got {value!r}")
    try:
        return bytes.fromhex(value[2:])
    except ValueError as exc:
        raise AttestationFileError(where, f"not hex: {value!r}") from exc


def _bytes32(value: Any, where: str) -> bytes:
    raw = bytes(value) if isinstance(value, bytes) else _hex_bytes(value, where)
    if len(raw) != 32:
        raise AttestationFileError(where, f"must be 32 bytes (64 hex digits), got {len(raw)}")
    return raw
