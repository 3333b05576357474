"""GS1 EPCIS 2.0 export: the anchoring and each attestation as ObjectEvents.

Events are keyed by the shipment's SSCC (``urn:epc:id:sscc:``) and the battery's
SGTIN (``urn:epc:id:sgtin:``); both EPC URIs need the GS1 company prefix length,
which the identifiers themselves do not carry (``ProductIds.gs1_company_prefix_length``).

- anchoring: ``action`` OBSERVE, ``bizStep`` our own URI (CBV has no step for
  registering a traceability report), a ``bizTransactionList`` entry for the anchoring
  transaction;
- attestation: ``action`` OBSERVE, ``bizStep`` ``inspecting``, ``disposition``
  ``conformant`` / ``non_conformant``, ``certificationInfo`` the DCC's id and the
  evidence link, a ``bizTransactionList`` entry (type ``cert``) for the attestation.

Root, chain id, registry, organisation and transaction travel as extension fields
under our namespace (prefix ``bci``). Each event's ``eventID`` is its GS1 event hash
(``ni:///sha-256;…?ver=CBV2.0``) computed by the ``epcis-event-hash-generator``
package with the JSON-LD contexts served offline.

``document_problems`` validates a document against the official EPCIS 2.0 JSON Schema
and then makes the checks the schema leaves out: the schema accepts any string for a
CBV value that is not a bare CBV word, so ``inspectin`` or
``https://ref.gs1.org/cbv/BizStep-inspectng`` would pass it.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote

from jsonschema import Draft7Validator

from bci_registry.interop.dcc import credential_id
from bci_registry.interop.model import ExportInput, ModelError, rfc3339
from bci_registry.interop.reference import (
    EPCIS_CONTEXT,
    EPCIS_SCHEMA,
    offline_default_loader,
    reference_json,
)

NAMESPACE: Final = "https://bci-registry.invalid/ns/epcis#"
PREFIX: Final = "bci"
CONTEXT: Final = [EPCIS_CONTEXT, {PREFIX: NAMESPACE}]
ANCHORING_BIZSTEP: Final = "https://bci-registry.invalid/ns/bizstep/report_anchoring"
ANCHORING_BTT: Final = "https://bci-registry.invalid/ns/btt/anchoring_transaction"
SCHEMA_VERSION: Final = "2.0"


def _cbv_words(definition: str) -> frozenset[str]:
    defs = reference_json(EPCIS_SCHEMA)["definitions"]
    for option in defs[definition]["anyOf"]:
        if "enum" in option:
            return frozenset(option["enum"])
    raise LookupError(definition)


_CBV_WEB_PREFIX: Final = {
    "bizStep": "https://ref.gs1.org/cbv/BizStep-",
    "disposition": "https://ref.gs1.org/cbv/Disp-",
    "bizTransaction-type": "https://ref.gs1.org/cbv/BTT-",
    "source-dest-type": "https://ref.gs1.org/cbv/SDT-",
}
_CBV_URN_PREFIX: Final = {
    "bizStep": "urn:epcglobal:cbv:bizstep:",
    "disposition": "urn:epcglobal:cbv:disp:",
    "bizTransaction-type": "urn:epcglobal:cbv:btt:",
    "source-dest-type": "urn:epcglobal:cbv:sdt:",
}
_GS1_NAMESPACES = re.compile(
    r"(urn:epcglobal:cbv|https?://(ref\.gs1\.org/cbv|ns\.gs1\.org/cbv|(www\.)?gs1\.org/voc))",
    re.IGNORECASE,
)
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+\Z")
_HASH_ID = re.compile(r"ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0\Z")
_SSCC_URI = re.compile(r"urn:epc:id:sscc:([0-9]{6,12})\.([0-9]+)\Z")
_SGTIN_URI = re.compile(r"urn:epc:id:sgtin:([0-9]{6,12})\.([0-9]+)\.(.+)\Z")
# TDS 2.x: characters of the GS1 set that must be percent-escaped in EPC URIs.
_EPC_ESCAPE_SAFE = "!'()*+,-.:;=_"

log = logging.getLogger(__name__)


def sscc_uri(sscc: str, prefix_length: int) -> str:
    """``urn:epc:id:sscc:<company prefix>.<extension digit><serial reference>``."""
    if len(sscc) != 18 or not sscc.isdigit() or not 6 <= prefix_length <= 12:
        raise ModelError(f"cannot form an SSCC EPC URI from {sscc!r} / prefix {prefix_length}")
    return f"urn:epc:id:sscc:{sscc[1 : 1 + prefix_length]}.{sscc[0]}{sscc[1 + prefix_length : 17]}"


def sgtin_uri(gtin: str, serial: str, prefix_length: int) -> str:
    """``urn:epc:id:sgtin:<company prefix>.<indicator><item reference>.<serial>``."""
    gtin14 = gtin.rjust(14, "0")
    if len(gtin14) != 14 or not gtin14.isdigit() or not 6 <= prefix_length <= 12:
        raise ModelError(f"cannot form an SGTIN EPC URI from {gtin!r} / prefix {prefix_length}")
    company = gtin14[1 : 1 + prefix_length]
    item = gtin14[0] + gtin14[1 + prefix_length : 13]
    return f"urn:epc:id:sgtin:{company}.{item}.{quote(serial, safe=_EPC_ESCAPE_SAFE)}"


def _epc_list(data: ExportInput) -> list[str]:
    prefix = data.product.gs1_company_prefix_length
    if prefix is None:
        raise ModelError("the EPCIS export needs the GS1 company prefix length of the identifiers")
    epcs = [sscc_uri(data.product.sscc, prefix)]
    if data.product.gtin and data.product.serial_number:
        epcs.append(sgtin_uri(data.product.gtin, data.product.serial_number, prefix))
    return epcs


def _extensions(data: ExportInput) -> dict[str, Any]:
    anchor = data.anchor
    return {
        f"{PREFIX}:reportRoot": anchor.root,
        f"{PREFIX}:chainId": str(anchor.chain_id),
        f"{PREFIX}:registry": anchor.registry,
        f"{PREFIX}:organisation": anchor.organisation,
        f"{PREFIX}:anchorTransaction": anchor.transaction,
    }


def anchoring_event(data: ExportInput, anchored_at: datetime) -> dict[str, Any]:
    """The ObjectEvent of the report's anchoring (without its eventID)."""
    return {
        "type": "ObjectEvent",
        "eventTime": rfc3339(anchored_at),
        "eventTimeZoneOffset": "+00:00",
        "epcList": _epc_list(data),
        "action": "OBSERVE",
        "bizStep": ANCHORING_BIZSTEP,
        "bizTransactionList": [
            {"type": ANCHORING_BTT, "bizTransaction": data.anchor.transaction_uri}
        ],
        **_extensions(data),
    }


def attestation_event(data: ExportInput) -> dict[str, Any]:
    """The ObjectEvent of one attestation (without its eventID)."""
    att = data.attestation
    attestation_uri = credential_id(data).removesuffix("/dcc")
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": rfc3339(att.verified_at),
        "eventTimeZoneOffset": "+00:00",
        "certificationInfo": [credential_id(data), f"{attestation_uri}/evidence/{att.evidence}"],
        "epcList": _epc_list(data),
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "disposition": "conformant" if att.verdict.conformant else "non_conformant",
        "bizTransactionList": [{"type": "cert", "bizTransaction": attestation_uri}],
        **_extensions(data),
        f"{PREFIX}:verifier": att.verifier,
        f"{PREFIX}:verdict": att.verdict.name,
        f"{PREFIX}:fieldsMask": str(att.fields_mask),
        f"{PREFIX}:fields": " ".join(att.fields),
        f"{PREFIX}:evidenceHash": att.evidence,
        f"{PREFIX}:expiresAt": rfc3339(att.expires_at),
        f"{PREFIX}:revoked": "true" if att.revoked else "false",
    }
    if att.transaction is not None:
        event[f"{PREFIX}:attestationTransaction"] = att.transaction
    return event


def event_hashes(events: Iterable[dict[str, Any]]) -> list[str]:
    """The GS1 EPCIS event hash of each event (``ni:///sha-256;…?ver=CBV2.0``).

    ``eventID`` and ``recordTime`` do not enter the hash (the algorithm leaves them out).
    """
    from epcis_event_hash_generator import hash_generator, json_to_py

    events = [copy.deepcopy(e) for e in events]
    document = _document(events, datetime(2000, 1, 1).astimezone())
    with offline_default_loader():
        parsed = json_to_py.event_list_from_epcis_document_json(document)
        hashes = hash_generator.epcis_hashes_from_events(parsed)
    if len(hashes) != len(events):
        raise ModelError("the GS1 event hash could not be computed for every event")
    return [str(h) for h in hashes]


def with_event_ids(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of ``events`` with ``eventID`` set to each one's GS1 event hash."""
    bare = [{k: v for k, v in e.items() if k != "eventID"} for e in events]
    return [
        {"eventID": digest, **event} for digest, event in zip(event_hashes(bare), bare, strict=True)
    ]


def _document(events: list[dict[str, Any]], created: datetime) -> dict[str, Any]:
    return {
        "@context": copy.deepcopy(CONTEXT),
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": rfc3339(created),
        "epcisBody": {"eventList": events},
    }


def epcis_document(
    anchoring: ExportInput,
    anchored_at: datetime,
    attestations: Iterable[ExportInput] = (),
    *,
    created: datetime,
) -> dict[str, Any]:
    """An EPCIS document: the anchoring event and one event per attestation, hashed."""
    events = [anchoring_event(anchoring, anchored_at)]
    events += [attestation_event(item) for item in attestations]
    return _document(with_event_ids(events), created)


def _json_path(parts: Iterable[Any]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _cbv_problem(kind: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return None  # the schema reports the type
    words = _cbv_words(kind)
    if value in words:
        return None
    for prefix in (_CBV_WEB_PREFIX[kind], _CBV_URN_PREFIX[kind]):
        if value.startswith(prefix):
            word = value[len(prefix) :]
            return None if word in words else f"{word!r} is not a CBV 2.0 {kind} value"
    if _GS1_NAMESPACES.match(value):
        return f"{value!r} is in a GS1 namespace but is not a CBV 2.0 {kind} URI"
    if not _ABSOLUTE_URI.match(value):
        return f"{value!r} is neither a CBV 2.0 {kind} value nor an absolute URI"
    return None


def _uri_problem(value: Any) -> str | None:
    if isinstance(value, str) and not _ABSOLUTE_URI.match(value):
        return f"{value!r} is not an absolute URI"
    return None


def _epc_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    if value.startswith("urn:epc:id:sscc:"):
        match = _SSCC_URI.match(value)
        if not match or len(match[1]) + len(match[2]) != 17:
            return (
                f"{value!r} is not an SSCC EPC URI (company prefix + serial reference = 17 digits)"
            )
        return None
    if value.startswith("urn:epc:id:sgtin:"):
        match = _SGTIN_URI.match(value)
        if not match or len(match[1]) + len(match[2]) != 13:
            return (
                f"{value!r} is not an SGTIN EPC URI (company prefix + item reference = 13 digits)"
            )
        return None
    return _uri_problem(value)


def _event_problems(event: dict[str, Any], base: list[Any]) -> list[str]:
    out: list[str] = []

    def add(parts: list[Any], message: str | None) -> None:
        if message:
            out.append(f"{_json_path(base + parts)}: {message}")

    for kind, key in (("bizStep", "bizStep"), ("disposition", "disposition")):
        if key in event:
            add([key], _cbv_problem(kind, event[key]))
    for i, item in enumerate(event.get("bizTransactionList", []) or []):
        if isinstance(item, dict):
            if "type" in item:
                add(
                    ["bizTransactionList", i, "type"],
                    _cbv_problem("bizTransaction-type", item["type"]),
                )
            add(
                ["bizTransactionList", i, "bizTransaction"],
                _uri_problem(item.get("bizTransaction")),
            )
    for list_key in ("sourceList", "destinationList"):
        for i, item in enumerate(event.get(list_key, []) or []):
            if isinstance(item, dict) and "type" in item:
                add([list_key, i, "type"], _cbv_problem("source-dest-type", item["type"]))
    for i, epc in enumerate(event.get("epcList", []) or []):
        add(["epcList", i], _epc_problem(epc))
    info = event.get("certificationInfo")
    for i, uri in enumerate(info if isinstance(info, list) else [info] if info else []):
        add(["certificationInfo", i], _uri_problem(uri))
    for key in ("readPoint", "bizLocation"):
        if isinstance(event.get(key), dict):
            add([key, "id"], _uri_problem(event[key].get("id")))
    if "eventID" in event:
        add(["eventID"], _uri_problem(event["eventID"]))
    return out


def document_problems(document: Any, *, check_hashes: bool = False) -> list[str]:
    """Every problem of an EPCIS 2.0 JSON document (empty: valid).

    The official schema (draft-07), then the CBV value lists, URIs and EPC URIs the
    schema leaves unchecked, then (``check_hashes``) that each hash-based eventID is
    the event's GS1 event hash.
    """
    validator = Draft7Validator(reference_json(EPCIS_SCHEMA))
    out = [
        f"{_json_path(error.absolute_path)}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]
    events = (
        document.get("epcisBody", {}).get("eventList", []) if isinstance(document, dict) else []
    )
    if not isinstance(events, list):
        return out
    for i, event in enumerate(events):
        if isinstance(event, dict):
            out += _event_problems(event, ["epcisBody", "eventList", i])
    if check_hashes and not out:
        hashed = [e for e in events if _HASH_ID.match(str(e.get("eventID", "")))]
        if hashed:
            expected = event_hashes(
                [{k: v for k, v in e.items() if k != "eventID"} for e in hashed]
            )
            for event, digest in zip(hashed, expected, strict=True):
                if event["eventID"] != digest:
                    where = _json_path(["epcisBody", "eventList", events.index(event), "eventID"])
                    out.append(f"{where}: is not the event's GS1 event hash {digest}")
    return out
