"""The batch journal and the exactly-once run, against an in-memory chain that can crash."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from eth_utils import keccak

from bci_registry.devnode import NodeError
from bci_registry.exporter.batch import (
    AlreadyKnown,
    Entry,
    Journal,
    Receipt,
    Settings,
    Signatures,
    SignedTransaction,
    Status,
    anchor_entries,
    prepare,
    prepare_single,
    summarise,
)
from bci_registry.registry import InputError, organisation_id
from bci_registry.report import load_report, load_sealed_report
from bci_registry.report.identifiers import with_gs1_check_digit

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*.json"))
ORG = organisation_id("KR-EORI-KR1234567890123")
OTHER_ORG = organisation_id("DE-EORI-DE9876543210")
FAST = Settings(confirmations=1, timeout=2, poll_interval=0.001)


def export(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    samples = [load_report(path) for path in SAMPLES]
    paths = []
    for n in range(count):
        report = copy.deepcopy(samples[n % len(samples)])
        sscc = report["shipment"]["sscc"]
        report["shipment"]["sscc"] = with_gs1_check_digit(sscc[:10] + f"{n:07d}")
        report["batteryIdentifiers"]["passportId"] = f"urn:uuid:{uuid.uuid4()}"
        path = folder / f"r{n:02d}.json"
        path.write_text(json.dumps(report))
        paths.append(path)
    return paths


@dataclass
class FakeChain:
    """A node with a registry: anchors a root once, mines on broadcast, can die and lose blocks."""

    automine: bool = True
    down_after: int | None = None  # broadcasts accepted before the node dies
    block: int = 1
    anchored: dict[bytes, int] = field(default_factory=dict)
    anchors: dict[bytes, int] = field(default_factory=dict)  # ReportAnchored per root
    receipts: dict[str, Receipt] = field(default_factory=dict)
    mined_roots: dict[str, bytes] = field(default_factory=dict)
    mempool: dict[str, bytes] = field(default_factory=dict)
    signed: list[bytes] = field(default_factory=list)
    polls: dict[str, int] = field(default_factory=dict)
    nonce: int = 0

    def _up(self) -> None:
        if self.down_after is not None and self.down_after <= 0:
            raise NodeError("node unreachable")

    def report_state(self, root: bytes) -> tuple[str, int]:
        self._up()
        return ("anchored", self.anchored[root]) if root in self.anchored else ("unknown", 0)

    def transaction_known(self, tx: str) -> bool:
        return tx in self.mempool or tx in self.receipts

    def receipt(self, tx: str) -> Receipt | None:
        self.polls[tx] = self.polls.get(tx, 0) + 1
        if tx in self.mempool and self.polls[tx] > 1:
            self.mine()  # a block comes while we wait
        return self.receipts.get(tx)

    def next_nonce(self) -> int:
        return self.nonce

    def head(self) -> tuple[int, int]:
        self.block += 1  # blocks keep coming
        return self.block, 1_000

    def sign_anchor(
        self, root: bytes, deadline: int, signatures: bytes, nonce: int
    ) -> SignedTransaction:
        if root in self.anchored:
            raise AlreadyKnown("registry: report already known")
        self.signed.append(root)
        tx = keccak(root + nonce.to_bytes(8) + len(self.signed).to_bytes(8))
        return SignedTransaction("0x" + tx.hex(), root)

    def broadcast(self, tx: SignedTransaction) -> None:
        self._up()
        if self.down_after is not None:
            self.down_after -= 1
        self.mempool[tx.hash] = tx.raw
        self.nonce += 1
        if self.automine:
            self.mine()

    def mine(self) -> None:
        for tx, root in list(self.mempool.items()):
            self.block += 1
            ok = root not in self.anchored
            if ok:
                self.anchored[root] = self.block
                self.anchors[root] = self.anchors.get(root, 0) + 1
            self.receipts[tx] = Receipt(self.block, ok)
            self.mined_roots[tx] = root
            del self.mempool[tx]

    def restart_from(self, block: int) -> None:
        """The node restarts from a state file written at `block`: later blocks are gone."""
        self.down_after = None
        self.mempool.clear()
        for tx, receipt in list(self.receipts.items()):
            if receipt.block > block:
                root = self.mined_roots.pop(tx)
                del self.receipts[tx]
                if receipt.success:
                    del self.anchored[root]
                    self.anchors[root] -= 1
        self.block = block
        self.nonce = len(self.receipts)


def signatures(entries: Sequence[Entry], deadline: int = 2_000) -> Signatures:
    return Signatures(deadline=deadline, blobs={e.root: b"sig" for e in entries})


def run(folder: Path, chain: FakeChain) -> list[str]:
    with Journal(folder) as journal:
        entries = prepare(folder, journal, ORG)
        outcomes = anchor_entries(entries, chain, journal, signatures, FAST)
    return [o.result for o in outcomes]


def records(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / ".bci-journal" / "journal.jsonl").open()]


def test_prepare_seals_once_and_a_rerun_reuses_the_salts(tmp_path: Path) -> None:
    export(tmp_path, 3)
    with Journal(tmp_path) as journal:
        first = prepare(tmp_path, journal, ORG)
    with Journal(tmp_path) as journal:
        second = prepare(tmp_path, journal, ORG)
    assert [e.root for e in first] == [e.root for e in second]
    assert [r["status"] for r in records(tmp_path)] == ["sealed"] * 3
    for entry in first:
        assert entry.sealed.stat().st_mode & 0o777 == 0o600
        assert load_sealed_report(entry.sealed).root == entry.root


def test_sealed_file_without_journal_record_is_reused(tmp_path: Path) -> None:
    """A crash between writing the sealed file and journaling it loses no salts."""
    export(tmp_path, 1)
    with Journal(tmp_path) as journal:
        (entry,) = prepare(tmp_path, journal, ORG)
    (tmp_path / ".bci-journal" / "journal.jsonl").write_text("")
    with Journal(tmp_path) as journal:
        (again,) = prepare(tmp_path, journal, ORG)
    assert again.root == entry.root


def test_report_changed_after_sealing_is_refused(tmp_path: Path) -> None:
    (path,) = export(tmp_path, 1)
    with Journal(tmp_path) as journal:
        prepare(tmp_path, journal, ORG)
    report = json.loads(path.read_text())
    report["transportEmissions"]["kgCO2e"] = 1
    path.write_text(json.dumps(report))
    with (
        Journal(tmp_path) as journal,
        pytest.raises(InputError, match="changed after it was sealed"),
    ):
        prepare(tmp_path, journal, ORG)


def test_bad_report_names_file_and_path_and_seals_nothing(tmp_path: Path) -> None:
    paths = export(tmp_path, 3)
    bad = json.loads(paths[2].read_text())
    bad["shipment"]["sscc"] = "123"
    paths[2].write_text(json.dumps(bad))
    with Journal(tmp_path) as journal, pytest.raises(InputError) as caught:
        prepare(tmp_path, journal, ORG)
    assert "1 of 3 report files" in str(caught.value)
    assert f"{paths[2]}: invalid report" in str(caught.value)
    assert "$.shipment.sscc" in str(caught.value)
    assert not list((tmp_path / ".bci-journal" / "sealed").iterdir())


def test_torn_last_line_is_dropped(tmp_path: Path) -> None:
    export(tmp_path, 2)
    with Journal(tmp_path) as journal:
        prepare(tmp_path, journal, ORG)
    path = tmp_path / ".bci-journal" / "journal.jsonl"
    with path.open("a") as handle:
        handle.write('{"file": "r00.json", "status": "se')
    with Journal(tmp_path) as journal:
        assert set(journal.load()) == {"r00.json", "r01.json"}
    assert path.read_text().endswith("}\n")


def test_one_submission_per_folder_at_a_time(tmp_path: Path) -> None:
    export(tmp_path, 1)
    with Journal(tmp_path), pytest.raises(InputError, match="another submission is running"):
        Journal(tmp_path).__enter__()


def test_node_dies_and_restarts_without_recent_blocks(tmp_path: Path) -> None:
    export(tmp_path, 10)
    chain = FakeChain(down_after=6)
    with pytest.raises(NodeError, match="rerun the same command to resume"):
        run(tmp_path, chain)
    sent = [r["root"] for r in records(tmp_path) if r["status"] == "sent"]
    assert len(sent) == 7  # the seventh was journaled, then its broadcast failed
    chain.restart_from(block=4)  # the state file lacks the last mined blocks
    survived = {"0x" + root.hex() for root in chain.anchored}
    assert 0 < len(survived) < 6

    assert run(tmp_path, chain).count("anchored") == 10
    assert set(chain.anchors.values()) == {1}
    assert len(chain.anchors) == 10
    resent = [r["root"] for r in records(tmp_path) if r["status"] == "sent"][len(sent) :]
    assert not survived & set(resent), "a transaction that survived was sent again"
    assert len(resent) == 10 - len(survived)

    before = len(chain.signed)
    assert run(tmp_path, chain) == ["already anchored"] * 10
    assert len(chain.signed) == before


def test_pending_transaction_is_awaited_not_sent_again(tmp_path: Path) -> None:
    export(tmp_path, 2)
    chain = FakeChain(automine=False)
    with Journal(tmp_path) as journal:
        entries = prepare(tmp_path, journal, ORG)
        # An earlier run sent the first report and died; its transaction is still pending.
        signed = chain.sign_anchor(entries[0].root, 2_000, b"", 0)
        entries[0].status, entries[0].tx = Status.SENT, signed.hash
        journal.record(entries[0])
        chain.broadcast(signed)
    assert run(tmp_path, chain) == ["anchored", "anchored"]
    assert chain.signed.count(entries[0].root) == 1


def test_a_duplicate_refused_as_already_known_is_not_a_failure(tmp_path: Path) -> None:
    export(tmp_path, 1)
    chain = FakeChain(automine=False)
    with Journal(tmp_path) as journal:
        (entry,) = prepare(tmp_path, journal, ORG)
        lost = chain.sign_anchor(entry.root, 2_000, b"", 0)
        entry.status, entry.tx = Status.SENT, lost.hash
        journal.record(entry)
    # The journaled transaction vanished from this node, is sent again, and the first
    # one resurfaces (another node's pool) and is mined first: the resend reverts.
    real_broadcast = chain.broadcast

    def resurface(tx: SignedTransaction) -> None:
        real_broadcast(lost)
        real_broadcast(tx)

    chain.broadcast = resurface  # type: ignore[method-assign]
    assert run(tmp_path, chain) == ["anchored"]
    assert chain.anchors == {entry.root: 1}
    assert [r.success for r in chain.receipts.values()] == [True, False]


def test_missing_approvals_send_nothing(tmp_path: Path) -> None:
    export(tmp_path, 2)
    chain = FakeChain()

    def refuse(_: object) -> Signatures:
        raise InputError("no approval files given")

    with Journal(tmp_path) as journal, pytest.raises(InputError, match="no approval files"):
        anchor_entries(prepare(tmp_path, journal, ORG), chain, journal, refuse, FAST)
    assert not chain.signed


def test_expired_approvals_send_nothing(tmp_path: Path) -> None:
    export(tmp_path, 1)
    chain = FakeChain()

    def expired(entries: Sequence[Entry]) -> Signatures:
        return signatures(entries, deadline=999)

    with Journal(tmp_path) as journal, pytest.raises(InputError, match="approvals expired"):
        anchor_entries(prepare(tmp_path, journal, ORG), chain, journal, expired, FAST)
    assert not chain.signed


def test_single_report_sealed_beside_it_once(tmp_path: Path) -> None:
    (path,) = export(tmp_path, 1)
    entry = prepare_single(path, None, ORG)
    assert entry.sealed == tmp_path / "r00.sealed.json"
    assert prepare_single(path, None, ORG).root == entry.root
    assert prepare_single(entry.sealed, None, ORG).root == entry.root  # a sealed file as is
    other = tmp_path / "other.json"
    other.write_text(path.read_text().replace(json.loads(path.read_text())["shipment"]["sscc"],
                                              with_gs1_check_digit("0" * 17)))  # fmt: skip
    with pytest.raises(InputError, match="already holds a sealed report"):
        prepare_single(other, entry.sealed, ORG)
    lines, failed = summarise([])
    assert (lines, failed) == (["0 report(s): nothing to do"], 0)


def test_the_same_report_twice_is_refused(tmp_path: Path) -> None:
    """Sealed twice it would have two roots, and be anchored twice."""
    (path,) = export(tmp_path, 1)
    sealed = prepare_single(path, None, ORG)  # `submit --report` left r00.sealed.json beside it
    with Journal(tmp_path) as journal, pytest.raises(InputError, match="hold the same report"):
        prepare(tmp_path, journal, ORG)
    sealed.sealed.unlink()
    (tmp_path / "copy.json").write_text(path.read_text())
    with Journal(tmp_path) as journal, pytest.raises(InputError, match="hold the same report"):
        prepare(tmp_path, journal, ORG)


def test_a_sent_report_may_not_leave_the_folder(tmp_path: Path) -> None:
    paths = export(tmp_path, 2)
    with pytest.raises(NodeError):
        run(tmp_path, FakeChain(down_after=1))  # r01 journaled as sent, then the node was gone
    paths[1].unlink()
    with Journal(tmp_path) as journal, pytest.raises(InputError, match=r"r01\.json left"):
        prepare(tmp_path, journal, ORG)


def test_a_report_is_sealed_for_the_submitting_organisation(tmp_path: Path) -> None:
    """The root commits to the organisation: a sealed file of another one is refused."""
    (path,) = export(tmp_path, 1)
    entry = prepare_single(path, None, ORG)
    assert load_sealed_report(entry.sealed).organisation == ORG
    with pytest.raises(InputError, match="sealed for organisation KR-EORI-KR1234567890123, not"):
        prepare_single(entry.sealed, None, OTHER_ORG)
    with pytest.raises(InputError, match="sealed for organisation"):
        prepare_single(path, None, OTHER_ORG)  # the salts beside it are never thrown away


def test_a_journal_serves_one_organisation(tmp_path: Path) -> None:
    export(tmp_path, 2)
    with Journal(tmp_path) as journal:
        entries = prepare(tmp_path, journal, ORG)
        assert {e.organisation for e in entries} == {ORG}
        assert {r["organisation"] for r in records(tmp_path)} == {"0x" + ORG.hex()}
    with Journal(tmp_path) as journal, pytest.raises(InputError, match="one organisation"):
        prepare(tmp_path, journal, OTHER_ORG)
