"""What the DCC and EPCIS exports read: the report file, the manifest and the chain.

- the report file: a sealed report (every field, its salts) or a disclosure (some
  fields, their salts and a multiproof); its organisation and root name the report;
- the chain (plain JSON-RPC, no Ape): ``customs_view(organisation, root)`` for the
  report's status and every attestation, ``eth_getLogs`` for the anchoring
  transaction (``ReportAnchored``) and each attestation's transaction
  (``AttestationMade``, latest one per verifier) and block times.

``export_inputs`` turns those facts into ``ExportInput``s: one per attestation, each
disclosing the chosen fields with the disclosure (salted leaves + multiproof) that
proves them against the anchored root.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from eth_utils import keccak, to_checksum_address

from bci_registry import jsonrpc
from bci_registry.customs.chain import ChainReader, http_node
from bci_registry.customs.view import AttestationRecord, CustomsView
from bci_registry.deployment import Deployment
from bci_registry.interop.model import (
    AnchorFacts,
    AttestationFacts,
    ExportInput,
    ModelError,
    ProductIds,
    Verdict,
)
from bci_registry.report import (
    Disclosure,
    DisclosureInvalid,
    SealedReport,
    SealedReportInvalid,
    disclose,
    disclosure_problems,
)
from bci_registry.report.files import read_text
from bci_registry.report.leaves import hex32

REPORT_ANCHORED: Final = "0x" + keccak(text="ReportAnchored(bytes32,bytes32,uint256)").hex()
ATTESTATION_MADE: Final = (
    "0x"
    + keccak(
        text="AttestationMade(bytes32,bytes32,address,uint8,uint16,bytes32,uint64,uint64)"
    ).hex()
)


class ExportError(ValueError):
    """The export cannot be made from these inputs (bad file, report not anchored, ...)."""


@dataclass(frozen=True)
class ReportFile:
    """A sealed report or a disclosure, read and checked to prove its own root."""

    path: Path
    organisation: bytes
    root: bytes
    values: Mapping[str, Any]  # the field values the file carries
    sealed: SealedReport | None = None
    disclosure: Disclosure | None = None

    def disclosure_for(self, names: Sequence[str]) -> Disclosure:
        """A disclosure of ``names`` (a sealed report: made here; a disclosure: itself)."""
        if self.sealed is not None:
            return disclose(self.sealed, names)
        assert self.disclosure is not None
        if set(names) != set(self.disclosure.names):
            raise ExportError(
                f"{self.path} is a disclosure of {', '.join(self.disclosure.names)}: it can "
                "only be passed on whole (a multiproof of other fields needs the sealed report)"
            )
        return self.disclosure


def read_report_file(path: Path) -> ReportFile:
    """Load a sealed report or a disclosure; ExportError if it does not prove its root."""
    import json

    text = read_text(path)
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise ExportError(f"{path} is not JSON: {exc}") from None
    if isinstance(obj, dict) and "fields" in obj:
        try:
            sealed = SealedReport.from_json(text)
        except SealedReportInvalid as exc:
            raise ExportError(f"{path}: {exc.summary()}") from None
        return ReportFile(path, sealed.organisation, sealed.root, sealed.report(), sealed=sealed)
    if isinstance(obj, dict) and "leaves" in obj:
        try:
            disclosure = Disclosure.from_json(text)
            problems = disclosure_problems(disclosure)
            if problems:
                raise ExportError(f"{path}: " + "; ".join(str(p) for p in problems))
            organisation = disclosure.organisation
        except DisclosureInvalid as exc:
            raise ExportError(f"{path}: {exc.summary()}") from None
        return ReportFile(
            path, organisation, disclosure.root, disclosure.values(), disclosure=disclosure
        )
    raise ExportError(f"{path} is neither a sealed report nor a disclosure")


@dataclass(frozen=True)
class ChainFacts:
    """The report's on-chain record and the transactions behind it."""

    deployment: Deployment
    view: CustomsView
    anchor_transaction: str
    attestation_transactions: Mapping[str, str] = field(default_factory=dict)
    #: verifier -> the evidence hash its (latest) AttestationMade event logged
    attestation_evidence: Mapping[str, str] = field(default_factory=dict)

    @property
    def anchored_at(self) -> datetime:
        return datetime.fromtimestamp(self.view.report.anchored_at, UTC)

    @property
    def checked_at(self) -> datetime:
        return datetime.fromtimestamp(self.view.checked_at, UTC)

    def attestation_by(self, verifier: str) -> AttestationRecord:
        """The (latest) attestation of ``verifier``; ExportError if it has none."""
        mine = [a for a in self.view.attestations if a.verifier.lower() == verifier.lower()]
        if not mine:
            raise ExportError(f"{verifier} has no attestation of this report on chain")
        return max(mine, key=lambda a: a.attested_at)


def _topic(data: bytes) -> str:
    return "0x" + data.rjust(32, b"\0").hex()


def _logs(url: str, address: str, topics: list[Any], from_block: int, timeout: float) -> list[Any]:
    answer = jsonrpc.request(
        url,
        "eth_getLogs",
        [{"address": address, "topics": topics, "fromBlock": hex(from_block), "toBlock": "latest"}],
        timeout,
    )
    if not isinstance(answer, list):
        raise ExportError(f"node at {url} gave no log list for eth_getLogs")
    return answer


def read_chain(
    url: str, deployment: Deployment, organisation: bytes, root: bytes, timeout: float = 10.0
) -> ChainFacts:
    """The customs view and the transactions of one report (anchored, or ExportError)."""
    reader = ChainReader(http_node(url, timeout), deployment)
    reader.check_chain()
    view = reader.view(organisation, root)
    if view.report.anchored_at == 0:
        raise ExportError(
            f"report {hex32(root)} of organisation {hex32(organisation)} is not anchored "
            f"(state {view.report.state_name})"
        )
    anchored = _logs(
        url,
        deployment.registry,
        [REPORT_ANCHORED, _topic(organisation), _topic(root)],
        deployment.report_registry.block,
        timeout,
    )
    if not anchored:
        raise ExportError(
            f"no ReportAnchored event for report {hex32(root)}: anchored in a batch? "
            "(the exports name single-report anchors)"
        )
    made = _logs(
        url,
        deployment.attestations,
        [ATTESTATION_MADE, _topic(organisation), _topic(root)],
        deployment.attestation_registry.block,
        timeout,
    )
    transactions: dict[str, str] = {}
    evidence: dict[str, str] = {}
    for log in made:  # in chain order: the latest per verifier wins
        verifier = to_checksum_address("0x" + log["topics"][3][-40:])
        transactions[verifier] = log["transactionHash"]
        data = str(log["data"])[2:]  # verdict, fields, evidence, verified_at, expires_at
        evidence[verifier] = "0x" + data[128:192]
    return ChainFacts(deployment, view, anchored[-1]["transactionHash"], transactions, evidence)


@dataclass(frozen=True)
class Naming:
    """How the exports name the actors: verifier domains and names, the organisation."""

    verifier_domains: Mapping[str, str] = field(default_factory=dict)  # address -> domain
    verifier_names: Mapping[str, str] = field(default_factory=dict)
    gs1_company_prefix_length: int | None = None
    organisation_name: str | None = None

    def domain(self, verifier: str) -> str:
        for address, domain in self.verifier_domains.items():
            if address.lower() == verifier.lower():
                return domain
        # An attestation whose verifier's domain was not given: a name that says so.
        return f"verifier-{verifier[2:].lower()}.invalid"

    def name(self, verifier: str) -> str | None:
        for address, name in self.verifier_names.items():
            if address.lower() == verifier.lower():
                return name
        return None


def attestation_facts(
    record: AttestationRecord, facts: ChainFacts, naming: Naming
) -> AttestationFacts:
    """An on-chain attestation as the exports' ``AttestationFacts``."""
    try:
        verdict = Verdict(record.verdict)
    except ValueError:
        raise ExportError(
            f"attestation by {record.verifier} has verdict {record.verdict}"
        ) from None
    return AttestationFacts(
        verifier=record.verifier,
        verifier_domain=naming.domain(record.verifier),
        verdict=verdict,
        fields_mask=record.fields & 0xFFF,
        verified_at=datetime.fromtimestamp(record.verified_at, UTC),
        expires_at=datetime.fromtimestamp(record.expires_at, UTC),
        evidence=_evidence_of(record, facts),
        revoked=record.revoked_at != 0,
        transaction=facts.attestation_transactions.get(record.verifier),
        verifier_name=naming.name(record.verifier),
    )


def _evidence_of(record: AttestationRecord, facts: ChainFacts) -> str:
    found = facts.attestation_evidence.get(record.verifier)
    if found is None:
        raise ExportError(f"the evidence hash of {record.verifier}'s attestation is unknown")
    return found


def export_input(
    report: ReportFile,
    facts: ChainFacts,
    record: AttestationRecord,
    naming: Naming,
    disclose_fields: Iterable[str] | None = None,
) -> ExportInput:
    """The ``ExportInput`` of one attestation, disclosing ``disclose_fields`` (default: every
    attested field the report file carries) with their disclosure."""
    attestation = attestation_facts(record, facts, naming)
    for needed in ("batteryIdentifiers", "shipment"):
        if needed not in report.values:
            raise ExportError(
                f"{report.path} does not carry {needed}: the exports name the battery and "
                "the shipment (disclose batteryIdentifiers and shipment)"
            )
    if disclose_fields is None:
        names = [n for n in attestation.fields if n in report.values]
    else:
        names = list(dict.fromkeys(disclose_fields))
        for name in names:
            if name not in report.values:
                raise ExportError(f"{report.path} does not carry the field {name}")
    disclosure = report.disclosure_for(names).to_dict() if names else None
    anchor = AnchorFacts(
        chain_id=facts.deployment.chain_id,
        registry=facts.deployment.registry,
        organisation=hex32(report.organisation),
        root=hex32(report.root),
        transaction=facts.anchor_transaction,
    )
    try:
        return ExportInput(
            anchor=anchor,
            attestation=attestation,
            product=ProductIds.from_report(
                report.values, gs1_company_prefix_length=naming.gs1_company_prefix_length
            ),
            disclosed={name: report.values[name] for name in names},
            organisation_name=naming.organisation_name,
            disclosure=disclosure,
        )
    except ModelError as exc:
        raise ExportError(str(exc)) from None
