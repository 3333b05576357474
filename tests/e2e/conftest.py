"""End-to-end fixtures: a real anvil on 127.0.0.1 and actors as separate processes.

Each test module gets its own node (started here, stopped by PID) and its own
throwaway keystores under `.devnet/e2e/`, inside the project's ignored area.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bci_registry import devnode
from bci_registry.actors import Actor, Cast

pytestmark = pytest.mark.e2e

E2E_DIR = devnode.PROJECT_ROOT / ".devnet" / "e2e"
ORGANISATION = "KR-EORI-KR1234567890123"
ONE_ETHER = 10**18


@dataclass
class Devnet:
    node: devnode.DevNode
    cast: Cast
    governance: Actor
    erp: Actor
    signers: list[Actor]
    verifier: Actor
    relayer: Actor

    def onboard_exporter(self) -> None:
        signer_args = [arg for s in self.signers for arg in ("--signer", s.address)]
        self.cast.run(
            self.governance, "onboard", "--organisation", ORGANISATION, *signer_args,
            "--threshold", "2", "--submitter", self.erp.address,
        )  # fmt: skip


@pytest.fixture(scope="module")
def devnet(request: pytest.FixtureRequest) -> Iterator[Devnet]:
    """A fresh anvil with the registry deployed and the exporter onboarded."""
    workdir = E2E_DIR / request.module.__name__.rsplit(".", 1)[-1]
    shutil.rmtree(workdir, ignore_errors=True)
    node = devnode.start(workdir)
    try:
        cast = Cast(workdir)
        net = Devnet(
            node=node,
            cast=cast,
            governance=cast.actor("governance", "governance"),
            erp=cast.actor("exporter ERP", "erp"),
            signers=[cast.actor(f"signer {i}", f"signer{i}") for i in range(3)],
            verifier=cast.actor("verifier", "verifier"),
            relayer=cast.actor("relayer", "relayer"),
        )
        for actor in (net.governance, net.erp, net.relayer, net.verifier, *net.signers):
            node.set_balance(actor.address, ONE_ETHER)
        cast.run(net.governance, "deploy")
        net.onboard_exporter()
        yield net
    finally:
        node.stop()
