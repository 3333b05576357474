"""A minimal JSON-RPC client over HTTP, standard library only.

The customs check and the dev node need a handful of reads; importing
web3.py for them costs most of a second on every run of `bci-verify`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from itertools import count
from typing import Any

_ids = count(1)


class RpcUnreachable(ConnectionError):
    """No answer: connection refused, timed out, or not an HTTP JSON-RPC endpoint."""


class RpcError(RuntimeError):
    """The node answered with a JSON-RPC error (e.g. an `eth_call` that reverted)."""

    def __init__(self, method: str, error: dict[str, Any]) -> None:
        self.code = error.get("code")
        self.data = error.get("data")
        super().__init__(f"{method}: {error.get('message', 'error')}")


def request(url: str, method: str, params: list[Any] | None = None, timeout: float = 10.0) -> Any:
    """Send one JSON-RPC request and return its `result`."""
    body = json.dumps(
        {"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": params or []}
    ).encode()
    http = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(http, timeout=timeout) as response:
            reply = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise RpcUnreachable(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise RpcUnreachable(_reason(exc.reason)) from None
    except (OSError, ValueError) as exc:
        raise RpcUnreachable(_reason(exc)) from None
    if not isinstance(reply, dict):
        raise RpcUnreachable("the answer is not a JSON-RPC response")
    if "error" in reply:
        raise RpcError(method, reply["error"])
    return reply.get("result")


def _reason(error: object) -> str:
    """`connection refused`, not `[Errno 111] Connection refused`."""
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return str(text).lower()
