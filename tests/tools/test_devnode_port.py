"""The local node's port: $BCI_DEVNET_PORT, default 18545, honoured by every tool that starts or
reaches it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bci_registry import devnode
from bci_registry.actors import Cast


def test_default_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(devnode.PORT_ENV, raising=False)
    assert devnode.devnet_port() == devnode.DEFAULT_DEVNET_PORT == 18545
    monkeypatch.setenv(devnode.PORT_ENV, "28545")
    assert devnode.devnet_port() == 28545
    for bad in ("port", "0", "70000"):
        monkeypatch.setenv(devnode.PORT_ENV, bad)
        with pytest.raises(devnode.NodeError, match="BCI_DEVNET_PORT"):
            devnode.devnet_port()


def test_actors_reach_the_node_on_its_port(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(devnode.PORT_ENV, "28546")
    cast = Cast(tmp_path)
    assert cast.network == "base:devnet:http://127.0.0.1:28546"
    assert cast.env[devnode.PORT_ENV] == "28546"
    other = Cast(tmp_path, port=31000)
    assert other.network.endswith(":31000") and other.env[devnode.PORT_ENV] == "31000"


def test_free_port_is_free_and_on_loopback() -> None:
    port = devnode.free_port()
    assert 1024 <= port <= 65535
    with pytest.raises(devnode.NodeError):
        devnode.rpc(f"http://{devnode.HOST}:{port}", "eth_chainId", timeout=0.5)
