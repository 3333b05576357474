"""Every file reader of the project, driven through its command-line edge in-process.

A reader takes the bytes of one file and returns the exit code its command
ended with. ``ALLOWED`` says which codes each may end with: a verdict or a
clean error, never 3 (a bug) and never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bci_registry.customs.cli import main as verify_main
from bci_registry.report.cli import main as report_main

from .conftest import ORG_ARGS

SIGNER = "0x" + "33" * 20
ROOT_HEX = "0x" + "ab" * 32
ORG_HEX = "0x" + "4f" * 32
SIGNATURE = "0x" + "12" * 64


def _script_edge(read: Callable[[], Any]) -> int:
    """Run a library reader behind the `ape run` scripts' error edge; its exit code."""
    from bci_registry.ape_support import script_errors

    @script_errors
    def command() -> None:
        read()

    try:
        command()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@dataclass
class Reader:
    name: str
    suffix: str
    allowed: frozenset[int]
    seed: str  # a valid (or nearly valid) document of this kind
    run: Callable[[Path, Path], int]  # (file, work dir) -> exit code


def _report_cli(*args: str) -> int:
    return report_main(list(args))


def build(work: Path, sample: Path, sealed: Path, manifest: Path, closed_url: str) -> list[Reader]:
    """The readers, with seeds; ``work`` is a scratch folder for outputs."""
    from bci_registry import attestations
    from bci_registry.exporter.approvals import ApprovalFile
    from bci_registry.exporter.batch import Journal
    from bci_registry.exporter.requests import ApprovalRequest, SignerApprovals
    from bci_registry.report import disclose, load_sealed_report

    out = work / "out.json"
    disclosure = disclose(load_sealed_report(sealed), ["shipment", "recycledContent"]).to_json()
    terms = {
        "chainId": 84532, "registry": SIGNER, "organisation": ORG_HEX,
        "signerSetVersion": 1, "deadline": 4102444800,
    }  # fmt: skip
    verify = ["--rpc-url", closed_url, "--delivery", "now", "--timeout", "2"]

    def journal(path: Path, _: Path) -> int:
        folder = path.parent.parent
        return _script_edge(lambda: Journal(folder).load())

    return [
        Reader("report (validate)", ".json", frozenset({0, 1, 2}), sample.read_text(),
               lambda p, w: _report_cli("validate", str(p))),
        Reader("report (seal)", ".json", frozenset({0, 2}), sample.read_text(),
               lambda p, w: _report_cli("seal", str(p), *ORG_ARGS,
                                        "-o", str(out), "--force")),
        Reader("sealed report (disclose)", ".json", frozenset({0, 2}), sealed.read_text(),
               lambda p, w: _report_cli("disclose", str(p), "--field", "shipment",
                                        "-o", str(out))),
        Reader("disclosure (check-disclosure)", ".json", frozenset({0, 1, 2}), disclosure,
               lambda p, w: _report_cli("check-disclosure", str(p))),
        Reader("report file (bci-verify)", ".json", frozenset({2}), sealed.read_text(),
               lambda p, w: verify_main(["--manifest", str(manifest), *verify, str(p)])),
        Reader("policy JSON (bci-verify)", ".json", frozenset({2}),
               json.dumps({"required_fields": "all", "minimum_approvals": 2}),
               lambda p, w: verify_main(["--manifest", str(manifest), "--policy", str(p),
                                         *verify, str(sealed)])),
        Reader("policy YAML (bci-verify)", ".yaml", frozenset({2}),
               "required_fields: all\nminimum_approvals: 2\naccepted_verifiers: []\n",
               lambda p, w: verify_main(["--manifest", str(manifest), "--policy", str(p),
                                         *verify, str(sealed)])),
        Reader("manifest (bci-verify)", ".json", frozenset({2}), manifest.read_text(),
               lambda p, w: verify_main(["--manifest", str(p), *verify, str(sealed)])),
        Reader("approval file (submit)", ".json", frozenset({0, 2}),
               json.dumps({"kind": "bci-approval/1", **terms, "report": ROOT_HEX,
                           "supersedes": "0x" + "00" * 32, "signer": SIGNER,
                           "signature": SIGNATURE, "wallet": False}),
               lambda p, w: _script_edge(lambda: ApprovalFile.read(p))),
        Reader("approval request (approve)", ".json", frozenset({0, 2}),
               json.dumps({"kind": "bci-approval-request/1", **terms,
                           "reports": [{"root": ROOT_HEX, "file": "a.json"}]}),
               lambda p, w: _script_edge(lambda: ApprovalRequest.read(p))),
        Reader("approvals file (submit)", ".json", frozenset({0, 2}),
               json.dumps({"kind": "bci-approvals/1", **terms, "signer": SIGNER,
                           "wallet": False,
                           "approvals": [{"report": ROOT_HEX, "signature": SIGNATURE}]}),
               lambda p, w: _script_edge(lambda: SignerApprovals.read(p))),
        Reader("attestation file (attest --relay)", ".json", frozenset({0, 2}),
               json.dumps({"format": "bci-attestation/2", "chainId": 84532,
                           "contract": SIGNER, "primaryType": "Attestation",
                           "message": {"verifier": SIGNER, "organisation": ROOT_HEX,
                                       "report": ROOT_HEX},
                           "signer": SIGNER, "signature": SIGNATURE, "wallet": False}),
               lambda p, w: _script_edge(lambda: attestations.load(p))),
        Reader("batch journal (submit --batch)", "", frozenset({0, 2}),
               json.dumps({"file": "a.json", "organisation": ROOT_HEX, "root": ROOT_HEX,
                           "sealed": "a.sealed.json",
                           "status": "sealed", "tx": None}) + "\n",
               journal),
    ]  # fmt: skip


def file_for(reader: Reader, work: Path) -> Path:
    """Where a reader's input is written (the journal lives in its batch folder)."""
    if reader.name.startswith("batch journal"):
        from bci_registry.exporter.batch import JOURNAL_DIR, JOURNAL_FILE

        folder = work / "batch" / JOURNAL_DIR
        folder.mkdir(parents=True, exist_ok=True)
        return folder / JOURNAL_FILE
    return work / f"input{reader.suffix}"


def run_reader(reader: Reader, data: bytes, work: Path) -> int:
    path = file_for(reader, work)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    path.write_bytes(data)
    sys.stdout.flush()
    return reader.run(path, work)
