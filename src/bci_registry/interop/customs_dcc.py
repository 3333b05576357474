"""A UNTP DCC as a ``bci-verify`` report file: what it claims and proves, without the chain.

Accepted forms: the ``vc+jwt`` file (compact JWS), or the decoded credential (JSON)
with its JWT beside it (``x.dcc.json`` -> ``x.dcc.jwt``; the decoded copy must equal
the signed payload: a decoded credential alone carries no signature). The issuer's
did:web document is given offline (``--did-document``); nothing is fetched.

The checks against the chain are in ``bci_registry.customs.checks`` (``dcc_*``): the
signing key's account must be the verifier of an attestation of the report in
``customs_view``, and that attestation must stand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bci_registry.customs.errors import CustomsInputError
from bci_registry.report.fields import REPORT_FIELDS, field_mask

if TYPE_CHECKING:  # customs imports this module lazily: no import cycle at run time
    from bci_registry.customs.evidence import Evidence

_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\Z")
DCC_TYPE = "DigitalConformityCredential"

# problem codes of verify_dcc, by where customs reports them
_FILE_CODES = {"disclosure"}
_ANCHOR_CODES: set[str] = set()
_SKIP_CODES = {"validity"}  # judged at the chain's block time, not the local clock


@dataclass(frozen=True)
class DccOptions:
    """What a DCC check needs besides the file: DID documents, status lists, the deployment."""

    did_documents: Sequence[dict[str, Any]] = ()
    status_lists: Sequence[str] = ()  # status list credential JWTs (offline copies)
    chain_id: int | None = None
    registry: str | None = None


@dataclass(frozen=True)
class DccFacts:
    """What the credential says, for the ``dcc_*`` checks."""

    signer: str | None  # the Ethereum address of the signing key (signature verified)
    credential_problems: tuple[str, ...]  # header, key, signature, schema, issuer, account
    anchor_problems: tuple[str, ...]  # chain / registry not the deployment's
    assessed_mask: int
    conformant: bool | None
    status_revoked: bool | None  # the status list's bit (None: no list given)
    status_problems: tuple[str, ...]
    valid_from: int | None
    valid_until: int | None
    issuer: str | None


def looks_like_dcc(text: str, obj: Any = None) -> bool:
    """A compact JWS, or a JSON credential of type DigitalConformityCredential."""
    if _JWS.match(text.strip()):
        return True
    types = obj.get("type") if isinstance(obj, dict) else None
    return isinstance(types, list) and DCC_TYPE in types


def _timestamp(text: Any) -> int | None:
    if not isinstance(text, str):
        return None
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def _did_document_for(token: str, documents: Sequence[dict[str, Any]]) -> dict[str, Any]:
    from bci_registry.interop.verify import _unverified_header

    try:
        kid = _unverified_header(token).get("kid")
    except (ValueError, UnicodeDecodeError) as exc:
        raise CustomsInputError(f"not a compact JWS: {exc}") from None
    did = kid.partition("#")[0] if isinstance(kid, str) else None
    for document in documents:
        if document.get("id") == did:
            return document
    given = ", ".join(str(d.get("id")) for d in documents) or "none"
    raise CustomsInputError(
        f"the credential is signed by {kid!r}: give its issuer's DID document with "
        f"--did-document (offline; given: {given})"
    )


def _status_list_for(credential: dict[str, Any] | None, lists: Sequence[str]) -> str | None:
    from bci_registry.interop.verify import _unverified_header  # noqa: F401

    status = credential.get("credentialStatus") if isinstance(credential, dict) else None
    url = status.get("statusListCredential") if isinstance(status, dict) else None
    for token in lists:
        try:
            from joserfc.util import urlsafe_b64decode

            payload = json.loads(urlsafe_b64decode(token.strip().split(".")[1].encode()))
        except (ValueError, IndexError):
            continue
        if isinstance(payload, dict) and payload.get("id") == url:
            return token
    return None


def load_dcc(path: Path, text: str, obj: Any, options: DccOptions) -> Evidence:
    """The ``Evidence`` of a DCC file (``bci_registry.customs.evidence.Evidence``)."""
    from bci_registry.customs.evidence import DCC, Evidence, _delivery_date
    from bci_registry.interop.verify import verify_dcc

    if _JWS.match(text.strip()):
        token = text.strip()
        decoded = None
    else:
        jwt_path = path.with_suffix(".jwt")
        if not jwt_path.is_file():
            raise CustomsInputError(
                f"{path} is a decoded credential: it carries no signature; give the JWT "
                f"({jwt_path.name} was not found beside it)"
            )
        token = jwt_path.read_text("utf-8").strip()
        decoded = obj
    if not options.did_documents:
        raise CustomsInputError(
            f"{path} is a UNTP DCC: give its issuer's DID document with --did-document FILE"
        )
    document = _did_document_for(token, options.did_documents)
    # verify_dcc without a clock check here: "now" is the chain's block time (judged later)
    check = verify_dcc(token, document, status_list_jwt=None)
    credential = check.credential
    file_problems: list[str] = []
    credential_problems: list[str] = []
    for problem in check.problems:
        if problem.code in _SKIP_CODES:
            continue
        (file_problems if problem.code in _FILE_CODES else credential_problems).append(str(problem))
    if decoded is not None and credential is not None and decoded != credential:
        credential_problems.append(
            f"format: {path.name} is not the credential signed in {path.with_suffix('.jwt').name}"
        )
    if check.disclosed and check.disclosure_proven is None:
        file_problems.append(
            "disclosure: the credential discloses values without their salts and multiproof"
        )
    if check.credential is None:
        # Not verified: read the anchor it claims, unproven, so that customs still shows
        # what the chain says about that report beside the failed signature.
        from bci_registry.interop.verify import DccCheck, _read_facts

        probe = DccCheck()
        try:
            from joserfc.util import urlsafe_b64decode

            claimed = json.loads(urlsafe_b64decode(token.split(".")[1].encode("ascii")))
        except (ValueError, IndexError, UnicodeError):
            claimed = None
        if isinstance(claimed, dict):
            _read_facts(probe, claimed)
            check.root, check.organisation = probe.root, probe.organisation
            check.chain_id, check.registry = probe.chain_id, probe.registry
        file_problems.append("the credential's signature does not verify: nothing in it is proven")
    if check.root is None:
        raise CustomsInputError(f"{path}: the credential names no bci-registry report anchor")
    anchor_problems = []
    if options.chain_id is not None and check.chain_id != options.chain_id:
        anchor_problems.append(
            f"the credential's anchor is on chain {check.chain_id}, the manifest's is "
            f"{options.chain_id}"
        )
    if options.registry is not None and (check.registry or "").lower() != options.registry.lower():
        anchor_problems.append(
            f"the credential's anchor is in registry {check.registry}, the manifest's is "
            f"{options.registry}"
        )
    status_revoked = None
    status_problems: list[str] = []
    if credential is not None and options.status_lists:
        listing = _status_list_for(credential, options.status_lists)
        if listing is not None:
            status = verify_dcc(token, document, status_list_jwt=listing)
            status_revoked = status.revoked
            status_problems = [str(p) for p in status.problems if p.code == "status"]
    assessed = [name for name in check.fields if name in REPORT_FIELDS]
    signature_ok = not any(
        p.code in {"format", "header", "key", "signature"} for p in check.problems
    )
    facts = DccFacts(
        signer=check.key_address if signature_ok else None,
        credential_problems=tuple(credential_problems),
        anchor_problems=tuple(anchor_problems),
        assessed_mask=field_mask(assessed),
        conformant=check.conformant,
        status_revoked=status_revoked,
        status_problems=tuple(status_problems),
        valid_from=_timestamp(credential.get("validFrom")) if credential else None,
        valid_until=_timestamp(credential.get("validUntil")) if credential else None,
        issuer=check.issuer,
    )
    shipment = check.disclosed.get("shipment") if check.disclosure_proven else None
    return Evidence(
        path=str(path),
        kind=DCC,
        root=bytes.fromhex(check.root[2:]),
        fields=tuple(n for n in REPORT_FIELDS if n in check.disclosed),
        problems=tuple(file_problems),
        delivery_date=_delivery_date(json.dumps(shipment)) if shipment is not None else None,
        organisation=bytes.fromhex(check.organisation[2:]) if check.organisation else None,
        dcc=facts,
    )
