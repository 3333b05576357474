"""A folder anchored as batches over JSON-RPC; the node killed mid-way; customs on members.

The ERP writes an approval request of the batch roots (`submit --batch DIR
--as-batch --batch-size 3 --request-out`), two signers sign the
`BatchApproval`s, and `submit --as-batch` anchors them; the node is killed
(SIGKILL) after the first batch, restarted from a snapshot taken then, and a
rerun anchors the rest, each batch once. A verifier attests one batch with
`attest --batch-proof` (from a member's proof file, signed offline and
relayed). Customs (`bci-verify`, default policy: attestation required)
then passes members with the proof file written beside their sealed reports,
and fails a member whose batch attestation the verifier withdrew
(`attest --revoke-member`) and a member revoked for cause by governance.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_utils import keccak
from test_batch import DEADLINE, dump_state, export, report_state, spawn

from bci_registry import devnode
from bci_registry.customs.abi import encode_call
from bci_registry.registry import organisation_id
from conftest import ORGANISATION, Devnet, state_file

pytestmark = pytest.mark.e2e

REPORTS = 9
SIZE = 3
ORG_ID = organisation_id(ORGANISATION)
BATCH_TOPIC = "0x" + keccak(text="BatchAnchored(bytes32,bytes32,uint32,uint256)").hex()
BCI_VERIFY = Path(sys.executable).with_name("bci-verify")


@pytest.fixture(scope="module")
def devnet(stateful_devnet: Devnet) -> Devnet:
    return stateful_devnet


def batch_records(folder: Path) -> list[dict]:
    path = folder / ".bci-journal" / "batches.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def manifest(devnet: Devnet) -> Path:
    return devnet.cast.workdir / "deployments" / "base-devnet.json"


def as_governance(devnet: Devnet, to: str, data: bytes) -> None:
    """A governance transaction straight over JSON-RPC (no `ape run`: seconds saved)."""
    governance = devnet.governance.address
    devnet.node.rpc("anvil_impersonateAccount", [governance])
    tx = devnet.node.rpc(
        "eth_sendTransaction", [{"from": governance, "to": to, "data": "0x" + data.hex()}]
    )
    receipt = None
    for _ in range(100):
        receipt = devnet.node.rpc("eth_getTransactionReceipt", [tx])
        if receipt:
            break
        time.sleep(0.1)
    assert receipt and int(receipt["status"], 16) == 1, receipt


def test_folder_as_batches_killed_resumed_and_verified(devnet: Devnet) -> None:
    deployed = json.loads(manifest(devnet).read_text())
    registry = deployed["report_registry"]["address"]
    attestations = deployed["attestation_registry"]["address"]
    folder = devnet.cast.workdir / "export-batches"
    export(folder, REPORTS)
    request = devnet.cast.workdir / "batch-request.json"
    result = devnet.cast.run(
        devnet.erp, "submit", "--organisation", ORGANISATION, "--batch", str(folder),
        "--as-batch", "--batch-size", str(SIZE), "--request-out", str(request),
        "--deadline", DEADLINE,
    )  # fmt: skip
    assert "approval request for 3 batch root(s)" in result.stdout, result.stdout
    entries = json.loads(request.read_text())["reports"]
    assert [e["size"] for e in entries] == [SIZE] * 3
    planned = {r["batch"] for r in batch_records(folder)}
    assert len(planned) == 3
    approvals = []
    for i in (0, 2):
        out = devnet.cast.workdir / f"batch-approvals-{i}.json"
        devnet.cast.run(devnet.signers[i], "approve", "--request", str(request), "--out", str(out))
        approvals += ["--approval", str(out)]
    submit = ["--organisation", ORGANISATION, "--batch", str(folder), "--as-batch",
              "--batch-size", str(SIZE), *approvals]  # fmt: skip

    process = spawn(devnet.cast, devnet.erp, "submit", *submit)
    killed = False
    try:
        while process.poll() is None:
            if any(r["status"] == "anchored" for r in batch_records(folder)):
                dump_state(devnet.node, state_file(devnet))
                devnet.node.kill()
                killed = True
                break
            time.sleep(0.01)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    if not killed:  # it finished first: the node still dies and restarts from a snapshot
        dump_state(devnet.node, state_file(devnet))
        devnet.node.kill()
    assert "Traceback" not in stderr
    devnet.node = devnode.start(
        devnet.cast.workdir, port=devnet.node.port, state_file=state_file(devnet)
    )
    rerun = devnet.cast.run(devnet.erp, "submit", *submit)
    assert f"{REPORTS} report(s) in 3 batch(es)" in rerun.stdout, rerun.stdout
    # Same batches as planned (the journal kept them), each anchored once.
    assert {r["batch"] for r in batch_records(folder)} == planned
    for root in planned:
        assert report_state(devnet.node, registry, root) == 2
    logs = devnet.node.rpc(
        "eth_getLogs",
        [{"address": registry, "fromBlock": "0x0", "toBlock": "latest", "topics": [BATCH_TOPIC]}],
    )
    counts: dict[str, int] = {}
    for log in logs:
        counts[log["topics"][2]] = counts.get(log["topics"][2], 0) + 1
    assert all(n == 1 for n in counts.values()), counts
    # A third run sends nothing.
    again = devnet.cast.run(devnet.erp, "submit", *submit)
    assert "tx 0x" not in again.stdout.split("sealed reports")[0] or "anchored" in again.stdout

    # The verifier attests the batch of members[0] with the attest script, from that
    # member's proof file, signed offline and relayed.
    sealed_dir = folder / ".bci-journal" / "sealed"
    members = sorted(sealed_dir.glob("*.sealed.json"))
    assert len(members) == REPORTS
    assert all(p.with_name(p.stem + ".batch-proof.json").is_file() for p in members)
    proofs = [json.loads(p.with_name(p.stem + ".batch-proof.json").read_text()) for p in members]
    first = proofs[0]["batch"]
    same = [i for i, p in enumerate(proofs) if p["batch"] == first]
    assert len(same) == SIZE
    ok_i, withdrawn_i, revoked_i = same
    year = str(int(time.time()) + 365 * 86400)
    accredit = encode_call(
        "AttestationRegistry",
        "accredit_verifier",
        [devnet.verifier.address, b"TUV-BATCH".ljust(32, b"\0"), 0xFFF, 0, int(year)],
    )
    as_governance(devnet, attestations, accredit)
    signed = devnet.cast.workdir / "batch-attestation.json"
    proof_of = {i: str(members[i].with_name(members[i].stem + ".batch-proof.json")) for i in same}
    devnet.cast.run(
        devnet.verifier, "attest", "--batch-proof", proof_of[ok_i], "--all-fields",
        "--evidence-hash", "0x" + "ee" * 32, "--out", str(signed),
    )  # fmt: skip
    document = json.loads(signed.read_text())
    assert document["primaryType"] == "BatchAttestation"
    assert (document["message"]["batch"], document["message"]["size"]) == (first, SIZE)
    assert document["message"]["expiresAt"] <= int(year)
    relayed = devnet.cast.run(devnet.relayer, "attest", "--relay", str(signed)).stdout
    assert f"on batch {first}" in relayed, relayed

    # Customs, under the default policy (attestation required): a member attested via its
    # batch passes and the verdict names the batch; a member of an unattested batch fails.
    def verify(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BCI_VERIFY), "--manifest", str(manifest(devnet)), "--rpc-url", devnet.node.url,
             "--delivery", "now", "--json", str(path)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    def failed_checks(path: Path) -> set[str]:
        result = verify(path)
        assert result.returncode == 1, result.stdout + result.stderr
        return {c["id"] for c in json.loads(result.stdout)["reports"][0]["checks"] if not c["ok"]}

    ok = verify(members[ok_i])
    assert ok.returncode == 0, ok.stdout + ok.stderr
    verdict = json.loads(ok.stdout)["reports"][0]
    assert verdict["chain"]["batch"]["root"] == first
    assert first in next(c for c in verdict["checks"] if c["id"] == "anchored")["detail"]
    other = next(i for i, p in enumerate(proofs) if p["batch"] != first)
    assert failed_checks(members[other]) == {"attestation"}
    # Attested directly from its root and size (attest_batch), it passes too.
    direct = devnet.cast.run(
        devnet.verifier, "attest", "--organisation", ORGANISATION, "--batch-root",
        proofs[other]["batch"], "--batch-size", str(SIZE), "--all-fields", "--evidence-hash",
        "0x" + "ee" * 32,
    ).stdout  # fmt: skip
    assert f"attested batch {proofs[other]['batch']} ({SIZE} reports)" in direct, direct
    assert verify(members[other]).returncode == 0

    # The verifier withdraws its batch attestation from one member: that member fails.
    withdrawn = devnet.cast.run(
        devnet.verifier, "attest", "--revoke-member", str(members[withdrawn_i]),
        "--batch-proof", proof_of[withdrawn_i], "--reason", "4",
    ).stdout  # fmt: skip
    assert "withdrew the attestation" in withdrawn, withdrawn
    assert failed_checks(members[withdrawn_i]) == {"attestation"}
    assert verify(members[ok_i]).returncode == 0

    # Governance revokes one member for cause (its proof from the file beside it).
    victim = proofs[revoked_i]
    data = encode_call(
        "ReportRegistry",
        "revoke_member_for_cause",
        [ORG_ID, bytes.fromhex(victim["report"][2:]), 5, bytes.fromhex(victim["batch"][2:]),
         [bytes.fromhex(h[2:]) for h in victim["proof"]]],
    )  # fmt: skip
    as_governance(devnet, registry, data)
    assert failed_checks(members[revoked_i]) == {"not_revoked"}
    assert verify(members[ok_i]).returncode == 0
