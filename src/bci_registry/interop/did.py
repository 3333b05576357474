"""The verifier's secp256k1 key as a JOSE key, and its ``did:web`` DID document.

A UNTP credential names its issuer by a ``did:web`` DID: the verifier body's domain.
A plain JOSE verifier resolves it to ``https://<domain>/.well-known/did.json`` and
finds there the public key (``publicKeyJwk``). The same verification method carries
``blockchainAccountId`` ``eip155:<chainId>:<address>``: the Ethereum account the key
controls, which is the account the registry accredited. Anyone can check the link by
deriving the address from the key (Keccak-256 of the public point, last 20 bytes).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote

from eth_keys.datatypes import PrivateKey, PublicKey
from eth_utils import to_checksum_address
from joserfc.jwk import ECKey

from bci_registry.interop.model import ModelError

KEY_FRAGMENT: Final = "key-1"
DID_CONTEXTS: Final = (
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/suites/jws-2020/v1",
    "https://w3id.org/security/suites/secp256k1recovery-2020/v2",
)
"""DID core, JsonWebKey2020 and the context that defines ``blockchainAccountId``."""

_ACCOUNT = re.compile(r"eip155:([1-9][0-9]*):(0x[0-9a-fA-F]{40})\Z")


class KeyError_(ValueError):
    """A key or DID document cannot be used (named ``KeyError_`` to not shadow KeyError)."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def did_for_domain(domain: str) -> str:
    """``did:web`` DID of a domain (a port's colon is percent-encoded, as the method says)."""
    return "did:web:" + domain.replace(":", "%3A")


def did_document_url(did: str) -> str:
    """Where a ``did:web`` DID's document is published (did:web method, Read)."""
    if not did.startswith("did:web:"):
        raise KeyError_(f"not a did:web DID: {did!r}")
    parts = [unquote(part) for part in did[len("did:web:") :].split(":")]
    if len(parts) == 1:
        return f"https://{parts[0]}/.well-known/did.json"
    return f"https://{parts[0]}/{'/'.join(parts[1:])}/did.json"


@dataclass(frozen=True)
class VerifierKey:
    """A verifier's secp256k1 signing key (the key of its accredited Ethereum account)."""

    private_key: bytes

    def __post_init__(self) -> None:
        if len(self.private_key) != 32:
            raise KeyError_("a secp256k1 private key is 32 bytes")
        try:
            PrivateKey(self.private_key)
        except Exception as exc:  # eth_keys raises ValidationError for an out-of-range key
            raise KeyError_(f"not a valid secp256k1 private key: {exc}") from None

    @property
    def _public(self) -> bytes:
        return bytes(PrivateKey(self.private_key).public_key.to_bytes())

    @property
    def address(self) -> str:
        """The Ethereum address of the key (EIP-55)."""
        return str(PrivateKey(self.private_key).public_key.to_checksum_address())

    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK (RFC 8812: ``kty`` EC, ``crv`` secp256k1)."""
        public = self._public
        return {
            "kty": "EC",
            "crv": "secp256k1",
            "x": _b64url(public[:32]),
            "y": _b64url(public[32:]),
        }

    def jose_key(self) -> ECKey:
        """The private key as a joserfc key, for signing."""
        return ECKey.import_key({**self.public_jwk(), "d": _b64url(self.private_key)})


def jwk_address(jwk: dict[str, Any]) -> str:
    """The Ethereum address of a secp256k1 public JWK (EIP-55); KeyError_ if not one."""
    if jwk.get("kty") != "EC" or jwk.get("crv") != "secp256k1":
        raise KeyError_("expected an EC key on the secp256k1 curve")
    if "d" in jwk:
        raise KeyError_("a published key must not hold its private part 'd'")
    try:
        x, y = _unb64url(str(jwk["x"])), _unb64url(str(jwk["y"]))
    except (KeyError, ValueError) as exc:
        raise KeyError_(f"malformed x/y coordinates: {exc}") from None
    if len(x) != 32 or len(y) != 32:
        raise KeyError_("secp256k1 coordinates are 32 bytes each")
    try:
        public = PublicKey(x + y)
    except Exception as exc:  # not a point on the curve
        raise KeyError_(f"not a secp256k1 public key: {exc}") from None
    return str(public.to_checksum_address())


def parse_account_id(value: str) -> tuple[int, str]:
    """``eip155:<chainId>:<address>`` -> (chain id, checksummed address)."""
    match = _ACCOUNT.match(value) if isinstance(value, str) else None
    if not match:
        raise KeyError_(f"expected a CAIP-10 account id eip155:<chainId>:<address>, got {value!r}")
    return int(match[1]), str(to_checksum_address(match[2]))


def did_document(domain: str, key: VerifierKey, chain_id: int) -> dict[str, Any]:
    """The DID document the verifier publishes at ``did_document_url(did_for_domain(domain))``."""
    if chain_id <= 0:
        raise ModelError("chain_id: expected a positive integer")
    did = did_for_domain(domain)
    method_id = f"{did}#{KEY_FRAGMENT}"
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": [
            {
                "id": method_id,
                "type": "JsonWebKey2020",
                "controller": did,
                "publicKeyJwk": key.public_jwk(),
                "blockchainAccountId": f"eip155:{chain_id}:{key.address}",
            }
        ],
        "assertionMethod": [method_id],
        "authentication": [method_id],
    }


@dataclass(frozen=True)
class ResolvedKey:
    """The verification method a ``kid`` names in a DID document."""

    method_id: str
    jwk: dict[str, Any]
    address: str
    account_chain_id: int | None
    account_address: str | None


def resolve_key(document: dict[str, Any], kid: str) -> ResolvedKey:
    """Find ``kid`` among the document's assertion methods; check its key and account.

    Raises KeyError_ if the method is missing, not an assertion method, its key is not
    a public secp256k1 key, or its ``blockchainAccountId`` is malformed.
    """
    did = document.get("id")
    if not isinstance(did, str) or not kid.startswith(did + "#"):
        raise KeyError_(f"kid {kid!r} is not a key of the DID document {did!r}")
    assertion = document.get("assertionMethod", [])
    refs = {item if isinstance(item, str) else item.get("id") for item in assertion}
    if kid not in refs:
        raise KeyError_(f"{kid!r} is not an assertionMethod of {did}")
    methods = [
        m
        for m in [
            *document.get("verificationMethod", []),
            *[a for a in assertion if isinstance(a, dict)],
        ]
        if isinstance(m, dict) and m.get("id") == kid
    ]
    if len(methods) != 1:
        raise KeyError_(f"expected one verification method {kid!r}, found {len(methods)}")
    method = methods[0]
    if method.get("controller") != did:
        raise KeyError_(f"{kid!r} is not controlled by {did}")
    jwk = method.get("publicKeyJwk")
    if not isinstance(jwk, dict):
        raise KeyError_(f"{kid!r} has no publicKeyJwk")
    address = jwk_address(jwk)
    account = method.get("blockchainAccountId")
    chain_id = account_address = None
    if account is not None:
        chain_id, account_address = parse_account_id(account)
    return ResolvedKey(kid, dict(jwk), address, chain_id, account_address)
