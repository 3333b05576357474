"""Approval requests and approvals files: a signer signs a batch once, the ERP checks it all."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import SignableMessage
from eth_utils import keccak

from bci_registry.eip712 import Domain
from bci_registry.exporter.approvals import ApprovalFile
from bci_registry.exporter.requests import (
    ApprovalRequest,
    Approvals,
    ApprovalTerms,
    RequestedReport,
    SignerApprovals,
    sign_request,
)
from bci_registry.registry import InputError, organisation_id
from bci_registry.signatures import sign

KEYS = [keccak(text=f"request-test-{i}") for i in range(3)]
SIGNERS = [Account.from_key(k).address for k in KEYS]
DOMAIN = Domain(chain_id=84532, verifying_contract="0x5FbDB2315678afecb367f032d93F642f64180aa3")
TERMS = ApprovalTerms(DOMAIN, organisation_id("KR-EORI-KR1234567890123"), 1, 2_000_000_000)
ROOTS = [keccak(text=f"root-{i}") for i in range(4)]
REQUEST = ApprovalRequest(
    TERMS, tuple(RequestedReport(r, f"r{i}.json") for i, r in enumerate(ROOTS))
)


def signer(key: bytes) -> Callable[[SignableMessage], bytes]:
    def sign_with(message: SignableMessage) -> bytes:
        return bytes(Account.sign_message(message, key).signature)

    return sign_with


def approvals_file(tmp_path: Path, i: int, request: ApprovalRequest = REQUEST) -> Path:
    path = tmp_path / f"approvals-{i}.json"
    sign_request(request, Account.from_key(KEYS[i]).address, signer(KEYS[i])).write(path)
    return path


def test_request_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "request.json"
    REQUEST.write(path)
    assert ApprovalRequest.read(path) == REQUEST
    assert json.loads(path.read_text())["kind"] == "bci-approval-request/1"


def test_each_root_gets_a_blob_of_every_signer(tmp_path: Path) -> None:
    approvals = Approvals.read([approvals_file(tmp_path, 0), approvals_file(tmp_path, 2)])
    approvals.check_terms(TERMS)
    blobs = approvals.blobs([(f"r{i}", r) for i, r in enumerate(ROOTS)], 2, ROOTS, SIGNERS)
    assert set(blobs) == set(ROOTS)
    assert all(len(blob) == 130 for blob in blobs.values())  # two slot-tagged compact signatures
    assert all((blob[0], blob[65]) == (1, 3) for blob in blobs.values())


def test_a_signer_outside_the_organisation_is_refused(tmp_path: Path) -> None:
    approvals = Approvals.read([approvals_file(tmp_path, 0), approvals_file(tmp_path, 2)])
    with pytest.raises(InputError, match="not one of the organisation's signers"):
        approvals.blobs([("r0", ROOTS[0])], 2, ROOTS, SIGNERS[:2])


def test_a_compact_signature_in_an_approvals_file_is_named(tmp_path: Path) -> None:
    path = approvals_file(tmp_path, 0)
    data = json.loads(path.read_text())
    data["approvals"][0]["signature"] = "0x" + "22" * 64
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="64-byte signature where the 65-byte"):
        SignerApprovals.read(path)


def test_single_report_approval_file_mixes_with_approvals_files(tmp_path: Path) -> None:
    path = tmp_path / "single.json"
    message = TERMS.message(ROOTS[1], SIGNERS[1])
    ApprovalFile(DOMAIN, TERMS.organisation, ROOTS[1], TERMS.supersedes, 1, TERMS.deadline,
                 sign(KEYS[1], DOMAIN, "Approval", message)).write(path)  # fmt: skip
    approvals = Approvals.read([approvals_file(tmp_path, 0), path])
    assert set(approvals.blobs([("r1", ROOTS[1])], 2, ROOTS, SIGNERS)) == {ROOTS[1]}
    with pytest.raises(InputError, match=r"r2 \(0x[0-9a-f]{64}\): 1 of 2"):
        approvals.blobs([("r2", ROOTS[2])], 2, ROOTS, SIGNERS)


def test_files_under_other_terms_are_refused(tmp_path: Path) -> None:
    later = ApprovalRequest(
        ApprovalTerms(DOMAIN, TERMS.organisation, 1, TERMS.deadline + 1), REQUEST.reports
    )
    with pytest.raises(InputError, match="different terms: deadline"):
        Approvals.read([approvals_file(tmp_path, 0), approvals_file(tmp_path, 1, later)])
    stale = Approvals.read([approvals_file(tmp_path, 0)])
    with pytest.raises(InputError, match="signer set version"):
        stale.check_terms(ApprovalTerms(DOMAIN, TERMS.organisation, 2, TERMS.deadline))
    with pytest.raises(InputError, match="approves none of the reports"):
        stale.blobs([("x", keccak(text="x"))], 1, [keccak(text="x")], SIGNERS)


def test_duplicate_signer_and_tampered_signature_are_refused(tmp_path: Path) -> None:
    first = approvals_file(tmp_path, 0)
    copy = tmp_path / "copy.json"
    copy.write_text(first.read_text())
    with pytest.raises(InputError, match="are both from"):
        Approvals.read([first, copy])
    data = json.loads(first.read_text())
    data["approvals"][0]["report"] = data["approvals"][1]["report"]
    data["approvals"] = data["approvals"][:1]
    first.write_text(json.dumps(data))
    with pytest.raises(InputError, match="was not made by"):
        Approvals.read([first])
    with pytest.raises(InputError, match="no approval files"):
        Approvals.read([])


def test_malformed_request_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "request.json"
    path.write_text(json.dumps({**REQUEST.to_json(), "reports": []}))
    with pytest.raises(InputError, match="non-empty list"):
        ApprovalRequest.read(path)
    path.write_text(json.dumps({"kind": "bci-approvals/1"}))
    with pytest.raises(InputError, match="not an approval request"):
        ApprovalRequest.read(path)
    assert SignerApprovals.read(approvals_file(tmp_path, 1)).terms == TERMS
