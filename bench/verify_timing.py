"""Wall time and RPC requests of the customs console check (``bci-verify``).

``run()`` starts its own anvil (OP-stack mode, chain id 84532) on a free
loopback port, deploys the three contracts with web3.py from the compiled
artifacts (``.build/__local__.json``; run ``ape compile`` first), onboards a
2-of-3 exporter, anchors sealed copies of a sample report and has an
accredited verifier attest them, so that the verdict is PASS. Then it times
``bci-verify`` as a subprocess on one sealed report (median of ``runs``), and
counts the JSON-RPC requests it makes, through a counting proxy on another
loopback port, for one report and for a batch of ``batch`` reports (one
multicall per 100). Writes ``bench/results/verify.json`` and prints one line.

``python bench/verify_timing.py`` runs it alone. ``LocalChain`` is reused by
``tests/e2e/test_verify.py`` to set up its chain state without extra processes.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_utils import keccak, to_checksum_address

from bci_registry import devnode
from bci_registry.deployment import DeployedContract, Deployment
from bci_registry.eip712 import Domain
from bci_registry.registry import approval_message
from bci_registry.report import disclose, load_report, seal_report
from bci_registry.report.files import write_text
from bci_registry.signatures import pack, sign

ROOT = devnode.PROJECT_ROOT
RESULTS_FILE = ROOT / "bench" / "results" / "verify.json"
BUILD_FILE = ROOT / ".build" / "__local__.json"
SAMPLE = ROOT / "samples" / "nmc811-module-kr-to-de.json"
WORKDIR = ROOT / ".devnet" / "bench-verify"
BCI_VERIFY = Path(sys.executable).with_name("bci-verify")
ORGANISATION = b"BENCH-CUSTOMS".ljust(32, b"\0")
VERIFIER_ID = keccak(text="verifier:bench-lab")
FAR_FUTURE = 2**40 - 1
YEAR = 365 * 86_400
ALL_FIELDS = 0xFFF
TARGET_SECONDS = 1.0


class LocalChain:
    """The registry on a local node, driven with web3.py and local keys (no Ape)."""

    def __init__(self, url: str, deployment: Deployment, keys: list[Any]) -> None:
        from web3 import HTTPProvider, Web3
        from web3.middleware import SignAndSendRawMiddlewareBuilder

        self.url = url
        self.deployment = deployment
        self.w3 = Web3(HTTPProvider(url))
        self.w3.middleware_onion.inject(SignAndSendRawMiddlewareBuilder.build(keys), layer=0)
        abis = _compiled("abi")
        self.registry = self.w3.eth.contract(
            to_checksum_address(deployment.registry), abi=abis["ReportRegistry"]
        )
        self.attestations = self.w3.eth.contract(
            to_checksum_address(deployment.attestations), abi=abis["AttestationRegistry"]
        )

    @classmethod
    def deploy(cls, url: str, governance: Any, network: str = devnode.DEVNET_NETWORK) -> LocalChain:
        """Deploy the report registry, the attestation registry and the multicall."""
        from web3 import HTTPProvider, Web3
        from web3.middleware import SignAndSendRawMiddlewareBuilder

        w3 = Web3(HTTPProvider(url))
        w3.middleware_onion.inject(SignAndSendRawMiddlewareBuilder.build([governance]), layer=0)
        abis, code = _compiled("abi"), _compiled("deploymentBytecode")

        def deploy(name: str, *args: Any) -> DeployedContract:
            factory = w3.eth.contract(abi=abis[name], bytecode=code[name]["bytecode"])
            receipt = _mined(w3, factory.constructor(*args).transact({"from": governance.address}))
            return DeployedContract(
                receipt["contractAddress"],
                receipt["blockNumber"],
                "0x" + receipt["transactionHash"].hex(),
            )

        # admin, governance, pauser: one key on a bench node (no timelock needed here)
        registry = deploy(
            "ReportRegistry", governance.address, governance.address, governance.address
        )
        attestations = deploy("AttestationRegistry", registry.address)
        multicall = deploy("Multicall")
        deployment = Deployment(
            network=network,
            chain_id=w3.eth.chain_id,
            report_registry=registry,
            attestation_registry=attestations,
            deployer=governance.address,
            governance=governance.address,
            pauser=governance.address,
            compiler="vyper 0.4.3",
            multicall=multicall,
        )
        return cls(url, deployment, [governance])

    def add_keys(self, *keys: Any) -> None:
        from web3.middleware import SignAndSendRawMiddlewareBuilder

        self.w3.middleware_onion.inject(SignAndSendRawMiddlewareBuilder.build(list(keys)), layer=0)

    def write_manifest(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.deployment.to_json(), indent=2) + "\n")
        return path

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def _send(self, call: Any, sender: Any) -> dict[str, Any]:
        return _mined(self.w3, call.transact({"from": sender.address}))

    def register_organisation(
        self, organisation: bytes, signers: list[Any], threshold: int, governance: Any
    ) -> None:
        addresses = [s.address for s in signers]
        call = self.registry.functions.register_organisation(
            organisation, addresses, threshold, [governance.address]
        )
        self._send(call, governance)

    def anchor(self, organisation: bytes, root: bytes, signers: list[Any], relayer: Any) -> None:
        """The ERP fast path: the signers' EIP-712 approvals, one transaction."""
        domain = Domain(
            chain_id=self.deployment.chain_id, verifying_contract=self.deployment.registry
        )
        record = self.registry.functions.organisation(organisation).call()
        members, version = record[2], record[5]
        blob = pack(
            (
                sign(
                    s.key,
                    domain,
                    "Approval",
                    approval_message(s.address, organisation, root, bytes(32), version, FAR_FUTURE),
                )
                for s in signers
            ),
            members,
        )
        self._send(self.registry.functions.anchor(organisation, root, FAR_FUTURE, blob), relayer)

    def accredit(self, verifier: str, governance: Any, scope: int = ALL_FIELDS) -> None:
        now = self.now()
        call = self.attestations.functions.accredit_verifier(
            verifier, VERIFIER_ID, scope, now - 1, now + YEAR
        )
        self._send(call, governance)

    def attest(
        self,
        organisation: bytes,
        root: bytes,
        verifier: Any,
        verdict: int = 1,
        fields: int = ALL_FIELDS,
    ) -> None:
        now = self.now()
        evidence = keccak(text="evidence:bench-audit-certificate")
        # An attestation may not outlive its verifier's accreditation.
        accredited_until = self.attestations.functions.verifier(verifier.address).call()[5]
        call = self.attestations.functions.attest(
            organisation,
            root,
            verdict,
            fields,
            evidence,
            now - 60,
            min(now + YEAR, accredited_until),
        )
        self._send(call, verifier)

    def revoke_attestation(
        self, organisation: bytes, root: bytes, verifier: Any, reason: int = 1
    ) -> None:
        call = self.attestations.functions.revoke_attestation(organisation, root, reason)
        self._send(call, verifier)

    def pause(self, pauser: Any) -> None:
        self._send(self.registry.functions.pause(), pauser)

    def unpause(self, governance: Any) -> None:
        self._send(self.registry.functions.unpause(), governance)


def _compiled(key: str) -> dict[str, Any]:
    try:
        types = json.loads(BUILD_FILE.read_text())["contractTypes"]
        return {
            name: types[name][key]
            for name in ("ReportRegistry", "AttestationRegistry", "Multicall")
        }
    except (OSError, KeyError, ValueError) as exc:
        raise RuntimeError(
            f"no compiled contracts in {BUILD_FILE} ({exc}): run `ape compile`"
        ) from exc


def _mined(w3: Any, tx_hash: Any) -> dict[str, Any]:
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction {tx_hash.hex()} reverted")
    return dict(receipt)


def seal_copies(
    workdir: Path, count: int, organisation: bytes = ORGANISATION
) -> list[tuple[bytes, Path]]:
    """``count`` sealed copies of the sample for ``organisation`` (fresh salts: distinct roots)."""
    report = load_report(SAMPLE)
    out = []
    for i in range(count):
        sealed = seal_report(report, organisation=organisation)
        path = workdir / "reports" / f"report-{i:03d}.sealed.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, sealed.to_json(), private=True)
        if i == 0:
            disclosure = disclose(sealed, ["shipment", "batteryIdentifiers", "recycledContent"])
            write_text(workdir / "report-000.disclosure.json", disclosure.to_json())
        out.append((sealed.root, path))
    return out


# ------------------------------------------------------------ counting proxy


class CountingProxy:
    """A loopback JSON-RPC proxy that counts the methods it forwards."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.methods: Counter[str] = Counter()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                payload = json.loads(body)
                for request in payload if isinstance(payload, list) else [payload]:
                    proxy.methods[request.get("method", "?")] += 1
                forward = urllib.request.Request(
                    proxy.target, body, {"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(forward, timeout=30) as answer:
                    data = answer.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer((devnode.HOST, 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{devnode.HOST}:{self.server.server_address[1]}"

    def __enter__(self) -> CountingProxy:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def take(self) -> dict[str, int]:
        counts = dict(self.methods)
        self.methods.clear()
        return counts


def free_port() -> int:
    with socket.socket() as s:
        s.bind((devnode.HOST, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Timed:
    seconds: float
    returncode: int
    stdout: str


def run_verify(manifest: Path, url: str, *files: Path, extra: tuple[str, ...] = ()) -> Timed:
    command = [str(BCI_VERIFY), "--manifest", str(manifest), "--rpc-url", url, *extra]
    started = time.perf_counter()
    result = subprocess.run(
        [*command, *map(str, files)], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    return Timed(seconds, result.returncode, result.stdout + result.stderr)


def _import_seconds() -> float:
    """What importing the console's modules alone costs (a fresh interpreter, no check)."""
    modules = "bci_registry.customs.cli, bci_registry.customs.chain, bci_registry.customs.verify"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {modules}"], check=True, capture_output=True)
    return time.perf_counter() - started


def run(runs: int = 5, batch: int = 100, write: bool = True, quiet: bool = False) -> dict[str, Any]:
    """Time ``bci-verify`` on one report and count its RPC requests; see the module docstring."""
    shutil.rmtree(WORKDIR, ignore_errors=True)
    WORKDIR.mkdir(parents=True)
    node = devnode.start(WORKDIR, port=free_port())
    try:
        governance, relayer, verifier = Account.create(), Account.create(), Account.create()
        signers = [Account.create() for _ in range(3)]
        for account in (governance, relayer, verifier):
            node.set_balance(account.address, 10**20)
        chain = LocalChain.deploy(node.url, governance)
        chain.add_keys(relayer, verifier)
        manifest = chain.write_manifest(WORKDIR / "deployments" / "base-devnet.json")
        chain.register_organisation(ORGANISATION, signers, 2, governance)
        chain.accredit(verifier.address, governance)
        reports = seal_copies(WORKDIR, max(batch, 1))
        for root, _ in reports:
            chain.anchor(ORGANISATION, root, signers[:2], relayer)
            chain.attest(ORGANISATION, root, verifier)
        delivery = ("--delivery", str(chain.now() + 3600))
        one = reports[0][1]

        warm = run_verify(manifest, node.url, one, extra=delivery)  # warms the file cache
        if warm.returncode != 0:
            raise RuntimeError(f"bci-verify did not pass the sample:\n{warm.stdout}")
        timings = [run_verify(manifest, node.url, one, extra=delivery).seconds for _ in range(runs)]
        help_floor = statistics.median(
            run_verify(manifest, node.url, extra=("--help",)).seconds for _ in range(min(runs, 3))
        )
        imports = statistics.median(_import_seconds() for _ in range(min(runs, 3)))
        with CountingProxy(node.url) as proxy:
            single = run_verify(manifest, proxy.url, one, extra=delivery)
            single_rpc = proxy.take()
            many = run_verify(manifest, proxy.url, *(p for _, p in reports), extra=delivery)
            batch_rpc = proxy.take()
        if single.returncode != 0 or many.returncode != 0:
            raise RuntimeError(
                f"bci-verify failed through the proxy:\n{single.stdout}{many.stdout}"
            )
    finally:
        node.stop()

    median = statistics.median(timings)
    result: dict[str, Any] = {
        "operation": "bci_verify_one_sealed_report",
        "wall_seconds_median": round(median, 3),
        "wall_seconds_runs": [round(t, 3) for t in timings],
        "target_seconds": TARGET_SECONDS,
        "meets_target": median <= TARGET_SECONDS,
        "wall_seconds_best": round(min(timings), 3),
        "startup_seconds_help": round(help_floor, 3),
        "import_seconds": round(imports, 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "rpc_requests_one_report": single_rpc,
        "eth_calls_per_report": single_rpc.get("eth_call", 0),
        "batch_reports": len(reports),
        "rpc_requests_batch": batch_rpc,
        "batch_wall_seconds": round(many.seconds, 3),
        "cpus": os.cpu_count(),
    }
    if write:
        RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        RESULTS_FILE.write_text(json.dumps(result, indent=2) + "\n")
    if not quiet:
        print(
            f"bci-verify: {median:.2f} s median for one report (best {min(timings):.2f} s, "
            f"target {TARGET_SECONDS:.1f} s; of which imports "
            f"{imports:.2f} s); RPC per report {single_rpc}; "
            f"{len(reports)} reports: {batch_rpc} in {many.seconds:.2f} s"
        )
    return result


if __name__ == "__main__":
    run()
