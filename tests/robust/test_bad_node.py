"""A misbehaving node against `bci-verify` (in-process and as a process) and `ape run status`.

Every case must end within its deadline with exit 2 and one line naming the
node (issue 9, points 1 and 3).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bci_registry.customs.cli import main as verify_main

from .badnode import MODES, BadNode

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: Per-request and per-run limits the cases use; each case must end within TOTAL + slack.
REQUEST, TOTAL, SLACK = 1.5, 4.0, 2.0


def verify_args(manifest: Path, sealed: Path, url: str, *extra: str) -> list[str]:
    return [
        "--manifest", str(manifest), "--rpc-url", url, "--delivery", "now",
        "--timeout", str(REQUEST), "--total-timeout", str(TOTAL), *extra, str(sealed),
    ]  # fmt: skip


@pytest.mark.parametrize("mode", MODES)
def test_bci_verify_in_process_ends_with_exit_2(
    mode: str, manifest_file: Path, sealed_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with BadNode(mode, drip_interval=0.3) as node:
        started = time.monotonic()
        code = verify_main(verify_args(manifest_file, sealed_file, node.url))
        elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 2, err
    assert elapsed < TOTAL + SLACK, f"{mode}: {elapsed:.1f} s"
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ")


def test_drip_slower_than_the_run_is_cut_by_the_overall_deadline(
    manifest_file: Path, sealed_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Each request may take 30 s, but the whole run only 2 s: the overall deadline wins.
    with BadNode("drip", drip_interval=0.2) as node:
        started = time.monotonic()
        args = verify_args(manifest_file, sealed_file, node.url)
        args[args.index("--timeout") + 1] = "30"
        args[args.index("--total-timeout") + 1] = "2"
        code = verify_main(args)
        elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 2 and elapsed < 2 + SLACK
    assert node.url in err and "overall deadline of 2 s" in err and "eth_chainId" in err


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("localhost", "is not an http:// or https:// URL"),
        ("http://[::1", "is not a usable URL"),
        ("http://127.0.0.1:99999", "is not a usable URL"),
        ("localhost:8545", "is not an http:// or https:// URL"),
    ],
)
def test_url_typos_are_bad_input(
    url: str,
    message: str,
    manifest_file: Path,
    sealed_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert verify_main(verify_args(manifest_file, sealed_file, url)) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("mode", ["silent", "drip", "chain-id-0xzz", "huge"])
def test_bci_verify_process_ends_with_exit_2(
    mode: str, manifest_file: Path, sealed_file: Path
) -> None:
    with BadNode(mode, drip_interval=0.3) as node:
        started = time.monotonic()
        result = subprocess.run(
            [str(BIN / "bci-verify"), *verify_args(manifest_file, sealed_file, node.url)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    assert elapsed < TOTAL + SLACK + 3  # + interpreter start-up
    assert "Traceback" not in result.stderr and node.url in result.stderr


def _ape_status(
    url: str, root: str, env: dict[str, str], request: str, command: str
) -> subprocess.Popen[str]:
    args = [
        str(BIN / "ape"), "run", "status", "--network", f"base:devnet:{url}",
        "--organisation", "NL862345671", "--root", root,
        "--request-timeout", request, "--command-timeout", command,
    ]  # fmt: skip
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


#: mode -> (--request-timeout, --command-timeout, what the error line must say).
#: silent, drip and slow headers hung for minutes; deep JSON crashed Ape with SIGSEGV;
#: a null chain id and HTML ended in tracebacks.
APE_CASES = {
    "silent": ("2", "20", "did not answer within 2 s (--request-timeout)"),
    "drip": ("2", "20", "did not answer within 2 s (--request-timeout)"),
    "slow-headers": ("30", "4", "stopped after 4 s (--command-timeout)"),
    "deep-json": ("5", "20", "nested deeper than 64 levels"),
    "chain-id-null": ("5", "20", "gave an answer Ape cannot use"),
    "not-json": ("5", "20", "not valid JSON"),
    "huge": ("5", "20", "larger than"),
}


def test_ape_run_status_ends_with_exit_2_within_its_deadlines(tmp_path: Path) -> None:
    """`ape run status` against misbehaving nodes: each ends, names the node and what failed."""
    env = {
        **os.environ,
        "APE_DATA_FOLDER": str(tmp_path / "ape-data"),
        "BCI_DEPLOYMENTS_DIR": str(tmp_path / "deployments"),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    root = "0x" + "ab" * 32
    nodes = {mode: BadNode(mode, drip_interval=1.0) for mode in APE_CASES}
    try:
        started = time.monotonic()
        processes = {
            mode: _ape_status(node.url, root, env, *APE_CASES[mode][:2])
            for mode, node in nodes.items()
        }
        results = {}
        for mode, process in processes.items():
            try:
                _, err = process.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                _, err = process.communicate()
                pytest.fail(f"ape run status against a {mode} node did not end: {err[-500:]}")
            results[mode] = (process.returncode, err, time.monotonic() - started)
    finally:
        for node in nodes.values():
            node.stop()
    for mode, (code, err, elapsed) in results.items():
        lines = [line for line in err.splitlines() if line.startswith("error:")]
        assert code == 2, f"{mode}: {err[-800:]}"
        assert lines and nodes[mode].url in lines[-1], f"{mode}: {err[-800:]}"
        assert APE_CASES[mode][2] in lines[-1], f"{mode}: {lines[-1]}"
        assert "Traceback" not in err
        # Ape's own start-up (8-20 s here, all cases at once) precedes the deadlines.
        assert elapsed < 20 + 60, f"{mode}: {elapsed:.0f} s"
