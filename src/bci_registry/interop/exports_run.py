"""`python -m bci_registry.interop.exports_run [OUT_DIR]`: the sample exports from an anvil run.

For each sample report (samples/*.json): register its exporter (3 signers, 2-of-3),
seal the report with fixed salts, anchor it with two signers' EIP-712 approvals, have
the accredited verifier attest all 12 fields, then run ``bci-report export --as
untp-dcc`` and ``--as epcis`` as separate processes. Output (default
``samples/exports/``): per sample ``<name>.dcc.jwt``, ``<name>.dcc.json``,
``<name>.did.json`` (the verifier's DID document), ``<name>.epcis.json``, and the
verifier's ``status-list.jwt`` / ``status-list.json`` / ``status-allocations.json``.

Deterministic, so the committed files can be compared byte for byte: the keys are
anvil's public development mnemonic (never use it elsewhere), the salts are derived
from the sample name, and every transaction's block time is fixed
(``evm_setTime`` / ``evm_setNextBlockTimestamp``), so addresses, transaction hashes,
roots and times come out the same on every run.

The chain is driven with web3.py (``bench/verify_timing.LocalChain``, which deploys from
the compiled artifacts in ``.build/``: run ``ape compile`` first).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from bci_registry import devnode
from bci_registry.registry import organisation_id
from bci_registry.report import ALL_FIELDS_MASK, SealedReport, load_report, seal_report
from bci_registry.report.fields import REPORT_FIELDS
from bci_registry.report.files import write_text

ROOT: Final = devnode.PROJECT_ROOT
SAMPLES: Final = ROOT / "samples"
OUT_DIR: Final = SAMPLES / "exports"
WORKDIR: Final = ROOT / ".devnet" / "exports"
BIN: Final = Path(sys.executable).parent
DEV_MNEMONIC: Final = "test test test test test test test test test test test junk"
"""anvil's public development mnemonic: these keys guard nothing."""
SAMPLE_NAMES: Final = ("lfp-ess-cn-to-jp", "nca-cells-jp-to-kr", "nmc811-module-kr-to-de")
VERIFIER_DOMAIN: Final = "verifier.example"
VERIFIER_NAME: Final = "Example Verification Body"
VERIFIER_ID: Final = b"EXAMPLE-VERIFIER-0001".ljust(32, b"\0")
GS1_PREFIX_LENGTH: Final = 7
DCC_FIELDS: Final = ("batteryIdentifiers", "shipment", "recycledContent", "batteryCarbonFootprint")
"""The fields each sample DCC discloses (the attestation covers all 12)."""
START: Final = int(datetime(2025, 5, 1, tzinfo=UTC).timestamp())
DAY: Final = 86_400
YEAR: Final = 365 * DAY
ONE_ETHER: Final = 10**18


def fixed_salts(name: str) -> dict[str, bytes]:
    """Published salts for a published sample (a real report gets fresh random salts)."""
    return {
        leaf: hashlib.sha256(f"bci-registry sample export salt/{name}/{leaf}".encode()).digest()
        for leaf in (*REPORT_FIELDS, "organisation")
    }


def dev_keys(count: int) -> list[Any]:
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    return [
        Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}")
        for i in range(count)
    ]


def _bench() -> ModuleType:
    path = ROOT / "bench" / "verify_timing.py"
    module = sys.modules.get("verify_timing")
    if module is not None:
        return module
    spec = importlib.util.spec_from_file_location("verify_timing", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _delivery(report: Mapping[str, Any]) -> int:
    day = date.fromisoformat(report["shipment"]["deliveryDate"])
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


@dataclass
class Prepared:
    """One sample on chain: its sealed report and the times it was anchored and attested."""

    name: str
    sealed: SealedReport
    sealed_path: Path
    organisation: bytes
    delivery: int


@dataclass
class Run:
    """The chain and the actors of an exports run (kept for the tests' further steps)."""

    node: devnode.DevNode
    chain: Any
    manifest: Path
    workdir: Path
    governance: Any
    signers: list[Any]
    verifier: Any
    key_file: Path
    clock: list[int] = field(default_factory=lambda: [START])
    prepared: dict[str, Prepared] = field(default_factory=dict)

    def at(self, moment: int) -> None:
        """The next transaction's block time."""
        if moment <= self.clock[0]:
            moment = self.clock[0] + 1
        # An empty block at ``moment`` (gas estimation runs on the latest block), then
        # the transaction's block one second later.
        self.node.rpc("evm_setTime", [hex(moment)])
        self.node.rpc("evm_mine", [hex(moment)])
        self.node.rpc("evm_setNextBlockTimestamp", [hex(moment + 1)])
        self.clock[0] = moment + 1

    def send(self, moment: int, call: Any, sender: Any) -> dict[str, Any]:
        self.at(moment)
        receipt: dict[str, Any] = self.chain._send(call, sender)
        return receipt

    def revoke(self, name: str, reason: int = 1) -> None:
        """The verifier revokes its attestation of a sample (one block later)."""
        prepared = self.prepared[name]
        call = self.chain.attestations.functions.revoke_attestation(
            prepared.organisation, prepared.sealed.root, reason
        )
        self.send(self.clock[0] + 60, call, self.verifier)


def start(workdir: Path = WORKDIR) -> Run:
    """A fresh anvil with the registry deployed and the verifier accredited, at fixed times."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    node = devnode.start(workdir, port=devnode.free_port())
    try:
        keys = dev_keys(5)
        governance, signers, verifier = keys[0], keys[1:4], keys[4]
        for key in keys:
            node.set_balance(key.address, 10 * ONE_ETHER)
        node.rpc("evm_setTime", [hex(START - 3600)])
        node.rpc("evm_setNextBlockTimestamp", [hex(START - 600)])
        chain = _bench().LocalChain.deploy(node.url, governance)
        chain.add_keys(*signers, verifier)
        manifest = chain.write_manifest(workdir / "deployments" / "base-devnet.json")
        key_file = workdir / "verifier.key"
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(verifier.key.hex() + "\n")
        run = Run(node, chain, manifest, workdir, governance, signers, verifier, key_file)
        call = chain.attestations.functions.accredit_verifier(
            verifier.address, VERIFIER_ID, ALL_FIELDS_MASK, START, START + 3 * YEAR
        )
        run.send(START, call, governance)
        return run
    except BaseException:
        node.stop()
        raise


def anchor_and_attest(run: Run, name: str, report: Mapping[str, Any]) -> Prepared:
    """Register the sample's exporter, seal, anchor (2-of-3) and attest (all 12 fields)."""
    operator = report["facilityAndOperator"]["operator"]["id"]
    organisation = organisation_id(operator)
    delivery = _delivery(report)
    chain = run.chain
    run.at(delivery - 3 * DAY)
    chain.register_organisation(organisation, run.signers, 2, run.governance)
    sealed = seal_report(report, fixed_salts(name), organisation=organisation)
    sealed_path = run.workdir / f"{name}.sealed.json"
    write_text(sealed_path, sealed.to_json(), private=True)
    run.at(delivery - 2 * DAY)
    chain.anchor(organisation, sealed.root, run.signers[:2], run.governance)
    certificate = f"Audit certificate for {name}, report {sealed.root_hex}: all 12 fields verified."
    evidence = hashlib.sha256(certificate.encode()).digest()
    verified_at = delivery - 2 * DAY + 3600
    call = chain.attestations.functions.attest(
        organisation, sealed.root, 1, ALL_FIELDS_MASK, evidence, verified_at, verified_at + 2 * YEAR
    )
    run.send(verified_at + 600, call, run.verifier)
    prepared = Prepared(name, sealed, sealed_path, organisation, delivery)
    run.prepared[name] = prepared
    return prepared


def export_commands(run: Run, prepared: Prepared, out_dir: Path) -> list[list[str]]:
    """The two ``bci-report export`` commands of one sample."""
    common = [
        "--manifest", str(run.manifest), "--rpc-url", run.node.url, "-o", str(out_dir),
        "--stem", prepared.name, "--gs1-prefix-length", str(GS1_PREFIX_LENGTH),
    ]  # fmt: skip
    dcc = [
        str(BIN / "bci-report"), "export", "--as", "untp-dcc", str(prepared.sealed_path), *common,
        "--key-file", str(run.key_file), "--verifier-domain", VERIFIER_DOMAIN,
        "--verifier-name", VERIFIER_NAME,
        "--status-state", str(out_dir / "status-allocations.json"),
        *(arg for f in DCC_FIELDS for arg in ("--disclose", f)),
    ]  # fmt: skip
    epcis = [
        str(BIN / "bci-report"), "export", "--as", "epcis", str(prepared.sealed_path), *common,
        "--verifier", f"{run.verifier.address}={VERIFIER_DOMAIN}",
    ]  # fmt: skip
    return [dcc, epcis]


def export(run: Run, out_dir: Path, names: Sequence[str]) -> None:
    """Run the exports of ``names`` (already on chain) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        for command in export_commands(run, run.prepared[name], out_dir):
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise RuntimeError(f"{' '.join(command[1:4])} {name} failed: {result.stderr}")


def produce(
    out_dir: Path,
    reports: Mapping[str, Mapping[str, Any]] | None = None,
    workdir: Path = WORKDIR,
    then: Callable[[Run], None] | None = None,
) -> None:
    """The whole run: every sample (in delivery order) on one fresh chain, then the exports.

    ``then`` gets the live run before the node stops (the tests' further steps).
    """
    if reports is None:
        reports = {name: load_report(SAMPLES / f"{name}.json") for name in SAMPLE_NAMES}
    run = start(workdir)
    try:
        for name in sorted(reports, key=lambda n: _delivery(reports[n])):
            anchor_and_attest(run, name, reports[name])
        # Exports read the chain as of its last block: a fixed time.
        export(run, out_dir, list(reports))
        if then is not None:
            then(run)
    finally:
        run.node.stop()


def _signing_input(token: str) -> str:
    return token.strip().rpartition(".")[0]


def jwt_signature_verifies(token: str, did_document: Mapping[str, Any]) -> bool:
    """Whether ``token`` (a compact JWS by the DID document's key) verifies."""
    from joserfc import jws
    from joserfc.errors import JoseError
    from joserfc.jwk import ECKey

    jwk = did_document["verificationMethod"][0]["publicKeyJwk"]
    try:
        jws.deserialize_compact(token.strip(), ECKey.import_key(jwk), algorithms=["ES256K"])
    except (JoseError, ValueError):
        return False
    return True


def differences(generated: Path, committed: Path) -> list[str]:
    """How ``committed`` differs from a fresh run in ``generated`` (empty: in step).

    Every file must be equal byte for byte, except that an ES256K signature is not
    deterministic (the JOSE library draws a fresh nonce): a JWT counts as equal when its
    header and payload are byte-equal and the committed signature verifies.
    """
    out = []
    names = {p.name for p in generated.iterdir() if p.is_file()}
    kept = {p.name for p in committed.iterdir() if p.is_file() and p.name != "README.md"}
    out += [f"{name}: missing from {committed}" for name in sorted(names - kept)]
    out += [f"{name}: not produced by the run" for name in sorted(kept - names)]
    did = next(iter(sorted(generated.glob("*.did.json"))), None)
    did_document = json.loads(did.read_text()) if did else {}
    for name in sorted(names & kept):
        new, old = (generated / name).read_text(), (committed / name).read_text()
        if new == old:
            continue
        if name.endswith(".jwt") and _signing_input(new) == _signing_input(old):
            if jwt_signature_verifies(old, did_document):
                continue
            out.append(f"{name}: the committed signature does not verify")
            continue
        out.append(f"{name}: differs from a fresh run")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Produce into a fresh directory, then update OUT_DIR (a JWT whose header and payload
    are unchanged keeps its committed signature, so a rerun changes nothing)."""
    import tempfile

    args = list(sys.argv[1:] if argv is None else argv)
    out_dir = Path(args[0]) if args else OUT_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        produce(fresh)
        for old in out_dir.iterdir():
            if old.is_file() and old.name != "README.md" and not (fresh / old.name).exists():
                old.unlink()
        changed = []
        for new in sorted(fresh.iterdir()):
            target = out_dir / new.name
            text = new.read_text()
            if target.exists():
                committed = target.read_text()
                if committed == text or (
                    new.suffix == ".jwt" and _signing_input(committed) == _signing_input(text)
                ):
                    continue
            target.write_text(text)
            changed.append(new.name)
    print(f"{out_dir}: {len(changed)} files written ({', '.join(changed) or 'all in step'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
