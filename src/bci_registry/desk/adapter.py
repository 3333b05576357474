"""The desk's one dependency on the customs package and the shipped ABIs.

Everything the desk needs from code other engineers own goes through here, so
that a change there touches one small module:

- the registries' events, decoded from the shipped ABI files
  (``bci_registry/abi/*.json``, the same files ``bci-verify`` uses);
- the customs records (``CustomsView``, ``ReportRecord``, ``AttestationRecord``):
  the index builds the very same records from events, so "the index's view equals
  the contract's ``customs_view``" is a plain equality;
- the verdict of uploaded bytes, exactly as ``bci-verify --json`` gives it for the
  same file and policy: the same evidence reading, the same ``judge``, the same
  ``Outcome.to_json``. Uploaded bytes never touch the file system: the evidence is
  read from memory (``evidence_from_text``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode
from eth_utils import keccak, to_checksum_address

from bci_registry.customs import evidence as _evidence
from bci_registry.customs.abi import canonical_type, contract_abi
from bci_registry.customs.chain import ChainReader, HttpNode, http_node
from bci_registry.customs.checks import delivery_for, judge
from bci_registry.customs.errors import ChainUnavailable, CustomsInputError
from bci_registry.customs.policy import Policy, load_policy
from bci_registry.customs.verify import Outcome, report_key
from bci_registry.customs.view import AttestationRecord, CustomsView, ReportRecord
from bci_registry.deployment import Deployment, DeploymentError, load_path
from bci_registry.exporter.batch_tree import PROOF_SCHEMA, BatchError, BatchProof
from bci_registry.registry import InputError, organisation_label, parse_time, text_id
from bci_registry.report import REPORT_FIELDS, fields_from_mask

__all__ = [
    "REPORT_FIELDS",
    "AttestationRecord",
    "BatchProof",
    "ChainReader",
    "ChainUnavailable",
    "CustomsInputError",
    "CustomsView",
    "Deployment",
    "DeploymentError",
    "EventAbi",
    "HttpNode",
    "InputError",
    "Outcome",
    "Policy",
    "ReportRecord",
    "decode_log",
    "event_abis",
    "evidence_from_text",
    "fields_from_mask",
    "http_node",
    "load_path",
    "load_policy",
    "organisation_label",
    "parse_time",
    "text_id",
    "verify_evidence",
    "verify_texts",
]

#: The two registries, as the index labels them.
REPORTS = "ReportRegistry"
ATTESTATIONS = "AttestationRegistry"
#: JSON nesting deeper than this is refused before parsing (a report needs ~6 levels).
MAX_JSON_DEPTH = 64


# ------------------------------------------------------------------ events


@dataclass(frozen=True)
class EventAbi:
    contract: str
    name: str
    inputs: tuple[Mapping[str, Any], ...]

    @functools.cached_property
    def topic(self) -> bytes:
        types = ",".join(canonical_type(p) for p in self.inputs)
        return keccak(text=f"{self.name}({types})")


@functools.cache
def event_abis() -> dict[tuple[str, bytes], EventAbi]:
    """(contract, topic0) -> the event, for both registries' shipped ABIs."""
    out: dict[tuple[str, bytes], EventAbi] = {}
    for contract in (REPORTS, ATTESTATIONS):
        for entry in contract_abi(contract):
            if entry.get("type") == "event":
                event = EventAbi(contract, str(entry["name"]), tuple(entry.get("inputs", ())))
                out[(contract, event.topic)] = event
    return out


def _jsonable(value: Any, kind: str) -> Any:
    if kind.endswith("]"):
        inner = kind[: kind.rindex("[")]
        return [_jsonable(v, inner) for v in value]
    if kind == "address":
        return _checksum(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    return value


_STATIC = re.compile(r"(u?int\d*|bool|address|bytes([1-9]|[12]\d|3[0-2]))\Z")


@functools.lru_cache(maxsize=4096)
def _checksum(address: str) -> str:
    return str(to_checksum_address(address))


def _word(kind: str, word: bytes) -> Any:
    """One static ABI value from its 32-byte word (eth_abi's answer, without its cost)."""
    if kind.startswith("uint"):
        return int.from_bytes(word, "big")
    if kind.startswith("int"):
        return int.from_bytes(word, "big", signed=True)
    if kind == "bool":
        return word[-1] == 1
    if kind == "address":
        return _checksum("0x" + word[12:].hex())
    return "0x" + word[: int(kind[5:])].hex()  # bytesN


def decode_log(contract: str, topics: Sequence[bytes], data: bytes) -> tuple[str, dict[str, Any]]:
    """(event name, args) of a log of ``contract``; an unknown event keeps its raw form."""
    if not topics:
        return "Anonymous", {"data": "0x" + data.hex()}
    event = event_abis().get((contract, bytes(topics[0])))
    if event is None:
        return "Unknown", {
            "topics": ["0x" + bytes(t).hex() for t in topics],
            "data": "0x" + data.hex(),
        }
    indexed = [p for p in event.inputs if p.get("indexed")]
    plain = [p for p in event.inputs if not p.get("indexed")]
    args: dict[str, Any] = {}
    for param, topic in zip(indexed, topics[1:], strict=False):
        kind = canonical_type(param)
        if _STATIC.match(kind):
            args[param["name"]] = _word(kind, bytes(topic))
        else:
            args[param["name"]] = "0x" + bytes(topic).hex()  # hashed in the topic
    kinds = [canonical_type(p) for p in plain]
    if all(_STATIC.match(k) for k in kinds) and len(data) == 32 * len(kinds):
        for i, (param, kind) in enumerate(zip(plain, kinds, strict=True)):
            args[param["name"]] = _word(kind, data[32 * i : 32 * i + 32])
    else:
        values = decode(kinds, data) if plain else ()
        for param, value, kind in zip(plain, values, kinds, strict=True):
            args[param["name"]] = _jsonable(value, kind)
    ordered = {p["name"]: args[p["name"]] for p in event.inputs if p["name"] in args}
    return event.name, ordered


# --------------------------------------------------------------- verdicts


def _depth_ok(text: str) -> bool:
    """Nesting of arrays/objects at most MAX_JSON_DEPTH (strings skipped), in linear time."""
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    depth = 0
    for match in re.finditer(r"[\[\]{}]", stripped):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return False
        else:
            depth -= 1
    return True


def parse_upload(data: bytes, name: str) -> tuple[str, Any]:
    """UTF-8 text and its JSON of an upload; CustomsInputError names what is wrong."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CustomsInputError(
            f"{name} is not UTF-8 text (byte {exc.start} cannot be decoded)"
        ) from None
    if not _depth_ok(text):
        raise CustomsInputError(f"{name}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise CustomsInputError(f"{name} is not JSON: {exc}") from None
    return text, obj


def evidence_from_text(text: str, name: str, obj: Any = None) -> _evidence.Evidence:
    """What an uploaded file claims and proves: ``load_evidence`` without the file system.

    The upload is parsed as the desk parses uploads (``parse_upload``) unless ``obj``
    is given; the reading itself is customs' ``evidence_from_text``.
    """
    if obj is None:
        _, obj = parse_upload(text.encode(), name)
    return _evidence.evidence_from_text(text, name, obj)


def disclosed_values(obj: Any) -> dict[str, Any]:
    """Field name -> its parsed value, for the report fields a file carries (for display)."""
    if not isinstance(obj, dict):
        return {}
    raw = obj.get("fields") if "fields" in obj else obj.get("leaves")
    out: dict[str, Any] = {}
    for name, value in _evidence._raw_leaves(raw).items():
        try:
            out[name] = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            out[name] = value
    return {name: out[name] for name in REPORT_FIELDS if name in out}


def proof_from_upload(obj: Any, name: str) -> BatchProof | None:
    """A batch member's proof file (``bci-batch-proof/1``) among the uploads; None: not one."""
    if not isinstance(obj, dict) or obj.get("schema") != PROOF_SCHEMA:
        return None
    try:
        return BatchProof.from_dict(obj)
    except BatchError as exc:
        raise CustomsInputError(f"{name}: not a batch proof ({PROOF_SCHEMA}): {exc}") from None


def match_proofs(
    evidence: Sequence[_evidence.Evidence], proofs: Sequence[tuple[str, BatchProof]]
) -> dict[tuple[bytes, bytes], tuple[BatchProof, str]]:
    """(organisation, root) -> (proof, its file name): each uploaded proof matched to the
    uploaded report it proves by organisation and root, as ``bci-verify --batch-proof``
    does; a proof that matches none of them is bad input."""
    wanted = {(e.organisation, e.root) for e in evidence if e.organisation is not None}
    found: dict[tuple[bytes, bytes], tuple[BatchProof, str]] = {}
    for name, proof in proofs:
        key = (proof.organisation, proof.report)
        if key not in wanted:
            raise CustomsInputError(
                f"{name}: a batch proof of report 0x{proof.report.hex()} of organisation "
                f"{organisation_label(proof.organisation)}, which none of the uploaded report "
                "files is (upload a member's proof file together with its report)"
            )
        found[key] = (proof, name)
    return found


def verify_evidence(
    evidence: Sequence[_evidence.Evidence],
    reader: ChainReader,
    policy: Policy,
    delivery: int | None,
    proofs: Sequence[tuple[str, BatchProof]] = (),
) -> Outcome:
    """The customs verdict of read evidence: ``customs.verify.verify`` after its file reading.

    ``proofs``: (file name, proof) of uploaded batch proof files; a batch member is read
    through its proof (``member_customs_view``) and its verdict names the batch."""
    found = match_proofs(evidence, proofs)
    evidence = [
        dataclasses.replace(e, batch_proof_file=found[report_key(e)][1])
        if report_key(e) in found
        else e
        for e in evidence
    ]
    deliveries = [delivery_for(e, delivery) for e in evidence]
    chain_id = reader.check_chain()
    views = reader.views(
        [report_key(e) for e in evidence], {key: proof for key, (proof, _) in found.items()}
    )
    verdicts = tuple(
        judge(e, views[report_key(e)], policy, d) for e, d in zip(evidence, deliveries, strict=True)
    )
    return Outcome(
        verdicts=verdicts, policy=policy, deployment=reader.deployment, chain_id=chain_id
    )


def verify_texts(
    texts: Sequence[tuple[str, str]], reader: ChainReader, policy: Policy, delivery: int | None
) -> Outcome:
    """The customs verdict of (name, text) uploads: ``customs.verify.verify`` from memory."""
    return verify_evidence(
        [evidence_from_text(text, name) for name, text in texts], reader, policy, delivery
    )


def read_uploads(
    uploads: Sequence[tuple[str, bytes]],
) -> list[tuple[str, _evidence.Evidence | None, Any, str | None]]:
    """(name, evidence or None, parsed JSON, error) of each upload: the part of a
    verification that needs no chain, run in worker processes for large batches.
    A batch proof file gives (name, None, its ``BatchProof``, None)."""
    out: list[tuple[str, _evidence.Evidence | None, Any, str | None]] = []
    for name, data in uploads:
        try:
            text, obj = parse_upload(data, name)
            proof = proof_from_upload(obj, name)
            if proof is not None:
                out.append((name, None, proof, None))
                continue
            out.append((name, evidence_from_text(text, name, obj), obj, None))
        except CustomsInputError as exc:
            out.append((name, None, None, str(exc)))
    return out


def warm() -> bool:
    """Imports done in a fresh worker process (the pool is started ahead of need)."""
    return True
