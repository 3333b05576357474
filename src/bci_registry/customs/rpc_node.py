"""The console's node: plain HTTP JSON-RPC with a total deadline per request and per command.

``bci-verify`` reads through this ``Node`` (see ``bci_registry.customs.chain``).
Every answer is checked before use: a chain id must be a hex quantity, call
and code data must be whole bytes of hex. Anything else names the node and
what it answered, and ends as exit 2 like an unreachable node.
"""

from __future__ import annotations

import re
from typing import Any

from bci_registry import jsonrpc
from bci_registry.customs.chain import NodeUnreachable
from bci_registry.customs.errors import ChainUnavailable

_QUANTITY = re.compile(r"0x[0-9a-fA-F]{1,64}\Z")
_DATA = re.compile(r"0x(?:[0-9a-fA-F]{2})*\Z")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "…"


class DeadlineHttpNode:
    """A ``Node`` over ``bci_registry.jsonrpc``: per-request limit, overall deadline."""

    def __init__(
        self, rpc_url: str, timeout: float = 10.0, deadline: jsonrpc.Deadline | None = None
    ) -> None:
        jsonrpc.check_url(rpc_url)  # RpcBadUrl: refused before anything is sent
        self.where = rpc_url
        self.timeout = timeout
        self.deadline = deadline

    def _ask(self, method: str, params: list[Any]) -> Any:
        try:
            return jsonrpc.request(self.where, method, params, self.timeout, self.deadline)
        except jsonrpc.RpcTimeout as exc:
            raise NodeUnreachable(f"node at {self.where} timed out: {exc}") from None
        except jsonrpc.RpcMalformed as exc:
            raise ChainUnavailable(f"node at {self.where} gave an unusable answer: {exc}") from None
        except jsonrpc.RpcUnreachable as exc:
            raise NodeUnreachable(f"node at {self.where} is unreachable ({exc})") from None
        except jsonrpc.RpcError as exc:
            raise ChainUnavailable(f"node at {self.where} failed on {exc}") from None

    def _data(self, method: str, params: list[Any]) -> bytes:
        answer = self._ask(method, params)
        if not isinstance(answer, str) or not _DATA.match(answer):
            odd = isinstance(answer, str) and len(answer) % 2 == 1
            raise ChainUnavailable(
                f"node at {self.where} answered {method} with {_shown(answer)}: "
                + ("odd-length hex" if odd else "expected 0x followed by whole bytes of hex")
            )
        return bytes.fromhex(answer[2:])

    def chain_id(self) -> int:
        answer = self._ask("eth_chainId", [])
        if not isinstance(answer, str) or not _QUANTITY.match(answer):
            raise ChainUnavailable(
                f"node at {self.where} answered eth_chainId with {_shown(answer)}: "
                "expected a hex quantity such as 0x14a34"
            )
        return int(answer, 16)

    def call(self, to: str, data: bytes) -> bytes:
        return self._data("eth_call", [{"to": to, "data": "0x" + data.hex()}, "latest"])

    def code(self, address: str) -> bytes:
        return self._data("eth_getCode", [address, "latest"])
