"""`bci-verify` in process: arguments and every kind of bad input end as exit 2 with one line."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from bci_registry.customs.cli import main

from .helpers import write_sample


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A sealed sample, a manifest and the URL of a loopback port nobody listens on."""
    directory = tmp_path_factory.mktemp("cli")
    _, sealed, _ = write_sample(directory)
    contract = {"address": "0x" + "00" * 19 + "01", "block": 1, "transaction": "0x" + "00" * 32}
    manifest = directory / "base-devnet.json"
    manifest.write_text(json.dumps({
        "network": "base:devnet", "chain_id": 84532, "report_registry": contract,
        "attestation_registry": contract, "deployer": contract["address"],
        "governance": contract["address"], "pauser": contract["address"],
        "compiler": "vyper 0.4.3",
    }))  # fmt: skip
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    return sealed, manifest, closed


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert captured.out == ""
    return code, captured.err


def test_unreachable_node(
    setup: tuple[Path, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    sealed, manifest, closed = setup
    code, err = run(capsys, "--manifest", str(manifest), "--rpc-url", closed, "--delivery", "1",
                    str(sealed))  # fmt: skip
    assert (code, err) == (2, f"error: node at {closed} is unreachable (connection refused)\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--manifest", "{dir}/none.json"], "error: no deployment manifest at {dir}/none.json\n"),
        (["--delivery", "tomorrow"], "error: --delivery 'tomorrow' is neither unix seconds"),
        (["--policy", "{dir}/none.yaml"], "error: cannot read the policy {dir}/none.yaml"),
    ],
)
def test_bad_input_is_named(
    setup: tuple[Path, Path, str],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    sealed, manifest, closed = setup
    here = str(sealed.parent)
    given = [a.format(dir=here) for a in args]
    base = ["--manifest", str(manifest), "--rpc-url", closed, "--delivery", "1"]
    code, err = run(capsys, *base, *given, str(sealed))
    assert code == 2
    assert err.startswith(message.format(dir=here))


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["report.json"])
    assert caught.value.code == 2
    assert "the following arguments are required: --manifest" in capsys.readouterr().err
