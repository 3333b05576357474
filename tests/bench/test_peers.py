"""The peers of `make bench` deploy from their npm artifacts and measure plausibly.

One anvil (OP-stack mode, chain id 84532) on a free 127.0.0.1 port, started
through `bci_registry.devnode` and stopped by PID. The bench modules are loaded
from their files, as `bench` is not an installed package.
"""

from __future__ import annotations

import importlib.util
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bci_registry import devnode

ROOT = devnode.PROJECT_ROOT


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


peers = _load("peers")
chart = _load("chart")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((devnode.HOST, 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def measured() -> Iterator[dict[str, dict[str, Any]]]:
    node = devnode.start(ROOT / ".devnet" / "bench-peers", port=_free_port())
    try:
        records = peers.measure_peers(node.url)
    finally:
        node.stop()
    yield {r["operation"]: r for r in records}


@pytest.mark.e2e
def test_every_peer_operation_is_measured(measured: dict[str, dict[str, Any]]) -> None:
    assert list(measured) == list(peers.OPERATIONS)
    for name, record in measured.items():
        assert peers.is_peer(name) and chart.is_peer(name)
        assert isinstance(record["gas_used"], int) and record["gas_used"] > 0
        assert isinstance(record["calldata_bytes"], int)


@pytest.mark.e2e
def test_single_operations_are_in_plausible_ranges(measured: dict[str, dict[str, Any]]) -> None:
    gas = {name: r["gas_used"] for name, r in measured.items()}
    # 21,000 + a fresh slot (22,100) + an event + calldata.
    assert 43_000 < gas["anchor_plain_eoa"] < 50_000
    assert gas["anchor_plain_eoa"] < gas["safe_2of3_exec_transaction_anchor"] < 120_000
    # Each further owner: one more signature to recover and check (ecrecover 3,000 + lookups).
    assert (
        3_000
        < gas["safe_3of5_exec_transaction_anchor"] - gas["safe_2of3_exec_transaction_anchor"]
        < 12_000
    )
    assert 200_000 < gas["eas_attest"] < 400_000
    assert gas["eas_attest"] < gas["eas_attest_by_delegation"] < gas["eas_attest"] + 40_000
    assert 40_000 < gas["eas_revoke"] < 120_000


@pytest.mark.e2e
def test_batches_are_per_item_and_in_plausible_ranges(measured: dict[str, dict[str, Any]]) -> None:
    gas = {name: r["gas_used"] for name, r in measured.items()}
    for n in (10, 100):
        timestamp = measured[f"eas_multi_timestamp_{n}_per_item"]
        attest = measured[f"eas_multi_attest_{n}_per_item"]
        assert timestamp["items"] == attest["items"] == n
        assert timestamp["gas_used"] == round(timestamp["batch_gas_used"] / n)
        # One fresh slot (22,100) per timestamp and an event; the transaction's base cost shared.
        assert 22_100 < timestamp["gas_used"] < 30_000
        assert 150_000 < attest["gas_used"] < gas["eas_attest"]
    assert gas["eas_multi_timestamp_100_per_item"] < gas["eas_multi_timestamp_10_per_item"]
    bare = measured["anchor_bare_root_100_per_item"]
    assert bare["batch_gas_used"] == pytest.approx(gas["anchor_plain_eoa"], abs=100)
    assert 300 < bare["gas_used"] < 1_000


@pytest.mark.e2e
def test_calldata_is_that_of_the_mined_transactions(measured: dict[str, dict[str, Any]]) -> None:
    size = {name: r["calldata_bytes"] for name, r in measured.items()}
    assert size["anchor_plain_eoa"] == 4 + 32
    assert size["eas_revoke"] == 4 + 3 * 32  # (schema, (uid, value))
    # Safe: 10 head words, the 36-byte call padded, 2 or 3 65-byte signatures padded.
    assert size["safe_2of3_exec_transaction_anchor"] == 4 + 10 * 32 + (32 + 64) + (32 + 160)
    assert size["safe_3of5_exec_transaction_anchor"] == 4 + 10 * 32 + (32 + 64) + (32 + 224)
    # 160 bytes of attestation data travel in each attest.
    assert size["eas_attest"] > 160 and size["eas_attest_by_delegation"] > size["eas_attest"]
    assert measured["eas_multi_timestamp_100_per_item"]["batch_calldata_bytes"] == 4 + 64 + 100 * 32


def test_a_missing_package_is_reported(tmp_path: Path) -> None:
    with pytest.raises(peers.PeerError, match="npm ci"):
        peers.load_artifact("EAS", node_modules=tmp_path)


def test_only_loopback_nodes_are_measured() -> None:
    with pytest.raises(peers.PeerError, match="loopback"):
        peers.Node("http://192.0.2.1:8545")


def test_ours_are_paired_with_the_measured_peers() -> None:
    measured = [
        {
            "operation": "safe_2of3_exec_transaction_anchor",
            "gas_used": 83_556,
            "calldata_bytes": 612,
        },
        {"operation": "eas_multi_attest_100_per_item", "gas_used": 256_170, "calldata_bytes": 418},
        {"operation": "eas_multi_timestamp_100_per_item", "gas_used": 24_779, "calldata_bytes": 33},
    ]
    ours = [
        {"operation": "anchor_2of3_signatures", "gas_used": 1, "calldata_bytes": 2,
         "peer": "table", "peer_gas": 9, "peer_calldata_bytes": 9},
        {"operation": "anchor_batch_1000_per_report", "gas_used": 1, "calldata_bytes": 2},
        {"operation": "attest_batch_100_per_report", "gas_used": 1, "calldata_bytes": 2},
        {"operation": "register_organisation_3_signers", "gas_used": 1, "calldata_bytes": 2,
         "peer": "table", "peer_gas": 9},
    ]  # fmt: skip
    paired = peers.pair_with_peers(ours, measured)
    assert [p.get("peer") for p in paired] == [
        "safe_2of3_exec_transaction_anchor",
        "eas_multi_timestamp_100_per_item",
        "eas_multi_attest_100_per_item",
        None,
    ]
    assert paired[0]["peer_gas"] == 83_556 and paired[0]["peer_calldata_bytes"] == 612
    assert "peer_gas" not in paired[3]


def test_the_chart_is_drawn(tmp_path: Path) -> None:
    def rec(operation: str, gas: int, size: int, **extra: Any) -> dict[str, Any]:
        return {"operation": operation, "gas_used": gas, "calldata_bytes": size, **extra}

    safe = "safe_2of3_exec_transaction_anchor"
    records = [
        rec("anchor_2of3_signatures", 68_129, 292, peer=safe, peer_gas=83_556),
        rec("anchor_batch_100_per_report", 650, 3),
        rec("register_organisation_3_signers", 323_652, 324),
        rec(safe, 83_556, 612),
        rec("eas_revoke", 75_165, 100),
        rec("anchor_bare_root_100_per_item", 454, 0, items=100, batch_calldata_bytes=36),
    ]
    order = [r["operation"] for r in chart.ordered(records)]
    assert order == [
        "anchor_2of3_signatures",
        "safe_2of3_exec_transaction_anchor",
        "eas_revoke",
        "anchor_batch_100_per_report",
        "anchor_bare_root_100_per_item",
        "register_organisation_3_signers",
    ]
    assert chart._label(records[0]).endswith("(0.815x safe_2of3_exec_transaction_anchor)")
    assert chart._label(records[-1]) == "454 gas, 0.36 B"
    # A whole batch transaction is not a per-report figure: the chart leaves it out.
    assert chart.is_whole_batch("anchor_batch_100_2of3")
    assert not chart.is_whole_batch("anchor_batch_100_2of3_per_report")
    assert not chart.is_whole_batch("eas_multi_attest_100_per_item")
    path = chart.draw(records, tmp_path / "gas.png")
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    with pytest.raises(ValueError, match="no gas records"):
        chart.draw([], tmp_path / "empty.png")
