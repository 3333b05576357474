"""UNTP Digital Conformity Credential (DCC 0.6.1) for one on-chain attestation.

The credential is a W3C VC 2.0 in compacted JSON-LD with exactly the two contexts the
DCC schema requires (VC 2.0, UNTP DCC 0.6.1); every property is a term of one of
them (no ``@vocab`` catch-all, nothing dropped by expansion). It is secured as
VC-JOSE-COSE's enveloping JOSE form: the whole credential is the JWS payload, the
protected header says ``alg`` ES256K, ``typ`` ``vc+jwt``, ``cty`` ``vc`` and ``kid``
(the issuer's verification method); there is no ``vc`` claim and no embedded proof.

Layout (mapping in docs/interop.md):

- ``issuer``: the verifier body, ``did:web:<domain>``;
- ``credentialSubject``: a ConformityAttestation (3rdParty, Accredited, verification)
  issued to the exporter organisation, with one ConformityAssessment per attested
  field: its conformance (the verdict), topic, date, the assessed battery and
  shipment (GS1 Digital Link URIs) and, when disclosed, the field's value as its
  RFC 8785 canonical JSON text in ``description``;
- ``conformityCertificate``: the evidence hash the attestation logged on chain;
- ``evidence``: the anchor (chain, registry, organisation, root) and its transaction;
- ``credentialStatus``: a BitstringStatusListEntry (revocation) in the verifier's list;
- ``validFrom`` / ``validUntil``: the attestation's verified_at / expires_at.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from joserfc import jws

from bci_registry.interop.did import KEY_FRAGMENT, VerifierKey, did_for_domain
from bci_registry.interop.model import ExportInput, ModelError, rfc3339
from bci_registry.interop.reference import UNTP_DCC_CONTEXT, VC_V2_CONTEXT
from bci_registry.interop.statuslist import StatusEntry
from bci_registry.report.canonical import canonical_json

CONTEXTS: Final = (VC_V2_CONTEXT, UNTP_DCC_CONTEXT)
ALGORITHM: Final = "ES256K"
TYP: Final = "vc+jwt"
CTY: Final = "vc"
NOT_DISCLOSED: Final = "value not disclosed in this credential"
DISCLOSURE_SUFFIX: Final = "/disclosure"
"""The ``evidence`` item whose id is ``<anchor uri>/disclosure`` carries the bci-report
disclosure (salted leaves + multiproof) as RFC 8785 JSON text in its ``description``."""
DISCLOSURE_NAME: Final = (
    "bci-report disclosure: the disclosed fields' salted leaves and their Merkle "
    "multiproof against the anchored root"
)

CONFORMITY_TOPIC: Final[dict[str, str]] = {
    "cathodeMaterialOrigin": "governance.transparency",
    "refineryCarbonIntensity": "environment.emissions",
    "recycledContent": "circularity.content",
    "smelterIds": "governance.compliance",
    "mineLicences": "governance.compliance",
    "transportEmissions": "environment.emissions",
    "verifications": "governance.transparency",
    "batteryIdentifiers": "governance.transparency",
    "shipment": "governance.transparency",
    "facilityAndOperator": "governance.transparency",
    "batteryCarbonFootprint": "environment.emissions",
    "dueDiligenceReport": "governance.compliance",
}
"""UNTP conformity topic of each report field; a field not listed (a future one) is
``governance.transparency``."""

REGULATION: Final = {
    "type": ["Regulation"],
    "id": "https://eur-lex.europa.eu/eli/reg/2023/1542/oj",
    "name": "Regulation (EU) 2023/1542 concerning batteries and waste batteries",
    "jurisdictionCountry": "EU",
    "administeredBy": {"id": "https://commission.europa.eu/", "name": "European Commission"},
    "effectiveDate": "2023-08-17",
}


def attestation_uri(data: ExportInput) -> str:
    """The URI naming the attestation: anchor plus verifier."""
    return f"{data.anchor.anchor_uri}/attestation/{data.attestation.verifier}"


def credential_id(data: ExportInput) -> str:
    """The credential's id: one credential per attestation (re-exports keep the id)."""
    return f"{attestation_uri(data)}/dcc"


def _assessment(data: ExportInput, name: str, cred_id: str) -> dict[str, Any]:
    product = data.product
    att = data.attestation
    disclosed = name in data.disclosed
    return {
        "type": ["ConformityAssessment", "Declaration"],
        "id": f"{cred_id}#{name}",
        "name": f"bci-report/1 field {name}",
        "description": canonical_json(data.disclosed[name]) if disclosed else NOT_DISCLOSED,
        "assessmentDate": att.verified_at.date().isoformat(),
        "referenceRegulation": REGULATION,
        "conformance": att.verdict.conformant,
        "conformityTopic": CONFORMITY_TOPIC.get(name, "governance.transparency"),
        "assessedProduct": [
            {
                "type": ["ProductVerification"],
                "product": {
                    "id": product.product_uri,
                    "name": product.product_name or f"Battery GTIN {product.gtin}",
                    "registeredId": product.passport_id,
                    "serialNumber": product.serial_number,
                    "batchNumber": product.batch_id,
                },
                "IDverifiedByCAB": True,
            },
            {
                "type": ["ProductVerification"],
                "product": {
                    "id": product.shipment_uri,
                    "name": f"Shipment SSCC {product.sscc}",
                    "registeredId": product.sscc,
                },
                "IDverifiedByCAB": True,
            },
        ],
    }


def build_credential(data: ExportInput, status: StatusEntry) -> dict[str, Any]:
    """The unsecured DCC for one attestation (compacted JSON-LD, two contexts)."""
    anchor, att = data.anchor, data.attestation
    issuer = did_for_domain(att.verifier_domain)
    cred_id = credential_id(data)
    verdict = att.verdict.name
    fields = ", ".join(att.fields)
    org_name = data.organisation_name or f"bci-registry organisation {anchor.organisation}"
    credential: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "type": ["DigitalConformityCredential", "VerifiableCredential"],
        "id": cred_id,
        "name": f"Verification of battery traceability report {anchor.root}",
        "issuer": {
            "type": ["CredentialIssuer"],
            "id": issuer,
            "name": att.verifier_name or att.verifier_domain,
            "issuerAlsoKnownAs": [
                {
                    "id": f"{anchor.id_base}{anchor.chain}/account/{att.verifier}",
                    "name": f"accredited verifier account {att.verifier} on {anchor.chain}",
                    "registeredId": att.verifier,
                }
            ],
        },
        "validFrom": rfc3339(att.verified_at),
        "validUntil": rfc3339(att.expires_at),
        "credentialSubject": {
            "type": ["ConformityAttestation", "Attestation"],
            "id": attestation_uri(data),
            "name": f"{verdict}: fields {fields} of report {anchor.root}",
            "assessorLevel": "3rdParty",
            "assessmentLevel": "Accredited",
            "attestationType": "verification",
            "description": (
                f"Verdict {verdict} on the fields {fields} of the bci-report/1 report with "
                f"root {anchor.root} of organisation {anchor.organisation}, anchored in "
                f"registry {anchor.registry} on {anchor.chain} (transaction "
                f"{anchor.transaction}). The on-chain attestation is authoritative for status."
            ),
            "issuedToParty": {
                "id": f"{anchor.id_base}{anchor.chain}/{anchor.registry}/organisation/"
                f"{anchor.organisation}",
                "name": org_name,
                "registeredId": anchor.organisation,
            },
            "authorisation": [
                {
                    "type": ["Endorsement"],
                    "id": f"{anchor.id_base}{anchor.chain}/{anchor.registry}/accreditation/"
                    f"{att.verifier}",
                    "name": f"Accreditation of {att.verifier} in the bci-registry",
                    "issuingAuthority": {
                        "id": f"{anchor.id_base}{anchor.chain}/{anchor.registry}",
                        "name": "bci-registry governance",
                    },
                }
            ],
            "conformityCertificate": {
                "type": ["SecureLink", "Link"],
                "linkURL": f"{attestation_uri(data)}/evidence/{att.evidence}",
                "linkName": "verification certificate (evidence document)",
                "linkType": "evidence-document",
                "hashDigest": att.evidence[2:],
                "hashMethod": "SHA-256",
                "encryptionMethod": "none",
            },
            "assessment": [_assessment(data, name, cred_id) for name in att.fields],
        },
        "evidence": [
            {
                "id": anchor.anchor_uri,
                "name": "bci-registry report anchor",
                "description": (
                    f"chain {anchor.chain}; registry {anchor.registry}; organisation "
                    f"{anchor.organisation}; root {anchor.root}"
                ),
            },
            {
                "id": anchor.transaction_uri,
                "name": "anchoring transaction",
                "description": f"transaction {anchor.transaction} on {anchor.chain}",
            },
        ],
        "credentialStatus": status.to_json(),
    }
    if data.disclosure is not None:
        credential["evidence"].append(
            {
                "id": anchor.anchor_uri + DISCLOSURE_SUFFIX,
                "name": DISCLOSURE_NAME,
                "description": canonical_json(dict(data.disclosure)),
            }
        )
    return credential


def kid_for(verifier_domain: str) -> str:
    """The ``kid`` of the verifier's signing key (its DID document's verification method)."""
    return f"{did_for_domain(verifier_domain)}#{KEY_FRAGMENT}"


def sign_credential(credential: dict[str, Any], key: VerifierKey, kid: str) -> str:
    """Secure ``credential`` as an enveloping JWS (compact serialisation): ``vc+jwt``."""
    if "vc" in credential or "vp" in credential:
        raise ModelError("VC-JOSE-COSE forbids the 'vc' and 'vp' claims")
    if "proof" in credential:
        raise ModelError("an enveloped credential carries no embedded proof")
    header = {"alg": ALGORITHM, "typ": TYP, "cty": CTY, "kid": kid}
    payload = json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return str(jws.serialize_compact(header, payload, key.jose_key(), algorithms=[ALGORITHM]))


@dataclass(frozen=True)
class DccExport:
    """A signed DCC: the JWT and the credential it carries."""

    jwt: str
    credential: dict[str, Any]


def export_dcc(data: ExportInput, key: VerifierKey, status: StatusEntry) -> DccExport:
    """Build and sign the DCC of one attestation with the verifier's key.

    The key must be the attesting verifier's: a credential signed by another key would
    never verify against the accredited account.
    """
    if key.address != data.attestation.verifier:
        raise ModelError(
            f"the signing key's address {key.address} is not the attestation's verifier "
            f"{data.attestation.verifier}"
        )
    credential = build_credential(data, status)
    return DccExport(
        sign_credential(credential, key, kid_for(data.attestation.verifier_domain)), credential
    )
