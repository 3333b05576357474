"""Approval files and identifiers: what signers hand to the ERP."""

import json
from pathlib import Path

import pytest
from eth_account import Account
from eth_utils import keccak

from bci_registry.eip712 import Domain, digest
from bci_registry.exporter.approvals import ApprovalFile, common_terms
from bci_registry.registry import (
    InputError,
    approval_message,
    organisation_id,
    organisation_label,
    parse_time,
    report_root,
)
from bci_registry.signatures import SignedApproval, pack, sign

KEYS = [keccak(text=f"approval-file-test-{i}") for i in range(3)]
DOMAIN = Domain(chain_id=84532, verifying_contract="0x5FbDB2315678afecb367f032d93F642f64180aa3")
ORG = organisation_id("KR-EORI-KR1234567890123")
ROOT = keccak(text="root")


SIGNERS = [Account.from_key(k).address for k in KEYS]


def signed_file(key: bytes, deadline: int = 2_000_000_000) -> ApprovalFile:
    message = approval_message(Account.from_key(key).address, ORG, ROOT, bytes(32), 1, deadline)
    return ApprovalFile(
        DOMAIN, ORG, ROOT, bytes(32), 1, deadline, sign(key, DOMAIN, "Approval", message)
    )


def test_round_trip_and_signature_recovers_signer(tmp_path: Path) -> None:
    original = signed_file(KEYS[0])
    path = tmp_path / "a.json"
    original.write(path)
    loaded = ApprovalFile.read(path)
    assert loaded == original
    recovered = Account._recover_hash(
        digest(DOMAIN, "Approval", loaded.message()), signature=loaded.approval.signature
    )
    assert recovered == Account.from_key(KEYS[0]).address


def test_mismatched_files_refused(tmp_path: Path) -> None:
    a, b = signed_file(KEYS[0]), signed_file(KEYS[1], deadline=2_000_000_001)
    with pytest.raises(InputError, match="deadline differs"):
        common_terms([(tmp_path / "a", a), (tmp_path / "b", b)])
    assert common_terms([(tmp_path / "a", a), (tmp_path / "b", signed_file(KEYS[1]))]) == a


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "cannot read approval file"),
        ('{"kind": "other"}', "not an approval file"),
        ('{"kind": "bci-approval/1"}', "missing field"),
    ],
)
def test_malformed_files_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        ApprovalFile.read(path)


def test_pack_orders_by_signer_slot_with_compact_entries() -> None:
    files = [signed_file(k) for k in reversed(KEYS)]
    blob = pack((f.approval for f in files), SIGNERS)
    assert len(blob) == 65 * 3
    entries = [blob[i : i + 65] for i in range(0, len(blob), 65)]
    assert [e[0] for e in entries] == [1, 2, 3]  # the signers' slots, ascending
    by_signer = {f.approval.signer: f.approval for f in files}
    assert entries == [by_signer[s].entry(slot) for slot, s in enumerate(SIGNERS, 1)]


def test_wallet_entry_layout() -> None:
    wallet = "0x" + "ab" * 20
    entry = SignedApproval(signer=wallet, signature=b"\x01" * 65, wallet=True).entry(3)
    assert entry == bytes([0x83]) + b"\x01" * 65


def test_a_file_holds_65_byte_signatures(tmp_path: Path) -> None:
    """A 64-byte (compact) signature in a file gets an error that says so."""
    original = signed_file(KEYS[0])
    path = tmp_path / "a.json"
    original.write(path)
    data = json.loads(path.read_text())
    data["signature"] = "0x" + "11" * 64
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="64-byte signature where the 65-byte"):
        ApprovalFile.read(path)


def test_the_message_names_its_signer() -> None:
    """One signature counts for one seat: the digest differs per signer."""
    a, b = signed_file(KEYS[0]), signed_file(KEYS[1])
    assert a.message()["signer"] == SIGNERS[0]
    assert digest(DOMAIN, "Approval", a.message()) != digest(DOMAIN, "Approval", b.message())


def test_organisation_ids() -> None:
    assert organisation_id("ACME") == b"ACME" + bytes(28)
    assert organisation_label(organisation_id("ACME")) == "ACME"
    raw = keccak(text="x")
    assert organisation_id("0x" + raw.hex()) == raw
    assert organisation_label(raw) == "0x" + raw.hex()
    for bad in ("", "x" * 33, "0x1234", "0xzz" + "00" * 31):
        with pytest.raises(InputError):
            organisation_id(bad)


def test_report_roots_and_times() -> None:
    assert report_root("0x" + ROOT.hex()) == ROOT
    with pytest.raises(InputError, match="32 bytes"):
        report_root("0x00")
    assert parse_time("1767225600", "t") == 1_767_225_600
    assert parse_time("2026-01-01T00:00:00Z", "t") == 1_767_225_600
    with pytest.raises(InputError, match="no time zone"):
        parse_time("2026-01-01T00:00:00", "t")
    with pytest.raises(InputError, match="neither"):
        parse_time("tomorrow", "t")
