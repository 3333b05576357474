"""`make demo`: the registry's story on a local OP-stack L2, one process per actor.

Each actor (governance, the exporter's ERP, its signers) runs its own
`ape run` process with its own throwaway encrypted keystore, talking
JSON-RPC to an anvil on 127.0.0.1 — as they would on a real network.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bci_registry import devnode
from bci_registry.actors import Actor, ActorFailed, Cast, Narrator
from bci_registry.registry import organisation_id
from bci_registry.report import load_report, seal_report
from bci_registry.report.files import write_text

DEMO_DIR = devnode.PROJECT_ROOT / ".devnet" / "demo"
BIN = Path(sys.executable).parent
SAMPLE_REPORT = devnode.PROJECT_ROOT / "samples" / "nmc811-module-kr-to-de.json"
ORGANISATION = "KR-EORI-KR1234567890123"
ONE_ETHER = 10**18


class DemoError(RuntimeError):
    pass


def seal_sample(workdir: Path) -> tuple[str, Path]:
    """The ERP seals the sample report for its organisation (fresh salts); returns the root
    and the sealed file."""
    sealed = seal_report(load_report(SAMPLE_REPORT), organisation=organisation_id(ORGANISATION))
    path = workdir / "nmc811-module.sealed.json"
    write_text(path, sealed.to_json(), private=True)
    return sealed.root_hex, path


class Demo:
    def __init__(self, cast: Cast, narrator: Narrator) -> None:
        self.cast, self.narrator = cast, narrator

    def act(self, actor: Actor | None, script: str, *args: str) -> str:
        output = self.cast.run(actor, script, *args).stdout
        self.narrator.show(output)
        return output

    def tell(self, node: devnode.DevNode) -> None:
        cast, step = self.cast, self.narrator.step
        governance = cast.actor("registry governance", "governance")
        erp = cast.actor("exporter ERP (submitter)", "erp")
        verifier = cast.actor("verifier (TÜV-style body)", "verifier")
        relayer = cast.actor("relayer", "relayer")
        signers = [
            cast.actor("signer: quality manager", "quality"),
            cast.actor("signer: compliance officer", "compliance"),
            cast.actor("signer: logistics lead", "logistics"),
        ]
        for actor in (governance, erp, relayer):
            node.set_balance(actor.address, ONE_ETHER)
        for actor in (governance, erp, *signers, verifier, relayer):
            print(f"    {actor.role:28} {actor.address}")

        step("governance deploys the registry")
        self.act(governance, "deploy")

        step("governance onboards the exporter: 3 signers, threshold 2, the ERP as submitter")
        signer_args = [arg for s in signers for arg in ("--signer", s.address)]
        self.act(
            governance, "onboard", "--organisation", ORGANISATION, *signer_args,
            "--threshold", "2", "--submitter", erp.address,
        )  # fmt: skip

        step("the ERP seals the sample report at delivery")
        root, sealed_path = seal_sample(cast.workdir)
        self.narrator.show(f"sealed {SAMPLE_REPORT.name}: root {root} -> {sealed_path.name}")

        deadline = str(int(time.time()) + 3600)
        approvals = []
        for signer in signers[:2]:
            step(f"{signer.role} signs an EIP-712 approval offline")
            path = cast.workdir / f"approval-{signer.alias}.json"
            self.act(
                signer, "approve", "--organisation", ORGANISATION, "--root", root,
                "--deadline", deadline, "--out", str(path),
            )  # fmt: skip
            approvals += ["--approval", str(path)]

        step("the ERP submits the root with 2 approvals in one transaction (simulated first)")
        self.act(erp, "submit", "--organisation", ORGANISATION, "--root", root, *approvals)

        step("anyone reads the report's status back")
        status = self.act(None, "status", "--organisation", ORGANISATION, "--root", root)
        if "state         anchored" not in status:
            raise DemoError("the report is not anchored")

        step("governance accredits the verifier for all 12 fields, for a year")
        year = str(int(time.time()) + 365 * 86400)
        self.act(
            governance, "accredit", "--verifier", verifier.address, "--id", "DEMO-TUV-CERT-0001",
            "--all-fields", "--valid-until", year,
        )  # fmt: skip

        step("the verifier signs its attestation offline (its key could sit in an HSM)")
        certificate = cast.workdir / "audit-certificate.txt"
        certificate.write_text(f"Audit certificate for report {root}: all 12 fields verified.\n")
        signed = cast.workdir / "attestation.json"
        self.act(
            verifier, "attest", "--sealed", str(sealed_path), "--verdict", "pass", "--all-fields",
            "--evidence", str(certificate), "--out", str(signed),
        )  # fmt: skip

        step("a relayer submits the signed attestation")
        self.act(relayer, "attest", "--relay", str(signed))

        self.customs(node, root, sealed_path)

    def customs(self, node: devnode.DevNode, root: str, sealed_path: Path) -> None:
        """Customs checks at delivery with `bci-verify`: no Ape, no compiler, one eth_call."""
        cast, step = self.cast, self.narrator.step
        delivery = str(int(time.time()) + 3600)
        manifest = cast.workdir / "deployments" / "base-devnet.json"
        verdicts = []

        def verify(label: str, path: Path) -> None:
            step(f"customs verifies {label}")
            command = [
                str(BIN / "bci-verify"), "--manifest", str(manifest), "--rpc-url", node.url,
                "--delivery", delivery, str(path),
            ]  # fmt: skip
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            self.narrator.show(result.stdout + result.stderr)
            verdicts.append({0: "PASS", 1: "FAIL"}.get(result.returncode, "ERROR"))

        verify("the full sealed report", sealed_path)

        disclosure = cast.workdir / "disclosure-3-fields.json"
        fields = ("recycledContent", "batteryIdentifiers", "shipment")
        subprocess.run(
            [str(BIN / "bci-report"), "disclose", str(sealed_path),
             *(arg for name in fields for arg in ("--field", name)), "-o", str(disclosure)],
            check=True, capture_output=True,
        )  # fmt: skip
        verify(f"a disclosure of {', '.join(fields)} only", disclosure)

        tampered = cast.workdir / "tampered.sealed.json"
        document = json.loads(sealed_path.read_text())
        leaf = next(f for f in document["fields"] if f["name"] == "recycledContent")
        # Someone raises the post-consumer recycled cobalt share after anchoring.
        raised = leaf["value"].replace('"postConsumerPercent":11.5', '"postConsumerPercent":16', 1)
        if raised == leaf["value"]:
            raise DemoError("the sample's cobalt share is not the one this demo changes")
        leaf["value"] = raised
        # It still holds all twelve salts: owner-only, like every sealed report.
        write_text(tampered, json.dumps(document, indent=2), private=True)
        verify("a report tampered with after anchoring", tampered)

        step(f"customs verdicts: {', '.join(verdicts)}")
        if verdicts != ["PASS", "PASS", "FAIL"]:
            raise DemoError(f"expected PASS, PASS, FAIL; got {', '.join(verdicts)}")


def main() -> int:
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    narrator = Narrator()
    chain_id = devnode.DEVNET_CHAIN_ID
    narrator.step(f"starting anvil (OP-stack mode, chain id {chain_id}) on {devnode.HOST}")
    try:
        port = devnode.devnet_port()  # $BCI_DEVNET_PORT, default 18545
        node = devnode.start(DEMO_DIR, port=port)
    except devnode.NodeError as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 2
    try:
        narrator.show(f"anvil pid {node.pid} at {node.url}")
        Demo(Cast(DEMO_DIR, port=node.port), narrator).tell(node)
    except (DemoError, ActorFailed, devnode.NodeError) as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        return 1
    finally:
        narrator.step(f"stopping anvil (pid {node.pid})")
        node.stop()
    narrator.step("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
