"""Reading ``customs_view`` from the chain: one ``eth_call`` per report, one per batch.

A ``Node`` is anything that can make an ``eth_call``: ``Web3Node`` wraps a
web3.py ``Web3`` (the console's own HTTP connection, or Ape's connected
``chain.provider.web3``). ``ChainReader`` checks the node is the manifest's
chain, then reads:

- one report: ``AttestationRegistry.customs_view(organisation, root)``, one
  ``eth_call`` (a report is identified by its organisation and root together;
  the view holds every attestation of the report, at most 32);
- several: ``aggregate3`` of the manifest's multicall contract (or the
  canonical Multicall3 if the manifest names none and the chain has it), one
  ``eth_call`` per ``MAX_BATCH`` reports, every answer from the same block.

A batch member (a report anchored inside a batch, with its ``bci-batch-proof/1``
file) is read with ``AttestationRegistry.member_customs_view(organisation, root,
batch, proof)``: its status through the batch (``member_status``) and its
effective attestations (its own, then the batch's as they apply to it, a
member's own revocation included), shaped like ``customs_view`` and judged the
same; one call, so one ``eth_call`` per report and one per ``MAX_BATCH``
reports, members or not.

Rare cases cost more calls, never a wrong answer: an answer the multicall cut
short or could not give is asked again alone; a batch the node refuses (e.g.
over its ``eth_call`` gas cap) is split in halves.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn, Protocol, TypeVar

from bci_registry import jsonrpc
from bci_registry.customs.abi import function
from bci_registry.customs.errors import ChainUnavailable
from bci_registry.customs.view import CustomsView, ReportRecord
from bci_registry.deployment import Deployment

#: Reports per multicall (the multicall contract's ``MAX_CALLS``).
MAX_BATCH = 100
#: A report's attestations at most (``MAX_ATTESTATIONS``): all are in one view.
MAX_ATTESTATIONS = 32
#: Where Multicall3 lives on nearly every public chain (not on anvil or Ape's test chain).
MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"

T = TypeVar("T")
#: A report on chain: (organisation id, root).
ReportKey = tuple[bytes, bytes]


class NodeUnreachable(ChainUnavailable):
    """No answer at all: connection refused, timed out, not an RPC endpoint."""


class Node(Protocol):
    """The three JSON-RPC reads the customs check needs."""

    #: Where the node is, for messages (a URL or an Ape network name).
    where: str

    def chain_id(self) -> int: ...

    def call(self, to: str, data: bytes) -> bytes: ...

    def code(self, address: str) -> bytes: ...


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


def _describe(exc: BaseException) -> str:
    text = str(exc)
    match = _ERRNO.search(text)
    if match:
        return match.group(1).strip().lower()
    return text if len(text) <= 300 else text[:300] + "…"


class Web3Node:
    """A ``Node`` over a web3.py ``Web3`` instance; errors become ``ChainUnavailable``."""

    def __init__(self, web3: Any, where: str) -> None:
        self.web3 = web3
        self.where = where

    def _ask(self, what: str, request: Callable[[], T]) -> T:
        try:
            return request()
        except Exception as exc:
            from web3.exceptions import ContractLogicError

            # requests' errors (refused, timed out, not HTTP 200) are OSErrors.
            if isinstance(exc, OSError):
                reason = _describe(exc)
                raise NodeUnreachable(f"node at {self.where} is unreachable ({reason})") from None
            if isinstance(exc, ContractLogicError):
                raise ChainUnavailable(f"{what} reverted on {self.where}: {exc}") from None
            reason = _describe(exc)
            raise ChainUnavailable(f"node at {self.where} failed on {what}: {reason}") from None

    def chain_id(self) -> int:
        return int(self._ask("eth_chainId", lambda: self.web3.eth.chain_id))

    def call(self, to: str, data: bytes) -> bytes:
        answer = self._ask("eth_call", lambda: self.web3.eth.call({"to": to, "data": data}))
        return bytes(answer)

    def code(self, address: str) -> bytes:
        return bytes(self._ask("eth_getCode", lambda: self.web3.eth.get_code(address)))


class HttpNode:
    """A ``Node`` over plain HTTP JSON-RPC (standard library): the console's lean path."""

    def __init__(self, rpc_url: str, timeout: float = 10.0) -> None:
        self.where = rpc_url
        self.timeout = timeout

    def _ask(self, method: str, params: list[Any]) -> Any:
        try:
            return jsonrpc.request(self.where, method, params, self.timeout)
        except jsonrpc.RpcUnreachable as exc:
            raise NodeUnreachable(f"node at {self.where} is unreachable ({exc})") from None
        except jsonrpc.RpcError as exc:
            raise ChainUnavailable(f"node at {self.where} failed on {exc}") from None

    def _bytes(self, method: str, params: list[Any]) -> bytes:
        answer = self._ask(method, params)
        if not isinstance(answer, str) or not answer.startswith("0x"):
            raise ChainUnavailable(f"node at {self.where} gave no data for {method}")
        return bytes.fromhex(answer[2:])

    def chain_id(self) -> int:
        return int(self._ask("eth_chainId", []), 16)

    def call(self, to: str, data: bytes) -> bytes:
        return self._bytes("eth_call", [{"to": to, "data": "0x" + data.hex()}, "latest"])

    def code(self, address: str) -> bytes:
        return self._bytes("eth_getCode", [address, "latest"])


def http_node(rpc_url: str, timeout: float = 10.0) -> HttpNode:
    """A plain HTTP JSON-RPC connection: no retries, so a dead node fails fast."""
    return HttpNode(rpc_url, timeout)


class ChainReader:
    """Reads customs views of the deployment the manifest describes."""

    def __init__(self, node: Node, deployment: Deployment, batch_size: int = MAX_BATCH) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch size must be 1 to {MAX_BATCH}")
        self.node = node
        self.deployment = deployment
        self.batch_size = batch_size
        self._multicall: str | None = None
        self._multicall_known = False

    @property
    def registry(self) -> str:
        return self.deployment.attestations

    def check_chain(self) -> int:
        """The node's chain id; ChainUnavailable unless it is the manifest's."""
        chain_id = self.node.chain_id()
        if chain_id != self.deployment.chain_id:
            raise ChainUnavailable(
                f"the node at {self.node.where} is chain {chain_id}, but the manifest for "
                f"{self.deployment.network} names chain {self.deployment.chain_id}"
            )
        return chain_id

    # ---------------------------------------------------------------- reads

    def views(
        self, reports: Sequence[ReportKey], proofs: Mapping[ReportKey, Any] | None = None
    ) -> dict[ReportKey, CustomsView]:
        """The customs view of every (organisation, root): one call for one report, one per
        batch otherwise. ``proofs`` maps a batch member to its ``BatchProof``: it is read
        with ``member_customs_view`` (one call, like a report anchored alone)."""
        proofs = proofs or {}
        unique = list(dict.fromkeys(reports))
        if len(unique) == 1:
            return {unique[0]: self.view(*unique[0], proof=proofs.get(unique[0]))}
        multicall = self.multicall_address()
        if multicall is None:
            return {key: self.view(*key, proof=proofs.get(key)) for key in unique}
        out: dict[ReportKey, CustomsView] = {}
        chunk: list[ReportKey] = []
        calls = 0
        for key in unique:
            cost = 1  # a member's view is one call too (member_customs_view)
            if chunk and calls + cost > self.batch_size:
                out.update(self._batch(multicall, chunk, proofs))
                chunk, calls = [], 0
            chunk.append(key)
            calls += cost
        if chunk:
            out.update(self._batch(multicall, chunk, proofs))
        return out

    def view(self, organisation: bytes, root: bytes, proof: Any = None) -> CustomsView:
        """One report's customs view: one ``eth_call`` (a batch member's too:
        ``member_customs_view`` with its proof)."""
        if proof is not None:
            member_view = function("AttestationRegistry", "member_customs_view")
            data = self._member_view_call(organisation, root, proof)
            answer = self.node.call(self.registry, data)
            if not answer:
                self._no_contract(self.registry, "attestation registry")
            view = CustomsView.from_abi(member_view.decode(answer)[0])
            return dataclasses.replace(view, batch=proof)
        customs_view = function("AttestationRegistry", "customs_view")
        answer = self.node.call(self.registry, customs_view.encode(organisation, root))
        if not answer:
            self._no_contract(self.registry, "attestation registry")
        return CustomsView.from_abi(customs_view.decode(answer)[0])

    def member_status(self, organisation: bytes, root: bytes, proof: Any) -> ReportRecord:
        """``ReportRegistry.member_status`` of a report with its batch proof: one ``eth_call``."""
        member_status = function("ReportRegistry", "member_status")
        answer = self.node.call(
            self.deployment.registry, self._member_call(organisation, root, proof)
        )
        if not answer:
            self._no_contract(self.deployment.registry, "report registry")
        return ReportRecord.from_abi(member_status.decode(answer)[0])

    @staticmethod
    def _member_view_call(organisation: bytes, root: bytes, proof: Any) -> bytes:
        return function("AttestationRegistry", "member_customs_view").encode(
            organisation, root, proof.batch, list(proof.proof)
        )

    @staticmethod
    def _member_call(organisation: bytes, root: bytes, proof: Any) -> bytes:
        return function("ReportRegistry", "member_status").encode(
            organisation, root, proof.batch, list(proof.proof)
        )

    def multicall_address(self) -> str | None:
        """The manifest's multicall; else Multicall3 if the chain has it; else None."""
        if not self._multicall_known:
            if self.deployment.multicall is not None:
                self._multicall = self.deployment.multicall.address
            elif self.node.code(MULTICALL3):
                self._multicall = MULTICALL3
            self._multicall_known = True
        return self._multicall

    # ------------------------------------------------------------ internals

    def _batch(
        self,
        multicall: str,
        roots: list[ReportKey],
        proofs: Mapping[ReportKey, Any] | None = None,
    ) -> dict[ReportKey, CustomsView]:
        proofs = proofs or {}
        aggregate3 = function("Multicall", "aggregate3")
        customs_view = function("AttestationRegistry", "customs_view")
        member_view = function("AttestationRegistry", "member_customs_view")
        calls = []
        for key in roots:
            if key in proofs:
                calls.append((self.registry, True, self._member_view_call(*key, proofs[key])))
            else:
                calls.append((self.registry, True, customs_view.encode(*key)))
        try:
            answer = self.node.call(multicall, aggregate3.encode(calls))
        except NodeUnreachable:
            raise
        except ChainUnavailable:
            if len(roots) == 1:
                return {roots[0]: self.view(*roots[0], proof=proofs.get(roots[0]))}
            half = len(roots) // 2  # e.g. over the node's eth_call gas cap
            return {
                **self._batch(multicall, roots[:half], proofs),
                **self._batch(multicall, roots[half:], proofs),
            }
        if not answer:
            self._no_contract(multicall, "multicall contract")
        results = list(aggregate3.decode(answer)[0])
        if len(results) != len(calls):
            raise ChainUnavailable(
                f"the multicall at {multicall} answered {len(results)} results "
                f"for {len(calls)} calls"
            )
        out: dict[ReportKey, CustomsView] = {}
        for key in roots:
            result = results.pop(0)
            try:
                if key in proofs:
                    view = CustomsView.from_abi(member_view.decode(_answer(result))[0])
                    out[key] = dataclasses.replace(view, batch=proofs[key])
                else:
                    out[key] = CustomsView.from_abi(customs_view.decode(_answer(result))[0])
            except ChainUnavailable:
                # cut short or failed in the batch: ask alone
                out[key] = self.view(*key, proof=proofs.get(key))
        return out

    def _alone(self, organisation: bytes, root: bytes) -> CustomsView:
        return self.view(organisation, root)

    def _no_contract(self, address: str, what: str) -> NoReturn:
        raise ChainUnavailable(
            f"no {what} at {address} on {self.node.where} (chain {self.deployment.chain_id}): "
            f"the node was reset since the deployment, or the manifest for "
            f"{self.deployment.network} describes another deployment"
        )


def _answer(result: Mapping[str, Any]) -> bytes:
    data = bytes(result["returnData"])
    if not result["success"] or not data:
        raise ChainUnavailable("no answer in the batch")
    return data
