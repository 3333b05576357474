"""The local OP-stack L2: a pinned anvil on 127.0.0.1, started and stopped by PID.

Used by the demo, the end-to-end tests and the benchmarks. Only the loopback
address is ever a target.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bci_registry import jsonrpc

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ANVIL = PROJECT_ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
HOST = "127.0.0.1"
#: The environment variable that moves the local node off its default port; the
#: demo, the end-to-end tests, the bench and `base:devnet` (ape-config.yaml) honour it.
PORT_ENV = "BCI_DEVNET_PORT"
#: The default port of the local node (`base:devnet` in `ape-config.yaml`).
DEFAULT_DEVNET_PORT = 18545
DEVNET_PORT = DEFAULT_DEVNET_PORT
#: Base Sepolia's chain id, so signatures look as they will on the testnet.
DEVNET_CHAIN_ID = 84532
#: The Ape network that attaches to this node.
DEVNET_NETWORK = "base:devnet"


class NodeError(RuntimeError):
    """The node could not be started, reached or stopped."""


def devnet_port() -> int:
    """The local node's port: ``$BCI_DEVNET_PORT`` if set, else 18545."""
    raw = os.environ.get(PORT_ENV, "").strip()
    if not raw:
        return DEFAULT_DEVNET_PORT
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise NodeError(f"{PORT_ENV}={raw!r} is not a TCP port (1 to 65535)")
    return int(raw)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that no one listens on now (for a test's own node)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def network_choice(port: int) -> str:
    """Ape's `--network` value for the local node on ``port`` (`base:devnet:http://…`)."""
    return f"{DEVNET_NETWORK}:http://{HOST}:{port}"


def rpc(url: str, method: str, params: list[Any] | None = None, timeout: float = 5.0) -> Any:
    """One JSON-RPC call; raises NodeError with the node's message on failure."""
    try:
        return jsonrpc.request(url, method, params, timeout)
    except jsonrpc.RpcUnreachable as exc:
        raise NodeError(f"node at {url} is unreachable ({exc})") from None
    except jsonrpc.RpcError as exc:
        raise NodeError(f"{exc} (at {url})") from None


@dataclass
class DevNode:
    """A running anvil process."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        return rpc(self.url, method, params)

    def set_balance(self, address: str, wei: int) -> None:
        """Fund an actor's account (a dev-node cheat: no key moves money)."""
        self.rpc("anvil_setBalance", [address, hex(wei)])

    def stop(self, timeout: float = 10.0) -> None:
        """Stop by PID: SIGTERM (anvil then writes its --state file), SIGKILL if it hangs."""
        if self.process.poll() is not None:
            return
        os.kill(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """Kill abruptly, as a crashing node would die."""
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def __enter__(self) -> DevNode:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def start(
    work_dir: Path,
    port: int | None = None,
    state_file: Path | None = None,
    block_time: float | None = None,
    startup_timeout: float = 30.0,
) -> DevNode:
    """Start anvil in OP-stack mode with chain id 84532 on 127.0.0.1 and wait until it answers.

    ``port`` defaults to ``devnet_port()`` (``$BCI_DEVNET_PORT`` or 18545).
    """
    if port is None:
        port = devnet_port()
    if not ANVIL.exists():
        raise NodeError(f"anvil not found at {ANVIL}: run `npm ci` (or `make setup`) first")
    url = f"http://{HOST}:{port}"
    try:
        rpc(url, "eth_chainId", timeout=0.5)
    except NodeError:
        pass
    else:
        raise NodeError(f"port {port} on {HOST} is already taken by a running node")
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = work_dir / f"anvil-{port}.log"
    command = [
        str(ANVIL),
        "--host", HOST,
        "--port", str(port),
        "--chain-id", str(DEVNET_CHAIN_ID),
        "--network", "optimism",
        "--accounts", "2",
    ]  # fmt: skip
    if state_file is not None:
        command += ["--state", str(state_file)]
    if block_time is not None:
        command += ["--block-time", str(block_time)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    node = DevNode(process=process, port=port, log_path=log_path)
    deadline = time.monotonic() + startup_timeout
    while True:
        if process.poll() is not None:
            raise NodeError(f"anvil exited with {process.returncode}; see {log_path}")
        try:
            chain_id = int(node.rpc("eth_chainId"), 16)
        except NodeError:
            if time.monotonic() > deadline:
                node.kill()
                raise NodeError(f"anvil did not answer within {startup_timeout:.0f} s") from None
            time.sleep(0.1)
            continue
        if chain_id != DEVNET_CHAIN_ID:
            node.stop()
            raise NodeError(f"anvil reports chain id {chain_id}, expected {DEVNET_CHAIN_ID}")
        return node
