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
    assert "anchored" in result.stdout and "2 approval(s)" in result.stdout
    status = json.loads(
        devnet.cast.run(
            None, "status", "--organisation", ORGANISATION, "--root", root, "--json"
        ).stdout
    )
    assert status["state"] == "anchored"
    assert status["approvals"] == 2 and status["threshold"] == 2
    assert status["organisation"] == ORGANISATION
    assert status["approvers"] == 0b101
    # Running the same submission again sends nothing: it is anchored already.
    again = devnet.cast.run(
        devnet.erp, "submit", "--organisation", ORGANISATION, "--root", root, *approvals
    )
    assert "is already anchored under KR-EORI-KR1234567890123: nothing sent" in again.stdout


def test_malformed_root_is_bad_input(devnet: Devnet) -> None:
    result = devnet.cast.run(
        None, "status", "--organisation", ORGANISATION, "--root", "0x1234", check=False
    )
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
    assert result.returncode == 2  # refused before anything is sent
    assert "is not one of the organisation's signers" in result.stderr
    status = json.loads(
        devnet.cast.run(
            None, "status", "--organisation", ORGANISATION, "--root", root, "--json"
        ).stdout
    )
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


def test_signers_approve_a_pending_report_on_chain_seeing_what_they_approve(
    devnet: Devnet,
) -> None:
    """`approve --send` shows the organisation and the predecessor, and commits to them."""
    pending = "0x" + "5a" * 32
    devnet.cast.run(devnet.erp, "submit", "--organisation", ORGANISATION, "--root", pending)
    first = devnet.cast.run(
        devnet.signers[0], "approve", "--organisation", ORGANISATION, "--root", pending, "--send"
    ).stdout
    assert f"organisation  {ORGANISATION}" in first
    assert "corrects      nothing" in first
    assert "(1 of 2, now pending)" in first
    # A signer who expects another predecessor is refused before anything is sent.
    wrong = devnet.cast.run(
        devnet.signers[1], "approve", "--organisation", ORGANISATION, "--root", pending,
        "--supersedes", "0x" + "01" * 32, "--send", check=False,
    )  # fmt: skip
    assert wrong.returncode == 2 and "nothing sent" in wrong.stderr
    second = devnet.cast.run(
        devnet.signers[1], "approve", "--organisation", ORGANISATION, "--root", pending, "--send"
    ).stdout
    assert "(2 of 2, now anchored)" in second
