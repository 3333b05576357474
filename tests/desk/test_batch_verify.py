"""Batch members through the desk over HTTP: a member's sealed report uploaded with its
proof file (``bci-batch-proof/1``) reads as bci-verify reads it with ``--batch-proof``.

A batch of three is anchored with one ``anchor_batch`` and attested as a batch
(``attest_batch``); the verifier then withdraws its attestation from one member.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from deskutil import (
    DELIVERY,
    ORGANISATION,
    SAMPLE,
    DeskProcess,
    multipart,
    post_files,
    request,
    start_desk,
    wait_indexed,
)
from localchain import LocalChain

from bci_registry import devnode
from bci_registry.exporter.batch_tree import BatchProof, BatchTree
from bci_registry.registry import organisation_id
from bci_registry.report import load_report, seal_report

BCI_VERIFY = Path(sys.executable).with_name("bci-verify")


@dataclass
class BatchStory:
    chain: LocalChain
    manifest: Path
    sealed: list[Path]
    proofs: list[Path]
    batch: str
    desk: DeskProcess


@pytest.fixture(scope="module")
def batch_story(
    anvil: devnode.DevNode, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BatchStory]:
    chain = LocalChain.deploy(anvil.url)
    workdir = tmp_path_factory.mktemp("batch")
    org = organisation_id(ORGANISATION)
    signers = [chain.account() for _ in range(3)]
    erp, verifier = chain.account(), chain.account()
    chain.register(org, signers, 2, [erp])
    reports = [seal_report(load_report(SAMPLE), organisation=org) for _ in range(3)]
    tree = BatchTree(org, [r.root for r in reports])
    assert chain.anchor_batch(org, tree.root, tree.size, signers[:2], erp)
    assert chain.accredit(verifier, "TUV-BATCH")
    assert chain.attest_batch(org, tree.root, tree.size, verifier)
    sealed, proofs = [], []
    for i, report in enumerate(reports):
        path = workdir / f"module-{i}.sealed.json"
        path.write_text(report.to_json())
        proof = path.with_name(path.stem + ".batch-proof.json")
        proof.write_text(tree.proof(report.root).to_json())
        sealed.append(path)
        proofs.append(proof)
    # The verifier withdraws its batch attestation from member 2 alone.
    assert chain.revoke_member_attestation(org, tree.proof(reports[2].root), verifier)
    manifest = chain.write_manifest(workdir / "deployments" / "base-devnet.json")
    desk = start_desk(manifest, anvil.url, workdir / "desk")
    try:
        wait_indexed(desk.url, chain.head())
        yield BatchStory(chain, manifest, sealed, proofs, "0x" + tree.root.hex(), desk)
    finally:
        desk.stop()


def _files(*paths: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in paths]


def _cli_json(story: BatchStory, *args: str) -> dict[str, Any]:
    result = subprocess.run(
        [str(BCI_VERIFY), "--manifest", str(story.manifest), "--rpc-url", story.chain.url,
         "--delivery", DELIVERY, "--json", *args],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    for report in data["reports"]:
        report["file"] = Path(report["file"]).name
    return data


def _names_only(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The verdict with proof file paths cut to their names (the desk names uploads so)."""
    result: dict[str, Any] = json.loads(json.dumps(data).replace(f"{folder}/", ""))
    return result


def test_member_with_its_proof_passes_and_names_the_batch(batch_story: BatchStory) -> None:
    story = batch_story
    url = story.desk.url + "/v1/verify"
    # The proof before its report: matched by organisation and root, not by order or name.
    status, body = post_files(
        url, _files(story.proofs[0], story.sealed[0], story.sealed[1], story.proofs[1]),
        {"delivery": DELIVERY},
    )  # fmt: skip
    assert status == 200, body
    assert body["verdict"] == "PASS" and body["passed"] == 2
    for report in body["reports"]:
        assert report["chain"]["batch"]["root"] == story.batch
        assert report["chain"]["batch"]["size"] == 3
        anchored = next(c for c in report["checks"] if c["id"] == "anchored")["detail"]
        assert f"as a member of batch {story.batch} (3 reports)" in anchored
    # The very document bci-verify gives with the proof files beside the reports.
    cli = _cli_json(story, str(story.sealed[0]), str(story.sealed[1]))
    cli_names = _names_only(cli, story.sealed[0].parent)
    assert body == cli_names
    # Without its proof a member is not found: FAIL, as bci-verify with no proof.
    status, alone = post_files(url, _files(story.sealed[0]), {"delivery": DELIVERY})
    assert status == 200 and alone["verdict"] == "FAIL"
    assert "batch" not in alone["reports"][0]["chain"]


def test_member_whose_attestation_was_withdrawn_fails(batch_story: BatchStory) -> None:
    story = batch_story
    status, body = post_files(
        story.desk.url + "/v1/verify", _files(story.sealed[2], story.proofs[2]),
        {"delivery": DELIVERY},
    )  # fmt: skip
    assert status == 200, body
    report = body["reports"][0]
    assert report["verdict"] == "FAIL" and report["chain"]["batch"]["root"] == story.batch
    failed = {c["id"] for c in report["checks"] if not c["ok"]}
    assert failed == {"attestation"}


def test_proof_files_that_match_no_report_are_422(batch_story: BatchStory) -> None:
    story = batch_story
    url = story.desk.url + "/v1/verify"
    status, body = post_files(url, _files(story.proofs[0]))
    assert status == 422 and "upload it together with its report" in body["error"], body
    status, body = post_files(url, _files(story.sealed[1], story.proofs[0]))
    assert status == 422 and story.proofs[0].name in body["error"], body
    broken = json.loads(story.proofs[0].read_text())
    broken["proof"] = ["0x12"]
    status, body = post_files(url, [("bad.batch-proof.json", json.dumps(broken).encode())])
    assert status == 422 and "bad.batch-proof.json" in body["error"], body
    assert BatchProof.from_json(story.proofs[0].read_text()).verify()


def test_page_shows_the_batch(batch_story: BatchStory) -> None:
    story = batch_story
    data, content_type = multipart(_files(story.sealed[0], story.proofs[0]), {"delivery": DELIVERY})
    status, _, html = request(
        story.desk.url + "/verify", data, {"Content-Type": content_type}, "POST"
    )
    page = html.decode()
    assert status == 200, page[:500]
    assert "data-verdict='PASS'" in page
    assert f"member of batch <code class=wrap>{story.batch}</code> (3 reports)" in page
