"""Issue 2's story over JSON-RPC: seal, two signers approve offline, the ERP anchors."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bci_registry.demo import seal_sample
from conftest import ORGANISATION, Devnet

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def root(devnet: Devnet) -> str:
    root, _ = seal_sample(devnet.cast.workdir)
    return root


DEADLINE = str(int(time.time()) + 3600)


def sign_approvals(devnet: Devnet, root: str, who: list[int], tag: str) -> list[str]:
    deadline = DEADLINE
    args: list[str] = []
    for i in who:
        path = devnet.cast.workdir / f"approval-{tag}-{i}.json"
        devnet.cast.run(
            devnet.signers[i], "approve", "--organisation", ORGANISATION, "--root", root,
            "--deadline", deadline, "--out", str(path),
        )  # fmt: skip
        args += ["--approval", str(path)]
    return args


def test_two_offline_approvals_anchor_in_one_transaction(devnet: Devnet, root: str) -> None:
    approvals = sign_approvals(devnet, root, [0, 2], "ok")
    result = devnet.cast.run(
        devnet.erp, "submit", "--organisation", ORGANISATION, "--root", root, *approvals
    )
    assert "anchored" in result.stdout and "2 approvals" in result.stdout
    status = json.loads(devnet.cast.run(None, "status", "--root", root, "--json").stdout)
    assert status["state"] == "anchored"
    assert status["approvals"] == 2 and status["threshold"] == 2
    assert status["organisation"] == ORGANISATION
    assert status["approvers"] == 0b101
    # Running the same submission again is refused by the chain, not duplicated.
    again = devnet.cast.run(
        devnet.erp,
        "submit",
        "--organisation",
        ORGANISATION,
        "--root",
        root,
        *approvals,
        check=False,
    )
    assert again.returncode == 1
    assert "report already known" in again.stderr


def test_malformed_root_is_bad_input(devnet: Devnet) -> None:
    result = devnet.cast.run(None, "status", "--root", "0x1234", check=False)
    assert result.returncode == 2
    assert "report root '0x1234' must be 32 bytes" in result.stderr


def test_approval_from_stranger_is_refused(devnet: Devnet, tmp_path: Path) -> None:
    root = "0x" + "77" * 32
    approvals = sign_approvals(devnet, root, [1], "stranger")
    path = tmp_path / "stranger.json"
    devnet.cast.run(
        devnet.verifier, "approve", "--organisation", ORGANISATION, "--root", root,
        "--deadline", DEADLINE, "--out", str(path),
    )  # fmt: skip
    result = devnet.cast.run(
        devnet.erp,
        "submit",
        "--organisation",
        ORGANISATION,
        "--root",
        root,
        *approvals,
        "--approval",
        str(path),
        check=False,
    )
    assert result.returncode == 1
    assert "signature from a non-signer" in result.stderr
    status = json.loads(devnet.cast.run(None, "status", "--root", root, "--json").stdout)
    assert status["state"] == "unknown"


def test_wrong_passphrase_is_refused_before_anything_is_sent(devnet: Devnet) -> None:
    env_backup = devnet.cast.env.copy()
    try:
        wrong = type(devnet.erp)(devnet.erp.role, devnet.erp.alias, devnet.erp.address, "not-it")
        result = devnet.cast.run(
            wrong, "submit", "--organisation", ORGANISATION, "--root", "0x" + "55" * 32, check=False
        )
    finally:
        devnet.cast.env = env_backup
    assert result.returncode == 2
    assert "cannot unlock account 'erp'" in result.stderr
