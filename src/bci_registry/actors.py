"""Actors as separate processes: each runs `ape run <script>` with its own keystore.

Used by the demo and the end-to-end tests, so that every actor signs with its
own key in its own process, talking JSON-RPC to the node as on a real network.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bci_registry import devnode
from bci_registry.deployment import DEPLOYMENTS_ENV
from bci_registry.keys import PASSPHRASE_ENV, create_throwaway_keystore

APE = Path(sys.executable).with_name("ape")


class ActorFailed(RuntimeError):
    """An actor's command exited non-zero."""

    def __init__(self, script: str, result: subprocess.CompletedProcess[str]) -> None:
        tail = result.stderr[-2000:]
        super().__init__(f"`ape run {script}` failed ({result.returncode}):\n{tail}")
        self.result = result


@dataclass(frozen=True)
class Actor:
    role: str
    alias: str
    address: str
    passphrase: str


def _without_ape_noise(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith(("WARNING", "INFO")))


class Cast:
    """The actors of one network, their keystores and deployment manifests in `workdir`."""

    def __init__(self, workdir: Path, network: str | None = None, port: int | None = None) -> None:
        """Actors of ``network`` (default: `base:devnet` on ``port``, by default
        ``$BCI_DEVNET_PORT`` or 18545)."""
        self.workdir = workdir
        self.port = devnode.devnet_port() if port is None else port
        self.network = network or devnode.network_choice(self.port)
        self.ape_data = workdir / "ape-data"
        self.env = {
            **os.environ,
            "APE_DATA_FOLDER": str(self.ape_data),
            DEPLOYMENTS_ENV: str(workdir / "deployments"),
            devnode.PORT_ENV: str(self.port),
        }
        self.env.pop(PASSPHRASE_ENV, None)

    def actor(self, role: str, alias: str) -> Actor:
        address, passphrase = create_throwaway_keystore(self.ape_data, alias)
        return Actor(role, alias, address, passphrase)

    def run(
        self, actor: Actor | None, script: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """`ape run <script> --network <network> [--account <alias>] args...`."""
        command = [str(APE), "run", script, "--network", self.network]
        env = dict(self.env)
        if actor is not None:
            command += ["--account", actor.alias]
            env[PASSPHRASE_ENV] = actor.passphrase
        command += list(args)
        result = subprocess.run(
            command, cwd=devnode.PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
        )
        result.stdout = _without_ape_noise(result.stdout)
        if check and result.returncode != 0:
            raise ActorFailed(script, result)
        return result


class Narrator:
    """Prints the demo's steps with the time since it started."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def step(self, text: str) -> None:
        print(f"\n[{time.monotonic() - self.started:5.1f}s] {text}", flush=True)

    @staticmethod
    def show(output: str) -> None:
        for line in output.splitlines():
            print(f"    {line}", flush=True)
