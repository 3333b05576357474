"""Checking a UNTP DCC secured as ``vc+jwt``: what a plain JOSE verifier does, and more.

``verify_dcc`` takes the compact JWS, the issuer's DID document (resolved by the
caller: the did:web URL is ``did_document_url``) and, optionally, the status list
credential (its JWT) and the expected verifier account. It checks, and reports every
failure rather than the first:

- the header: ``alg`` ES256K, ``typ`` ``vc+jwt``, ``cty`` ``vc`` when present, ``kid``
  naming an assertion method of the issuer's DID;
- the signature against that method's ``publicKeyJwk``;
- key to account: the key's Ethereum address equals the method's
  ``blockchainAccountId`` address (on the anchor's chain) and the expected verifier;
- the credential: the official UNTP DCC 0.6.1 JSON Schema, exactly its two contexts,
  no ``vc``/``vp`` claim, the validity window at ``now``;
- the status: the status list credential is signed by the same issuer and the
  credential's bit is clear.

The result is a ``DccCheck``: ``ok``, the problems (code + message) and the facts read
from the credential, for the customs check to combine with the on-chain state.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from jsonschema import Draft202012Validator, FormatChecker

from bci_registry.interop.dcc import (
    ALGORITHM,
    CONTEXTS,
    CTY,
    DISCLOSURE_SUFFIX,
    NOT_DISCLOSED,
    TYP,
)
from bci_registry.interop.did import KeyError_, resolve_key
from bci_registry.interop.reference import UNTP_DCC_SCHEMA, reference_json
from bci_registry.interop.statuslist import StatusEntry, StatusListError, revoked_in
from bci_registry.report.canonical import canonical_json, parse_json

_ANCHOR = re.compile(
    r"(?P<base>https://.+/)eip155:(?P<chain>[1-9][0-9]*)/(?P<registry>0x[0-9a-fA-F]{40})"
    r"/report/(?P<organisation>0x[0-9a-f]{64})/(?P<root>0x[0-9a-f]{64})\Z"
)
_TX = re.compile(r"https://.+/eip155:(?P<chain>[1-9][0-9]*)/tx/(?P<tx>0x[0-9a-f]{64})\Z")


@dataclass(frozen=True)
class Problem:
    """One reason a DCC does not verify: a stable code and a message."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass
class DccCheck:
    """The outcome of ``verify_dcc``."""

    problems: list[Problem] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)
    credential: dict[str, Any] | None = None
    issuer: str | None = None
    key_address: str | None = None
    chain_id: int | None = None
    registry: str | None = None
    organisation: str | None = None
    root: str | None = None
    transaction: str | None = None
    fields: tuple[str, ...] = ()
    conformant: bool | None = None
    disclosed: dict[str, Any] = field(default_factory=dict)
    revoked: bool | None = None
    #: The embedded bci-report disclosure's JSON text (None: the credential has none).
    disclosure_text: str | None = None
    #: True when the embedded disclosure proves every disclosed value against the root
    #: and organisation the credential names; None when there is no disclosure.
    disclosure_proven: bool | None = None

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def add(self, code: str, message: str) -> None:
        self.problems.append(Problem(code, message))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the credential itself is left out)."""
        return {
            "ok": self.ok,
            "problems": [{"code": p.code, "message": p.message} for p in self.problems],
            "issuer": self.issuer,
            "keyAddress": self.key_address,
            "chainId": self.chain_id,
            "registry": self.registry,
            "organisation": self.organisation,
            "root": self.root,
            "transaction": self.transaction,
            "fields": list(self.fields),
            "conformant": self.conformant,
            "disclosed": self.disclosed,
            "revoked": self.revoked,
            "disclosureProven": self.disclosure_proven,
        }


def schema_problems(credential: Any) -> list[str]:
    """Messages of the UNTP DCC 0.6.1 JSON Schema (formats checked) for ``credential``."""
    validator = Draft202012Validator(
        reference_json(UNTP_DCC_SCHEMA), format_checker=FormatChecker()
    )
    out = []
    for error in sorted(validator.iter_errors(credential), key=lambda e: list(e.absolute_path)):
        where = "$" + "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path
        )
        out.append(f"{where}: {error.message}")
    return out


def _open_jws(token: str, jwk: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    signature = jws.deserialize_compact(token, ECKey.import_key(jwk), algorithms=[ALGORITHM])
    return dict(signature.headers()), bytes(signature.payload)


def _unverified_header(token: str) -> dict[str, Any]:
    from joserfc.util import urlsafe_b64decode

    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("a compact JWS has three dot-separated parts")
    header = json.loads(urlsafe_b64decode(parts[0].encode("ascii")))
    if not isinstance(header, dict):
        raise ValueError("the JOSE header is not a JSON object")
    return header


def _read_facts(check: DccCheck, credential: dict[str, Any]) -> None:
    for item in (
        credential.get("evidence", []) if isinstance(credential.get("evidence"), list) else []
    ):
        ident = item.get("id", "") if isinstance(item, dict) else ""
        if match := _ANCHOR.match(ident):
            check.chain_id = int(match["chain"])
            check.registry = match["registry"]
            check.organisation = match["organisation"]
            check.root = match["root"]
        elif match := _TX.match(ident):
            check.transaction = match["tx"]
        elif ident.endswith(DISCLOSURE_SUFFIX) and _ANCHOR.match(ident[: -len(DISCLOSURE_SUFFIX)]):
            text = item.get("description")
            if isinstance(text, str):
                check.disclosure_text = text
            else:
                check.add("disclosure", f"evidence {ident}: no disclosure text in description")
    subject = credential.get("credentialSubject")
    assessments = subject.get("assessment", []) if isinstance(subject, dict) else []
    names: list[str] = []
    verdicts: set[bool] = set()
    for item in assessments if isinstance(assessments, list) else []:
        if not isinstance(item, dict):
            continue
        name = str(item.get("id", "")).rpartition("#")[2]
        names.append(name)
        if isinstance(item.get("conformance"), bool):
            verdicts.add(item["conformance"])
        text = item.get("description")
        if isinstance(text, str) and text != NOT_DISCLOSED:
            try:
                check.disclosed[name] = parse_json(text)
            except ValueError as exc:
                check.add("disclosure", f"assessment {name}: disclosed value is not JSON: {exc}")
    check.fields = tuple(names)
    if len(verdicts) == 1:
        check.conformant = verdicts.pop()
    elif verdicts:
        check.add("credential", "the assessments disagree on conformance")
    if check.root is None:
        check.add("credential", "evidence: no bci-registry report anchor")
    _check_disclosure(check)


def _check_disclosure(check: DccCheck) -> None:
    """The embedded disclosure proves the disclosed values against the credential's anchor.

    Whether a credential without one is acceptable is the caller's decision (customs
    requires it for every disclosed value); a disclosure that is there must be right.
    """
    from bci_registry.report import Disclosure, DisclosureInvalid, disclosure_problems

    if check.disclosure_text is None:
        return
    problems: list[str] = []
    try:
        disclosure = Disclosure.from_json(check.disclosure_text)
    except DisclosureInvalid as exc:
        problems = [f"embedded disclosure: {p}" for p in exc.problems]
    else:
        if check.root is not None:
            organisation = bytes.fromhex(check.organisation[2:]) if check.organisation else None
            problems += [
                f"embedded disclosure: {p}"
                for p in disclosure_problems(disclosure, check.root, organisation)
            ]
        proven = {leaf.name: leaf.value for leaf in disclosure.field_leaves}
        for name, value in check.disclosed.items():
            if name not in proven:
                problems.append(f"assessment {name}: its value is not in the embedded disclosure")
            elif canonical_json(value) != proven[name]:
                problems.append(
                    f"assessment {name}: the value differs from the disclosed leaf "
                    "(the salted leaf proven against the root)"
                )
        for name in proven:
            if name not in check.disclosed:
                problems.append(f"embedded disclosure: {name} is disclosed by no assessment")
    for message in problems:
        check.add("disclosure", message)
    check.disclosure_proven = not problems


def verify_dcc(
    token: str,
    did_document: dict[str, Any],
    *,
    expected_verifier: str | None = None,
    status_list_jwt: str | None = None,
    now: datetime | None = None,
) -> DccCheck:
    """Check a DCC JWT against its issuer's DID document; see the module docstring."""
    check = DccCheck()
    token = token.strip()
    try:
        header = _unverified_header(token)
    except (ValueError, UnicodeDecodeError) as exc:
        check.add("format", f"not a compact JWS: {exc}")
        return check
    check.header = header
    if header.get("alg") != ALGORITHM:
        check.add("header", f"alg: expected {ALGORITHM}, got {header.get('alg')!r}")
        return check
    if header.get("typ") != TYP:
        check.add("header", f"typ: expected {TYP!r}, got {header.get('typ')!r}")
    if "cty" in header and header["cty"] != CTY:
        check.add("header", f"cty: expected {CTY!r}, got {header['cty']!r}")
    kid = header.get("kid")
    if not isinstance(kid, str):
        check.add("header", "kid: missing; it names the issuer's verification method")
        return check
    try:
        method = resolve_key(did_document, kid)
    except KeyError_ as exc:
        check.add("key", str(exc))
        return check
    check.key_address = method.address
    try:
        _, payload = _open_jws(token, method.jwk)
    except (JoseError, ValueError) as exc:
        check.add("signature", f"the JWS signature does not verify with {kid}: {exc}")
        return check
    try:
        credential = json.loads(payload)
    except ValueError as exc:
        check.add("format", f"the payload is not JSON: {exc}")
        return check
    if not isinstance(credential, dict):
        check.add("format", "the payload is not a JSON object")
        return check
    check.credential = credential
    _check_credential(check, credential, did_document, method.address, now)
    if method.account_address is None:
        check.add("account", f"{kid} has no blockchainAccountId")
    else:
        if method.account_address != method.address:
            check.add(
                "account",
                f"blockchainAccountId {method.account_address} is not the key's address "
                f"{method.address}",
            )
        if check.chain_id is not None and method.account_chain_id != check.chain_id:
            check.add(
                "account",
                f"blockchainAccountId is on chain {method.account_chain_id}, the anchor on "
                f"{check.chain_id}",
            )
    if expected_verifier is not None and expected_verifier.lower() != method.address.lower():
        check.add(
            "account",
            f"signed by {method.address}, but the attestation's verifier is {expected_verifier}",
        )
    _check_status(check, credential, did_document, status_list_jwt)
    return check


def _check_credential(
    check: DccCheck,
    credential: dict[str, Any],
    did_document: dict[str, Any],
    key_address: str,
    now: datetime | None,
) -> None:
    for message in schema_problems(credential):
        check.add("schema", message)
    if credential.get("@context") != list(CONTEXTS):
        check.add("schema", f"@context: expected exactly {list(CONTEXTS)}")
    for claim in ("vc", "vp", "proof"):
        if claim in credential:
            check.add("format", f"{claim!r} must not be present in an enveloped credential")
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    check.issuer = issuer_id if isinstance(issuer_id, str) else None
    if issuer_id != did_document.get("id"):
        check.add(
            "issuer", f"issuer {issuer_id!r} is not the DID document's {did_document.get('id')!r}"
        )
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    for name, wants_before in (("validFrom", True), ("validUntil", False)):
        text = credential.get(name)
        if not isinstance(text, str):
            continue
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            continue  # the schema reports the malformed date
        if wants_before and moment < when:
            check.add("validity", f"not yet valid: validFrom {text}")
        if not wants_before and moment > when:
            check.add("validity", f"expired: validUntil {text}")
    _read_facts(check, credential)


def _check_status(
    check: DccCheck,
    credential: dict[str, Any],
    did_document: dict[str, Any],
    status_list_jwt: str | None,
) -> None:
    try:
        entry = StatusEntry.from_json(credential.get("credentialStatus"))
    except StatusListError as exc:
        check.add("status", str(exc))
        return
    if status_list_jwt is None:
        return  # status not checked here: the chain is authoritative
    try:
        header = _unverified_header(status_list_jwt.strip())
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or not isinstance(kid, str):
            raise ValueError("expected an ES256K JWS with a kid")
        method = resolve_key(did_document, kid)
        _, payload = _open_jws(status_list_jwt.strip(), method.jwk)
        listing = json.loads(payload)
        if not isinstance(listing, dict) or listing.get("issuer") != did_document.get("id"):
            raise ValueError("the status list is not issued by the credential's issuer")
        check.revoked = revoked_in(listing, entry)
    except (JoseError, KeyError_, StatusListError, ValueError) as exc:
        check.add("status", f"status list credential unusable: {exc}")
        return
    if check.revoked:
        check.add("revoked", f"revoked: bit {entry.index} is set in {entry.list_url}")
