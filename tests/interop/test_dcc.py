"""UNTP DCC export: schema, JSON-LD, VC-JOSE-COSE envelope, did:web key, status list."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from joserfc import jws

from bci_registry.interop.dcc import CONTEXTS, export_dcc, sign_credential
from bci_registry.interop.did import (
    did_document,
    did_document_url,
    did_for_domain,
    jwk_address,
)
from bci_registry.interop.jsonld import dropped_terms, expand
from bci_registry.interop.model import ModelError, Verdict
from bci_registry.interop.reference import UNTP_DCC_SCHEMA, reference_json
from bci_registry.interop.statuslist import (
    MIN_BITS,
    StatusEntry,
    bit_is_set,
    decode_bits,
    default_list_url,
    encode_bits,
    status_list_credential,
)
from bci_registry.interop.verify import schema_problems, verify_dcc

from .helpers import (
    CHAIN_ID,
    DOMAIN,
    OTHER_KEY,
    REFERENCE,
    SAMPLE_NAMES,
    VERIFIER_KEY,
    export_input,
    sample,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LIST_URL = default_list_url(DOMAIN, CHAIN_ID)
STATUS = StatusEntry(LIST_URL, 42)
DID_DOC = did_document(DOMAIN, VERIFIER_KEY, CHAIN_ID)


def _status_jwt(revoked: list[int]) -> str:
    listing = status_list_credential(LIST_URL, did_for_domain(DOMAIN), revoked, NOW)
    return sign_credential(listing, VERIFIER_KEY, f"{did_for_domain(DOMAIN)}#key-1")


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_dcc_is_valid_untp_and_verifies(name: str) -> None:
    report = sample(name)
    exported = export_dcc(export_input(report), VERIFIER_KEY, STATUS)
    credential = exported.credential
    assert schema_problems(credential) == []
    assert credential["@context"] == list(CONTEXTS)
    assert dropped_terms(credential) == []
    expanded = expand(credential)
    assert expanded and "https://www.w3.org/2018/credentials#credentialSubject" in expanded[0]

    header = json.loads(_b64(exported.jwt.split(".")[0]))
    assert header == {
        "alg": "ES256K",
        "typ": "vc+jwt",
        "cty": "vc",
        "kid": f"did:web:{DOMAIN}#key-1",
    }
    payload = json.loads(_b64(exported.jwt.split(".")[1]))
    assert payload == credential  # enveloping: the whole credential is the payload
    assert "vc" not in payload and "proof" not in payload

    check = verify_dcc(
        exported.jwt,
        DID_DOC,
        expected_verifier=VERIFIER_KEY.address,
        status_list_jwt=_status_jwt([1, 7]),
        now=NOW,
    )
    assert check.ok, check.problems
    assert check.revoked is False
    assert check.root == "0x" + "7e" * 32 and check.chain_id == CHAIN_ID
    assert check.disclosed["shipment"] == report["shipment"]
    assert set(check.fields) == {
        "batteryIdentifiers",
        "shipment",
        "recycledContent",
        "batteryCarbonFootprint",
    }
    assert check.conformant is True


def test_official_instance_still_passes_our_schema_check() -> None:
    instance = json.loads((REFERENCE / "untp-dcc-0.6.1-instance.json").read_text("utf-8"))
    assert schema_problems(instance) == []
    assert dropped_terms(instance) == []


def test_undefined_term_is_reported_as_dropped() -> None:
    credential = export_dcc(export_input(sample(SAMPLE_NAMES[0])), VERIFIER_KEY, STATUS).credential
    credential["credentialSubject"]["chainId"] = CHAIN_ID
    assert dropped_terms(credential) == ["chainId"]


def test_changed_value_is_detected() -> None:
    exported = export_dcc(export_input(sample(SAMPLE_NAMES[0])), VERIFIER_KEY, STATUS)
    header, payload, signature = exported.jwt.split(".")
    credential = json.loads(_b64(payload))
    assessment = credential["credentialSubject"]["assessment"][0]
    assessment["description"] = assessment["description"].replace("0", "9", 1)
    forged = base64.urlsafe_b64encode(json.dumps(credential).encode()).rstrip(b"=").decode()
    check = verify_dcc(f"{header}.{forged}.{signature}", DID_DOC, now=NOW)
    assert not check.ok
    assert [p.code for p in check.problems] == ["signature"]


def test_wrong_signer_is_detected() -> None:
    # Signed by another key under the verifier's kid: the signature fails.
    data = export_input(sample(SAMPLE_NAMES[0]), key=OTHER_KEY)
    exported = export_dcc(data, OTHER_KEY, STATUS)
    assert [p.code for p in verify_dcc(exported.jwt, DID_DOC, now=NOW).problems] == ["signature"]
    # Its own DID document verifies the signature, but not the accredited account.
    own_doc = did_document(DOMAIN, OTHER_KEY, CHAIN_ID)
    check = verify_dcc(exported.jwt, own_doc, expected_verifier=VERIFIER_KEY.address, now=NOW)
    assert [p.code for p in check.problems] == ["account"]
    # A DID document whose account is not the key's address is refused.
    lying = json.loads(json.dumps(own_doc))
    lying["verificationMethod"][0]["blockchainAccountId"] = (
        f"eip155:{CHAIN_ID}:{VERIFIER_KEY.address}"
    )
    check = verify_dcc(exported.jwt, lying, now=NOW)
    assert "account" in [p.code for p in check.problems]
    with pytest.raises(ModelError):
        export_dcc(export_input(sample(SAMPLE_NAMES[0])), OTHER_KEY, STATUS)


def test_revoked_status_is_detected() -> None:
    data = export_input(sample(SAMPLE_NAMES[0]), revoked=True)
    exported = export_dcc(data, VERIFIER_KEY, STATUS)
    check = verify_dcc(exported.jwt, DID_DOC, status_list_jwt=_status_jwt([42]), now=NOW)
    assert check.revoked is True
    assert [p.code for p in check.problems] == ["revoked"]
    # A status list signed by someone else is not trusted.
    listing = status_list_credential(LIST_URL, did_for_domain(DOMAIN), [], NOW)
    forged = sign_credential(listing, OTHER_KEY, f"{did_for_domain(DOMAIN)}#key-1")
    check = verify_dcc(exported.jwt, DID_DOC, status_list_jwt=forged, now=NOW)
    assert [p.code for p in check.problems] == ["status"]


def test_failed_verdict_and_expiry() -> None:
    data = export_input(sample(SAMPLE_NAMES[1]), verdict=Verdict.FAIL)
    exported = export_dcc(data, VERIFIER_KEY, STATUS)
    conformance = {a["conformance"] for a in exported.credential["credentialSubject"]["assessment"]}
    assert conformance == {False}
    late = verify_dcc(exported.jwt, DID_DOC, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert [p.code for p in late.problems] == ["validity"]


def test_header_and_schema_problems_are_reported() -> None:
    credential = export_dcc(export_input(sample(SAMPLE_NAMES[0])), VERIFIER_KEY, STATUS).credential
    credential["@context"] = [*CONTEXTS, "https://example.org/extra"]
    del credential["issuer"]["name"]
    token = sign_credential(credential, VERIFIER_KEY, f"{did_for_domain(DOMAIN)}#key-1")
    codes = [p.code for p in verify_dcc(token, DID_DOC, now=NOW).problems]
    assert codes.count("schema") >= 2
    plain = jws.serialize_compact(
        {"alg": "ES256K", "typ": "JWT", "kid": f"did:web:{DOMAIN}#key-1"},
        json.dumps(credential).encode(),
        VERIFIER_KEY.jose_key(),
        algorithms=["ES256K"],
    )
    assert "header" in [p.code for p in verify_dcc(plain, DID_DOC, now=NOW).problems]


def test_did_document_links_key_and_account() -> None:
    method = DID_DOC["verificationMethod"][0]
    assert DID_DOC["id"] == "did:web:verifier.example"
    assert method["blockchainAccountId"] == f"eip155:{CHAIN_ID}:{VERIFIER_KEY.address}"
    assert jwk_address(method["publicKeyJwk"]) == VERIFIER_KEY.address
    assert "d" not in method["publicKeyJwk"]
    assert (
        did_document_url("did:web:verifier.example")
        == "https://verifier.example/.well-known/did.json"
    )
    assert (
        did_document_url(did_for_domain("localhost:8443"))
        == "https://localhost:8443/.well-known/did.json"
    )
    assert did_document_url("did:web:example.com:u:alice") == "https://example.com/u/alice/did.json"


def test_status_list_bits() -> None:
    bits = decode_bits(encode_bits([0, 9, MIN_BITS - 1]))
    assert len(bits) * 8 == MIN_BITS
    assert bits[0] == 0x80 and bits[1] == 0x40
    assert [bit_is_set(bits, i) for i in (0, 1, 9, MIN_BITS - 1)] == [True, False, True, True]
    listing = status_list_credential(LIST_URL, did_for_domain(DOMAIN), [3], NOW)
    assert dropped_terms(listing) == []
    assert STATUS.to_json()["statusListIndex"] == "42"
    schema = reference_json(UNTP_DCC_SCHEMA)
    assert schema["properties"]["@context"]["prefixItems"][1]["const"] == CONTEXTS[1]
