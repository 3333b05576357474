"""Customs over JSON-RPC: `bci-verify` and `ape run verify` as separate processes on anvil.

The chain state (an anchored, attested sample) is set up from this process with
the actors' own keystores and web3.py (`bench/verify_timing.LocalChain`): the
processes under test are the customs commands.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from eth_account import Account

from bci_registry import devnode
from bci_registry.actors import Cast
from bci_registry.deployment import load_path
from bci_registry.keys import accounts_folder
from bci_registry.registry import organisation_id
from bci_registry.report import disclose, load_report, seal_report
from bci_registry.report.files import write_text
from conftest import ORGANISATION, Devnet

pytestmark = pytest.mark.e2e

BCI_VERIFY = Path(sys.executable).with_name("bci-verify")
SAMPLE = devnode.PROJECT_ROOT / "samples" / "lfp-ess-cn-to-jp.json"


def _bench() -> ModuleType:
    path = devnode.PROJECT_ROOT / "bench" / "verify_timing.py"
    spec = importlib.util.spec_from_file_location("verify_timing", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _key(devnet: Devnet, alias: str, passphrase: str) -> Any:
    keystore = json.loads((accounts_folder(devnet.cast.ape_data) / f"{alias}.json").read_text())
    return Account.from_key(Account.decrypt(keystore, passphrase))


@dataclass(frozen=True)
class Files:
    manifest: Path
    sealed: Path
    disclosure: Path
    tampered: Path
    delivery: str
    chain: Any  # bench/verify_timing.LocalChain
    keys: dict[str, Any]


@pytest.fixture(scope="module")
def files(devnet: Devnet) -> Files:
    """The sample sealed, anchored 2-of-3 and attested; a disclosure and a tampered copy."""
    workdir = devnet.cast.workdir
    manifest = workdir / "deployments" / "base-devnet.json"
    keys = {
        a.alias: _key(devnet, a.alias, a.passphrase)
        for a in (devnet.governance, devnet.relayer, devnet.verifier, *devnet.signers[:2])
    }
    chain = _bench().LocalChain(devnet.node.url, load_path(manifest), list(keys.values()))
    sealed = seal_report(load_report(SAMPLE), organisation=organisation_id(ORGANISATION))
    chain.anchor(
        organisation_id(ORGANISATION),
        sealed.root,
        [keys[s.alias] for s in devnet.signers[:2]],
        keys[devnet.relayer.alias],
    )
    chain.accredit(devnet.verifier.address, keys[devnet.governance.alias])
    chain.attest(organisation_id(ORGANISATION), sealed.root, keys[devnet.verifier.alias])

    sealed_path = workdir / "lfp.sealed.json"
    write_text(sealed_path, sealed.to_json(), private=True)
    disclosure_path = workdir / "lfp.disclosure.json"
    disclosure = disclose(sealed, ["shipment", "batteryIdentifiers", "recycledContent"])
    write_text(disclosure_path, disclosure.to_json())
    data = json.loads(sealed.to_json())
    shipment = json.loads(data["fields"][8]["value"])
    shipment["consignee"]["name"] = "Someone Else K.K."
    data["fields"][8]["value"] = json.dumps(shipment, separators=(",", ":"), sort_keys=True)
    tampered_path = workdir / "lfp.tampered.json"
    tampered_path.write_text(json.dumps(data, indent=2))
    return Files(
        manifest, sealed_path, disclosure_path, tampered_path, str(chain.now() + 3600), chain, keys
    )


def _closed_port_url() -> str:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind((devnode.HOST, 0))
        return f"http://{devnode.HOST}:{s.getsockname()[1]}"


def bci_verify(devnet: Devnet, files: Files, *args: str, url: str | None = None) -> Any:
    command = [
        str(BCI_VERIFY),
        "--manifest",
        str(files.manifest),
        "--rpc-url",
        url or devnet.node.url,
        "--delivery",
        files.delivery,
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_bci_verify_passes_a_sealed_report_and_a_disclosure(devnet: Devnet, files: Files) -> None:
    sealed = bci_verify(devnet, files, str(files.sealed))
    assert sealed.returncode == 0, sealed.stdout + sealed.stderr
    assert sealed.stdout.startswith(f"PASS  {files.sealed}")
    assert "FAILED" not in sealed.stdout
    disclosure = bci_verify(devnet, files, "--json", str(files.disclosure))
    assert disclosure.returncode == 0, disclosure.stdout + disclosure.stderr
    (report,) = json.loads(disclosure.stdout)["reports"]
    assert report["verdict"] == "PASS" and report["kind"] == "disclosure"
    assert report["disclosed_fields"] == ["recycledContent", "batteryIdentifiers", "shipment"]


def test_bci_verify_fails_a_tampered_report_with_the_reason(devnet: Devnet, files: Files) -> None:
    result = bci_verify(devnet, files, str(files.tampered))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"FAIL  {files.tampered}"
    (file_check,) = [line for line in lines if "file proves the root" in line]
    assert file_check.lstrip().startswith("FAILED")
    assert "$.root: does not match the fields" in file_check
    # The anchor itself is fine: only the file (and so the organisation it names) fails.
    failed = [line for line in lines if line.lstrip().startswith("FAILED")]
    assert len(failed) == 2 and "exporter in the proof" in failed[1]


def test_bci_verify_bad_input_exits_2(devnet: Devnet, files: Files, tmp_path: Path) -> None:
    closed = _closed_port_url()
    unreachable = bci_verify(devnet, files, str(files.sealed), url=closed)
    assert unreachable.returncode == 2
    assert unreachable.stderr == f"error: node at {closed} is unreachable (connection refused)\n"
    malformed = tmp_path / "truncated.json"
    malformed.write_text(files.sealed.read_text()[:100])
    result = bci_verify(devnet, files, str(malformed))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {malformed} is not valid JSON")
    assert result.stdout == ""


def test_ape_run_verify_gives_the_same_verdicts(devnet: Devnet, files: Files) -> None:
    result = devnet.cast.run(
        None,
        "verify",
        "--delivery",
        files.delivery,
        "--json",
        str(files.sealed),
        str(files.disclosure),
        str(files.tampered),
        check=False,
    )
    assert result.returncode == 1, result.stderr
    outcome = json.loads(result.stdout[result.stdout.index("{") :])
    assert [r["verdict"] for r in outcome["reports"]] == ["PASS", "PASS", "FAIL"]
    direct = bci_verify(
        devnet, files, "--json", str(files.sealed), str(files.disclosure), str(files.tampered)
    )
    assert [r["checks"] for r in json.loads(direct.stdout)["reports"]] == [
        r["checks"] for r in outcome["reports"]
    ]
    malformed = devnet.cast.run(None, "verify", str(files.manifest), check=False)
    assert malformed.returncode == 2
    assert "is neither a sealed report (no 'fields') nor a disclosure" in malformed.stderr


def test_ape_run_verify_unreachable_node_exits_2(devnet: Devnet, files: Files) -> None:
    closed = _closed_port_url()
    elsewhere = Cast(devnet.cast.workdir, network=f"{devnode.DEVNET_NETWORK}:{closed}")
    result = elsewhere.run(None, "verify", "--delivery", files.delivery, str(files.sealed),
                           check=False)  # fmt: skip
    assert result.returncode == 2
    assert f"error: node at {closed} unreachable" in result.stderr
    assert result.stderr.strip().endswith(f"No (supported) node found on '{closed}'.")


def test_the_timing_bench_counts_one_call_per_report_and_per_batch() -> None:
    result = _bench().run(runs=1, batch=3, write=False, quiet=True)
    assert result["rpc_requests_one_report"] == {"eth_chainId": 1, "eth_call": 1}
    assert result["rpc_requests_batch"] == {"eth_chainId": 1, "eth_call": 1}
    assert result["batch_reports"] == 3
    assert 0 < result["wall_seconds_median"] < 30


OTHER_ORGANISATION = "DE-EORI-DE9876543210"


def test_a_report_sealed_for_one_exporter_fails_when_another_anchored_it(
    devnet: Devnet, files: Files
) -> None:
    """Sealed for KR-…, anchored by DE-… (its own signer): customs names the exporter."""
    chain, keys = files.chain, files.keys
    other = organisation_id(OTHER_ORGANISATION)
    signer = keys[devnet.signers[1].alias]
    chain.register_organisation(other, [signer], 1, keys[devnet.governance.alias])
    sealed = seal_report(load_report(SAMPLE), organisation=organisation_id(ORGANISATION))
    chain.anchor(other, sealed.root, [signer], keys[devnet.relayer.alias])
    chain.attest(other, sealed.root, keys[devnet.verifier.alias])
    path = devnet.cast.workdir / "sealed-for-kr-anchored-by-de.json"
    write_text(path, sealed.to_json(), private=True)
    result = bci_verify(devnet, files, str(path))
    assert result.returncode == 1, result.stdout + result.stderr
    (anchored,) = [
        line for line in result.stdout.splitlines() if "anchored by that exporter" in line
    ]
    assert anchored.lstrip().startswith("FAILED")
    assert f"under organisation {ORGANISATION}, the exporter the file's proof names" in anchored
    assert f"organisation {ORGANISATION}" in result.stdout.splitlines()[1]


def test_a_paused_registry_fails_unless_the_policy_accepts_it(
    devnet: Devnet, files: Files, tmp_path: Path
) -> None:
    chain, governance = files.chain, files.keys[devnet.governance.alias]
    chain.pause(governance)  # the deploy script made governance the pauser
    try:
        paused = bci_verify(devnet, files, str(files.sealed))
        assert paused.returncode == 1, paused.stdout + paused.stderr
        assert "the registry is PAUSED" in paused.stdout
        (check,) = [line for line in paused.stdout.splitlines() if "registry not paused" in line]
        assert check.lstrip().startswith("FAILED")
        policy = tmp_path / "policy.yaml"
        policy.write_text("fail_when_paused: false\n")
        lenient = bci_verify(devnet, files, "--policy", str(policy), "--json", str(files.sealed))
        assert lenient.returncode == 0, lenient.stdout + lenient.stderr
        (report,) = json.loads(lenient.stdout)["reports"]
        assert report["paused"] is True and report["verdict"] == "PASS"
    finally:
        chain.unpause(governance)


def test_the_devnet_port_comes_from_the_environment(devnet: Devnet, files: Files) -> None:
    """`base:devnet` and bci-verify's default URL follow $BCI_DEVNET_PORT (not 18545)."""
    plain = Cast(devnet.cast.workdir, network=devnode.DEVNET_NETWORK, port=devnet.node.port)
    status = plain.run(
        None, "status", "--organisation", ORGANISATION, "--root", "0x" + "99" * 32, "--json"
    )
    assert json.loads(status.stdout)["state"] == "unknown"
    env = {**plain.env}
    result = subprocess.run(
        [str(BCI_VERIFY), "--manifest", str(files.manifest), "--delivery", files.delivery,
         str(files.sealed)],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
