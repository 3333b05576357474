"""End-to-end fixtures: a real anvil on 127.0.0.1 and actors as separate processes.

Each test module gets its own node on a free port (started here, stopped by
PID) and its own throwaway keystores under `.devnet/e2e/`, inside the
project's ignored area: `make test` runs while another node (`make demo`)
holds 18545. The actors find their node through `$BCI_DEVNET_PORT`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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


def _deployed(node: devnode.DevNode, cast: Cast) -> Devnet:
    """Actors with funded keys, the registry deployed and the exporter onboarded."""
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
    return net


def _workdir(request: pytest.FixtureRequest) -> Path:
    workdir = E2E_DIR / request.module.__name__.rsplit(".", 1)[-1]
    shutil.rmtree(workdir, ignore_errors=True)
    return workdir


@pytest.fixture(scope="module")
def devnet(request: pytest.FixtureRequest) -> Iterator[Devnet]:
    """A fresh anvil with the registry deployed and the exporter onboarded."""
    workdir = _workdir(request)
    node = devnode.start(workdir, port=devnode.free_port())
    try:
        yield _deployed(node, Cast(workdir, port=node.port))
    finally:
        node.stop()


def state_file(net: Devnet) -> Path:
    """Where the node of `stateful_devnet` keeps its state across restarts."""
    return net.cast.workdir / "anvil-state.json"


@pytest.fixture(scope="module")
def stateful_devnet(request: pytest.FixtureRequest) -> Iterator[Devnet]:
    """Like `devnet`, with anvil keeping its state in a file (`state_file`).

    A test may kill and restart the node (`devnode.start(..., state_file=...)`) and
    put the new node in `net.node`; the fixture stops whichever node is current.
    """
    workdir = _workdir(request)
    node = devnode.start(workdir, port=devnode.free_port(), state_file=workdir / "anvil-state.json")
    net: Devnet | None = None
    try:
        net = _deployed(node, Cast(workdir, port=node.port))
        yield net
    finally:
        (net.node if net is not None else node).stop()
