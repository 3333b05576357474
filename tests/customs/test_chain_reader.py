"""ChainReader against a scripted node: how many calls, batching, retries, errors."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any

import pytest
from eth_abi.abi import decode, encode

from bci_registry.customs.abi import canonical_type, function
from bci_registry.customs.chain import MULTICALL3, ChainReader, NodeUnreachable, http_node
from bci_registry.customs.errors import ChainUnavailable
from bci_registry.deployment import DeployedContract, Deployment

REGISTRY = "0x" + "aa" * 20
ATTESTATIONS = "0x00000000000000000000000000000000000000A7"
MULTICALL = "0x000000000000000000000000000000000000Ca11"
CHAIN_ID = 84532

CUSTOMS_VIEW = function("AttestationRegistry", "customs_view")
AGGREGATE3 = function("Multicall", "aggregate3")


def deployment(multicall: str | None = MULTICALL) -> Deployment:
    def contract(address: str) -> DeployedContract:
        return DeployedContract(address, 1, "0x" + "00" * 32)

    return Deployment(
        network="base:devnet",
        chain_id=CHAIN_ID,
        report_registry=contract(REGISTRY),
        attestation_registry=contract(ATTESTATIONS),
        deployer=REGISTRY,
        governance=REGISTRY,
        pauser=REGISTRY,
        compiler="vyper 0.4.3",
        multicall=None if multicall is None else contract(multicall),
    )


ORG = b"ORG".ljust(32, b"\0")


def root(i: int) -> bytes:
    return i.to_bytes(32, "big")


def key(i: int) -> tuple[bytes, bytes]:
    """A report on chain: (organisation, root)."""
    return (ORG, root(i))


def as_tuple(value: Any, param: Mapping[str, Any]) -> Any:
    """The inverse of ``abi.named``: dicts back to tuples in component order."""
    kind = str(param["type"])
    if kind.endswith("]"):
        element = {**param, "type": kind[: kind.rindex("[")]}
        return [as_tuple(v, element) for v in value]
    if kind == "tuple":
        return tuple(as_tuple(value[c["name"]], c) for c in param["components"])
    return value


def report_status(i: int) -> dict[str, Any]:
    return {
        "state": 2,
        "organisation": b"ORG".ljust(32, b"\0"),
        "organisation_status": 1,
        "approvals": 2,
        "threshold": 2,
        "approvers": 3,
        "signer_set_version": 1,
        "anchored_at": 1_000 + i,
        "anchored_block": i,
        "supersedes": bytes(32),
        "superseded_by": bytes(32),
        "revocation_reason": 0,
        "paused": False,
    }


def attestation(index: int) -> dict[str, Any]:
    return {
        "organisation": ORG,
        "report": bytes(32),
        "verifier": "0x" + f"{index:040x}",
        "verifier_index": index,
        "verifier_id": bytes(32),
        "verdict": 1,
        "fields": 0xFFF,
        "verified_at": 10,
        "expires_at": 10**9,
        "attested_at": 20,
        "revoked_at": 0,
        "revocation_reason": 0,
        "expired": False,
        "invalidated": False,
        "valid": True,
    }


class ScriptedNode:
    """Answers like the contracts would; records each eth_call by target and function."""

    where = "scripted node"

    def __init__(
        self,
        attestations_per_report: int = 1,
        max_batch: int = 100,
        cut_answers_at: int = 16_384,
        code: bytes = b"",
        chain: int = CHAIN_ID,
    ) -> None:
        self.per_report = attestations_per_report
        self.max_batch = max_batch
        self.cut_at = cut_answers_at
        self.code_at_multicall3 = code
        self.chain = chain
        self.calls: list[tuple[str, str]] = []

    def chain_id(self) -> int:
        return self.chain

    def code(self, address: str) -> bytes:
        self.calls.append((address, "eth_getCode"))
        return self.code_at_multicall3 if address == MULTICALL3 else b""

    def call(self, to: str, data: bytes) -> bytes:
        selector, args = data[:4], data[4:]
        if selector == AGGREGATE3.selector and to in (MULTICALL, MULTICALL3):
            self.calls.append((to, "aggregate3"))
            (calls,) = decode([canonical_type(AGGREGATE3.inputs[0])], args)
            if len(calls) > self.max_batch:
                raise ChainUnavailable("node at scripted node failed on eth_call: out of gas")
            results = [
                (True, self._answer(target, call)[: self.cut_at]) for target, _, call in calls
            ]
            return encode([canonical_type(AGGREGATE3.outputs[0])], [results])
        self.calls.append((to, "direct"))
        return self._answer(to, data)

    def _answer(self, to: str, data: bytes) -> bytes:
        if to.lower() != ATTESTATIONS.lower():
            return b""
        selector, args = data[:4], data[4:]
        if selector == CUSTOMS_VIEW.selector:
            organisation, report = decode(["bytes32", "bytes32"], args)
            assert organisation == ORG
            i = int.from_bytes(report, "big")
            view = {
                "report": report_status(i),
                "attestations": [attestation(k) for k in range(1, self.per_report + 1)],
                "checked_at": 5_000,
                "accepted": True,
            }
            out = CUSTOMS_VIEW.outputs[0]
            return encode([canonical_type(out)], [as_tuple(view, out)])
        raise AssertionError("unexpected call")


def test_one_report_is_one_call_to_the_attestation_registry() -> None:
    node = ScriptedNode()
    views = ChainReader(node, deployment()).views([key(7)])
    assert node.calls == [(ATTESTATIONS, "direct")]
    view = views[key(7)]
    assert view.accepted
    assert view.report.anchored_at == 1_007 and view.checked_at == 5_000
    assert view.attestations[0].verifier == "0x0000000000000000000000000000000000000001"


def test_a_batch_is_one_multicall_per_hundred_reports() -> None:
    node = ScriptedNode()
    roots = [key(i) for i in range(250)]
    views = ChainReader(node, deployment()).views([*roots, roots[0]])  # a duplicate is read once
    assert node.calls == [(MULTICALL, "aggregate3")] * 3
    assert [views[r].report.anchored_block for r in roots] == list(range(250))


def test_batch_answers_equal_single_answers() -> None:
    roots = [key(i) for i in range(5)]
    reader = ChainReader(ScriptedNode(attestations_per_report=3), deployment())
    assert reader.views(roots) == {r: reader.view(*r) for r in roots}


def test_without_a_multicall_in_the_manifest_the_canonical_one_is_used_if_present() -> None:
    node = ScriptedNode(code=b"\x60\x80")
    ChainReader(node, deployment(multicall=None)).views([key(1), key(2)])
    assert node.calls == [(MULTICALL3, "eth_getCode"), (MULTICALL3, "aggregate3")]


def test_without_any_multicall_each_report_is_read_alone() -> None:
    node = ScriptedNode()
    ChainReader(node, deployment(multicall=None)).views([key(1), key(2)])
    assert node.calls == [
        (MULTICALL3, "eth_getCode"),
        (ATTESTATIONS, "direct"),
        (ATTESTATIONS, "direct"),
    ]


def test_a_batch_the_node_refuses_is_split() -> None:
    node = ScriptedNode(max_batch=30)
    views = ChainReader(node, deployment()).views([key(i) for i in range(100)])
    assert len(views) == 100
    # 100 -> 50 + 50 -> 25 x 4: three refused, four answered.
    assert node.calls.count((MULTICALL, "aggregate3")) == 7


def test_a_report_with_the_most_attestations_is_one_call() -> None:
    node = ScriptedNode(attestations_per_report=32)
    view = ChainReader(node, deployment()).view(*key(1))
    assert [a.verifier_index for a in view.attestations] == list(range(1, 33))
    assert node.calls == [(ATTESTATIONS, "direct")]


def test_an_answer_cut_short_in_the_batch_is_asked_again_alone() -> None:
    node = ScriptedNode(attestations_per_report=2, cut_answers_at=700)
    views = ChainReader(node, deployment()).views([key(1), key(2)])
    assert len(views[key(1)].attestations) == 2
    assert node.calls == [
        (MULTICALL, "aggregate3"),
        (ATTESTATIONS, "direct"),
        (ATTESTATIONS, "direct"),
    ]


def test_another_chain_is_refused() -> None:
    with pytest.raises(ChainUnavailable) as caught:
        ChainReader(ScriptedNode(chain=1), deployment()).check_chain()
    assert str(caught.value) == (
        "the node at scripted node is chain 1, but the manifest for base:devnet names chain 84532"
    )


def test_no_contract_at_the_manifest_address() -> None:
    moved = deployment()
    moved = Deployment.from_json(
        {
            **moved.to_json(),
            "attestation_registry": {
                **moved.to_json()["attestation_registry"],
                "address": REGISTRY,
            },
        }
    )
    with pytest.raises(ChainUnavailable, match=f"no attestation registry at {REGISTRY} on"):
        ChainReader(ScriptedNode(), moved).view(*key(1))


def test_an_answer_that_does_not_decode_names_the_contract() -> None:
    class Garbage(ScriptedNode):
        def call(self, to: str, data: bytes) -> bytes:
            return b"\x01" * 31

    with pytest.raises(
        ChainUnavailable, match=r"AttestationRegistry\.customs_view answered 31 bytes"
    ):
        ChainReader(Garbage(), deployment()).view(*key(1))


def test_a_closed_port_is_unreachable_quickly() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    node = http_node(f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(NodeUnreachable) as caught:
        node.chain_id()
    assert (
        str(caught.value) == f"node at http://127.0.0.1:{port} is unreachable (connection refused)"
    )
