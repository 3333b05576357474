"""Batch submission over JSON-RPC: 50 reports, the node killed mid-way, every report anchored once.

The ERP writes an approval request for the batch, two signers each sign it
once, and one `submit --batch` process anchors the reports. The node dies
(SIGKILL) half-way and restarts from its state file, which lacks the
transactions it mined since it was last written; the rerun anchors exactly
the reports that are not on chain, and a further rerun sends nothing.

anvil writes `--state` only on a clean exit, or every `--state-interval`
seconds. The test takes that periodic dump itself (`anvil_dumpState`, the
same snapshot, gunzipped as anvil writes it) at a chosen moment, so that the
restarted node deterministically holds some sent transactions and lacks
others.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import json
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_abi import decode
from eth_utils import keccak

from bci_registry import devnode
from bci_registry.actors import APE, Actor, Cast
from bci_registry.keys import PASSPHRASE_ENV
from bci_registry.registry import organisation_id
from bci_registry.report import load_report, validate_report
from bci_registry.report.identifiers import with_gs1_check_digit
from conftest import ORGANISATION, Devnet, state_file

pytestmark = pytest.mark.e2e

SAMPLES = sorted((devnode.PROJECT_ROOT / "samples").glob("*.json"))
REPORTS = 50
DEADLINE = str(int(time.time()) + 3 * 3600)
ANCHORED_TOPIC = "0x" + keccak(text="ReportAnchored(bytes32,bytes32,uint256)").hex()
REPORT_STATUS = keccak(text="report_status(bytes32,bytes32)")[:4]
ORG_ID = organisation_id(ORGANISATION)
#: IReportRegistry.ReportStatus: all static, so the return data is these words in order.
STATUS_TYPES = (
    "(uint8,bytes32,uint8,uint8,uint8,uint16,uint32,uint64,uint64,bytes32,bytes32,uint16,bool)"
)


@pytest.fixture(scope="module")
def devnet(stateful_devnet: Devnet) -> Devnet:
    return stateful_devnet


def variant(sample: dict, n: int) -> dict:
    """A sample report for another shipment: new SSCC (valid check digit), batch and passport."""
    report = copy.deepcopy(sample)
    sscc = report["shipment"]["sscc"]
    report["shipment"]["sscc"] = with_gs1_check_digit(sscc[:10] + f"{n:07d}")
    report["batteryIdentifiers"]["batchId"] = f"E{n:05d}"
    report["batteryIdentifiers"]["passportId"] = f"urn:uuid:{uuid.uuid4()}"
    validate_report(report)
    return report


def export(folder: Path, count: int, start: int = 0) -> list[Path]:
    """An ERP export: `count` report files made from the samples."""
    folder.mkdir(parents=True, exist_ok=True)
    samples = [load_report(path) for path in SAMPLES]
    paths = []
    for n in range(start, start + count):
        path = folder / f"report-{n:03d}.json"
        path.write_text(json.dumps(variant(samples[n % len(samples)], n), indent=2))
        paths.append(path)
    return paths


def journal_records(folder: Path) -> list[dict]:
    path = folder / ".bci-journal" / "journal.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def anchored_logs(node: devnode.DevNode, registry: str) -> dict[str, int]:
    """How many ReportAnchored events the registry emitted per root (of the organisation)."""
    query = {"address": registry, "fromBlock": "0x0", "toBlock": "latest"}
    logs = node.rpc("eth_getLogs", [{**query, "topics": [ANCHORED_TOPIC]}])
    counts: dict[str, int] = {}
    for log in logs:
        assert log["topics"][1] == "0x" + ORG_ID.hex()
        counts[log["topics"][2]] = counts.get(log["topics"][2], 0) + 1
    return counts


def report_state(node: devnode.DevNode, registry: str, root: str) -> int:
    """`report_status(organisation, root).state` by a raw eth_call."""
    data = "0x" + (REPORT_STATUS + ORG_ID + bytes.fromhex(root[2:])).hex()
    raw = node.rpc("eth_call", [{"to": registry, "data": data}, "latest"])
    return int(decode([STATUS_TYPES], bytes.fromhex(raw[2:]))[0][0])


def nonce(node: devnode.DevNode, actor: Actor) -> int:
    return int(node.rpc("eth_getTransactionCount", [actor.address, "latest"]), 16)


def spawn(cast: Cast, actor: Actor, script: str, *args: str) -> subprocess.Popen[str]:
    """`ape run` in the background, as `Cast.run` runs it."""
    command = [str(APE), "run", script, "--network", cast.network, "--account", actor.alias]
    env = {**cast.env, PASSPHRASE_ENV: actor.passphrase}
    return subprocess.Popen(
        [*command, *args], cwd=devnode.PROJECT_ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def dump_state(node: devnode.DevNode, path: Path) -> None:
    """What anvil's `--state-interval` writes, at a moment the test chooses."""
    snapshot = gzip.decompress(bytes.fromhex(node.rpc("anvil_dumpState")[2:]))
    path.write_bytes(snapshot)


class BlockProducer:
    """Mines an empty block every 0.3 s, as an L2 sequencer would, so confirmations come."""

    def __init__(self, net: Devnet) -> None:
        self.net, self.stop = net, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.wait(0.3):
            with contextlib.suppress(devnode.NodeError):  # the node is down for a moment
                devnode.rpc(self.net.node.url, "evm_mine", timeout=1)

    def __enter__(self) -> BlockProducer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()


@pytest.fixture(scope="module")
def registry(devnet: Devnet) -> str:
    manifest = devnet.cast.workdir / "deployments" / "base-devnet.json"
    return json.loads(manifest.read_text())["report_registry"]["address"]


@pytest.fixture(scope="module")
def batch(devnet: Devnet) -> Path:
    folder = devnet.cast.workdir / "export"
    export(folder, REPORTS)
    return folder


@pytest.fixture(scope="module")
def approvals(devnet: Devnet, batch: Path) -> list[str]:
    """The ERP writes the batch's approval request; signers 0 and 2 (threshold 2) sign it."""
    request = devnet.cast.workdir / "request.json"
    result = devnet.cast.run(
        devnet.erp, "submit", "--organisation", ORGANISATION, "--batch", str(batch),
        "--request-out", str(request), "--deadline", DEADLINE,
    )  # fmt: skip
    assert f"approval request for {REPORTS} report(s)" in result.stdout
    assert len(json.loads(request.read_text())["reports"]) == REPORTS
    args = []
    for i in (0, 2):
        out = devnet.cast.workdir / f"approvals-{i}.json"
        signed = devnet.cast.run(devnet.signers[i], "approve", "--request", str(request),
                                 "--out", str(out))  # fmt: skip
        assert f"{REPORTS} approval(s)" in signed.stdout
        args += ["--approval", str(out)]
    return args


@pytest.fixture
def blocks(devnet: Devnet) -> Iterator[BlockProducer]:
    with BlockProducer(devnet) as producer:
        yield producer


def test_node_killed_mid_batch_then_rerun_anchors_each_report_once(
    devnet: Devnet, batch: Path, approvals: list[str], registry: str, blocks: BlockProducer
) -> None:
    sealed = {r["file"]: r["root"] for r in journal_records(batch) if r["status"] == "sealed"}
    assert len(sealed) == REPORTS  # the request sealed and journaled every report
    for path in (batch / ".bci-journal" / "sealed").iterdir():
        assert path.stat().st_mode & 0o077 == 0, f"{path} must be owner-only"
    submit = ["--organisation", ORGANISATION, "--batch", str(batch), *approvals,
              "--confirmations", "2", "--timeout", "60"]  # fmt: skip

    process = spawn(devnet.cast, devnet.erp, "submit", *submit)
    dumped = False
    try:
        while process.poll() is None:
            sent = sum(r["status"] == "sent" for r in journal_records(batch))
            if not dumped and sent >= 12:
                dump_state(devnet.node, state_file(devnet))
                dumped = True
            if sent >= 25:
                devnet.node.kill()
                break
            time.sleep(0.02)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert dumped, f"the batch ended before the node could be killed:\n{stderr}"
    assert process.returncode == 2, stderr
    assert "node unreachable" in stderr and "rerun the same command" in stderr
    assert "Traceback" not in stderr

    records = journal_records(batch)
    sent_first = {r["root"] for r in records if r["status"] == "sent"}
    devnet.node = devnode.start(
        devnet.cast.workdir, port=devnet.node.port, state_file=state_file(devnet)
    )
    survived = {root for root in sent_first if report_state(devnet.node, registry, root) == 2}
    lost = sent_first - survived
    never_sent = set(sealed.values()) - sent_first
    assert survived and lost and never_sent, (len(survived), len(lost), len(never_sent))

    rerun = devnet.cast.run(devnet.erp, "submit", *submit)
    assert f"{REPORTS} report(s):" in rerun.stdout

    logs = anchored_logs(devnet.node, registry)
    for file, root in sealed.items():
        assert report_state(devnet.node, registry, root) == 2, f"{file} is not anchored"
        # Never two anchors of one root. anvil_dumpState may catch a block's state
        # without its logs (the snapshot is not atomic with mining), so a survivor's
        # log can be missing; the journal's send counts below show it was sent once.
        expected = {0, 1} if root in survived else {1}
        assert logs.get(root, 0) in expected, f"{file}: {logs.get(root)} ReportAnchored events"
    assert len(logs) >= REPORTS - len(survived)
    records = journal_records(batch)
    sends = {root: sum(r["status"] == "sent" and r["root"] == root for r in records)
             for root in sealed.values()}  # fmt: skip
    assert all(sends[root] == 1 for root in survived), "a surviving transaction was sent again"
    assert all(sends[root] == 2 for root in lost), "a lost transaction was not sent again"
    assert all(sends[root] == 1 for root in never_sent)
    last = {r["file"]: r for r in records}
    assert {r["status"] for r in last.values()} == {"anchored"}
    head = int(devnet.node.rpc("eth_blockNumber"), 16)
    assert all(head >= r["block"] + 1 for r in last.values())  # two confirmations

    before = (nonce(devnet.node, devnet.erp), len(records))
    again = devnet.cast.run(devnet.erp, "submit", *submit)
    assert f"{REPORTS} report(s): {REPORTS} already anchored" in again.stdout
    assert (nonce(devnet.node, devnet.erp), len(journal_records(batch))) == before


def test_unreachable_node_is_bad_input(devnet: Devnet, batch: Path, approvals: list[str]) -> None:
    with socket.socket() as probe:
        probe.bind((devnode.HOST, 0))
        closed = probe.getsockname()[1]  # free once the socket closes: nothing listens
    cast = Cast(devnet.cast.workdir, network=f"{devnode.DEVNET_NETWORK}:http://127.0.0.1:{closed}")
    result = cast.run(devnet.erp, "submit", "--organisation", ORGANISATION, "--batch", str(batch),
                      *approvals, check=False)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert f"error: node at http://127.0.0.1:{closed} unreachable" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_report_in_batch_sends_nothing(
    devnet: Devnet, approvals: list[str], tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    paths = export(folder, 3, start=500)
    bad = json.loads(paths[1].read_text())
    bad["shipment"]["sscc"] = bad["shipment"]["sscc"][:-1] + str(
        (int(bad["shipment"]["sscc"][-1]) + 1) % 10
    )
    bad["recycledContent"]["cobalt"]["preConsumerPercent"] = 140
    paths[1].write_text(json.dumps(bad))
    before = nonce(devnet.node, devnet.erp)
    result = devnet.cast.run(devnet.erp, "submit", "--organisation", ORGANISATION,
                             "--batch", str(folder), *approvals, check=False)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "1 of 3 report files" in result.stderr and "nothing was sealed or sent" in result.stderr
    assert f"{paths[1]}: invalid report: 3 problems" in result.stderr
    assert "$.shipment.sscc" in result.stderr and "$.recycledContent.cobalt" in result.stderr
    assert nonce(devnet.node, devnet.erp) == before
    assert not list((folder / ".bci-journal" / "sealed").glob("*"))
    assert not journal_records(folder)
