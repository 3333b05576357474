"""`make demo`: the registry's story on a local OP-stack L2, one process per actor.

Each actor (governance, the exporter's ERP, its signers) runs its own
`ape run` process with its own throwaway encrypted keystore, talking
JSON-RPC to an anvil on 127.0.0.1 — as they would on a real network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bci_registry import devnode
from bci_registry.deployment import DEPLOYMENTS_ENV
from bci_registry.keys import PASSPHRASE_ENV, create_throwaway_keystore
from bci_registry.report import load_report, seal_report
from bci_registry.report.files import write_text

DEMO_DIR = devnode.PROJECT_ROOT / ".devnet" / "demo"
SAMPLE_REPORT = devnode.PROJECT_ROOT / "samples" / "nmc811-module-kr-to-de.json"
ORGANISATION = "KR-EORI-KR1234567890123"
ONE_ETHER = 10**18


class DemoError(RuntimeError):
    pass


@dataclass(frozen=True)
class Actor:
    role: str
    alias: str
    address: str
    passphrase: str


class Story:
    """Runs actors' commands as separate processes and narrates."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.ape_data = workdir / "ape-data"
        self.env = {
            **os.environ,
            "APE_DATA_FOLDER": str(self.ape_data),
            DEPLOYMENTS_ENV: str(workdir / "deployments"),
        }
        self.env.pop(PASSPHRASE_ENV, None)
        self.started = time.monotonic()

    def actor(self, role: str, alias: str) -> Actor:
        address, passphrase = create_throwaway_keystore(self.ape_data, alias)
        return Actor(role, alias, address, passphrase)

    def step(self, text: str) -> None:
        print(f"\n[{time.monotonic() - self.started:5.1f}s] {text}", flush=True)

    def run(self, actor: Actor | None, script: str, *args: str) -> str:
        """`ape run <script>` as `actor`, on the devnet; returns its output."""
        command = [
            str(Path(sys.executable).with_name("ape")),
            "run",
            script,
            "--network",
            devnode.DEVNET_NETWORK,
        ]
        env = dict(self.env)
        if actor is not None:
            command += ["--account", actor.alias]
            env[PASSPHRASE_ENV] = actor.passphrase
        command += list(args)
        result = subprocess.run(
            command, cwd=devnode.PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
        )
        output = "\n".join(
            line for line in result.stdout.splitlines() if not line.startswith(("WARNING", "INFO"))
        )
        if result.returncode != 0:
            raise DemoError(
                f"`ape run {script}` failed ({result.returncode}):\n"
                f"{output}\n{result.stderr[-2000:]}"
            )
        for line in output.splitlines():
            print(f"    {line}")
        return output


def seal_sample(story: Story) -> str:
    """The ERP seals the sample report (fresh salts); returns the root."""
    sealed = seal_report(load_report(SAMPLE_REPORT))
    path = story.workdir / "nmc811-module.sealed.json"
    write_text(path, sealed.to_json(), private=True)
    print(f"    sealed {SAMPLE_REPORT.name}: root {sealed.root_hex} -> {path.name}")
    return sealed.root_hex


def main() -> int:
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    story = Story(DEMO_DIR)
    governance = story.actor("registry governance", "governance")
    erp = story.actor("exporter ERP (submitter)", "erp")
    signers = [
        story.actor("signer: quality manager", "quality"),
        story.actor("signer: compliance officer", "compliance"),
        story.actor("signer: logistics lead", "logistics"),
    ]
    story.step(f"starting anvil (OP-stack mode, chain id {devnode.DEVNET_CHAIN_ID}) on 127.0.0.1")
    node = devnode.start(DEMO_DIR, port=devnode.DEVNET_PORT)
    try:
        print(f"    anvil pid {node.pid} at {node.url}")
        for actor in (governance, erp):
            node.set_balance(actor.address, ONE_ETHER)
        for actor in (governance, erp, *signers):
            print(f"    {actor.role:28} {actor.address}")

        story.step("governance deploys the registry")
        story.run(governance, "deploy")

        story.step("governance onboards the exporter: 3 signers, threshold 2, the ERP as submitter")
        signer_args = [arg for s in signers for arg in ("--signer", s.address)]
        story.run(
            governance, "onboard", "--organisation", ORGANISATION, *signer_args,
            "--threshold", "2", "--submitter", erp.address,
        )  # fmt: skip

        story.step("the ERP seals the sample report at delivery")
        root = seal_sample(story)

        deadline = str(int(time.time()) + 3600)
        approvals = []
        for signer in signers[:2]:
            story.step(f"{signer.role} signs an EIP-712 approval offline")
            path = story.workdir / f"approval-{signer.alias}.json"
            story.run(
                signer, "approve", "--organisation", ORGANISATION, "--root", root,
                "--deadline", deadline, "--out", str(path),
            )  # fmt: skip
            approvals += ["--approval", str(path)]

        story.step("the ERP submits the root with 2 approvals in one transaction")
        story.run(erp, "submit", "--organisation", ORGANISATION, "--root", root, *approvals)

        story.step("anyone reads the report's status back")
        status = story.run(None, "status", "--root", root)
        if "state         anchored" not in status:
            raise DemoError("the report is not anchored")
    except (DemoError, devnode.NodeError) as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        return 1
    finally:
        story.step(f"stopping anvil (pid {node.pid})")
        node.stop()
    story.step("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
