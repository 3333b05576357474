"""`make demo` tells the whole story and ends with PASS, PASS, FAIL."""

import subprocess
import sys

import pytest

from bci_registry import devnode

pytestmark = pytest.mark.e2e


def test_demo_story() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bci_registry.demo"],
        cwd=devnode.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    # Every actor acted, in order, and customs saw what it should.
    steps = [
        "governance deploys the registry",
        "governance onboards the exporter",
        "signs an EIP-712 approval offline",
        "anchored 0x",
        "state         anchored",
        "the verifier signs its attestation offline",
        "relayed the attestation",
        "customs verifies the full sealed report",
        "customs verifies a disclosure",
        "customs verifies a report tampered with after anchoring",
        "does not match the fields",
        "customs verdicts: PASS, PASS, FAIL",
        "stopping anvil",
    ]
    positions = [out.find(step) for step in steps]
    missing = [step for step, at in zip(steps, positions, strict=True) if at < 0]
    assert not missing, missing
    assert positions == sorted(positions)
