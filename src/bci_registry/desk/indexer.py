"""Follows both registries' events into the store: bounded pages, confirmations, reorgs.

One step:

1. ``head`` = the node's block number; the index goes up to ``head - confirmations``.
2. The cursor block's stored hash is compared with the chain's; on a mismatch the
   index walks back over its stored block hashes to the newest block still on the
   chain, withdraws every event above it (one transaction, plus a ``Reorg`` feed
   row) and goes on from there: undo, then re-apply.
3. ``eth_getLogs`` over at most ``page_blocks`` blocks for the two registry
   addresses (halved while the node refuses a page as too large), the headers of
   the blocks with events (one JSON-RPC batch) for their hash and time; then the
   events, the hashes and the cursor commit in one transaction.

A restart resumes from the stored cursor: nothing is lost or indexed twice.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from bci_registry.desk.adapter import ATTESTATIONS, REPORTS, Deployment, decode_log
from bci_registry.desk.rpc import RpcClient, RpcFailure
from bci_registry.desk.store import EventRow, Store

log = logging.getLogger("bci_registry.desk.indexer")

DEFAULT_PAGE_BLOCKS = 2000
MIN_PAGE_BLOCKS = 1
#: Pages ending this far below the head take block hashes and times from the logs
#: themselves; nearer the head (where reorgs happen) every block's header is read.
TRUST_LOGS_BELOW = 64


class Indexer:
    def __init__(
        self,
        store: Store,
        rpc_url: str,
        deployment: Deployment,
        confirmations: int = 2,
        page_blocks: int = DEFAULT_PAGE_BLOCKS,
        poll_interval: float = 1.0,
        on_commit: Callable[[list[EventRow], bool], None] | None = None,
    ) -> None:
        self.store = store
        self.rpc = RpcClient(rpc_url)
        self.deployment = deployment
        self.confirmations = max(0, confirmations)
        self.page_blocks = max(MIN_PAGE_BLOCKS, page_blocks)
        self.poll_interval = poll_interval
        self.on_commit = on_commit
        self.contracts = {
            deployment.registry.lower(): REPORTS,
            deployment.attestations.lower(): ATTESTATIONS,
        }
        self.start_block = min(
            deployment.report_registry.block, deployment.attestation_registry.block
        )
        self.head: int | None = None
        self.last_error: str | None = None
        self.reorgs = 0
        self._chain_checked = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------- lifecycle

    def bind(self) -> None:
        self.store.bind(
            self.deployment.chain_id,
            self.deployment.registry,
            self.deployment.attestations,
            self.start_block,
        )

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="bci-desk-index", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.rpc.close()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                advanced = self.step()
                self.last_error = None
            except (RpcFailure, OSError) as exc:
                self.last_error = str(exc)
                log.warning("index: %s", exc)
                advanced = 0
            except Exception as exc:  # keep following; the status endpoint shows it
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("index step failed")
                advanced = 0
            if not advanced:
                self._stop.wait(self.poll_interval)

    # --------------------------------------------------------------- step

    def cursor(self) -> int:
        stored = self.store.cursor()
        return self.start_block - 1 if stored is None else stored

    def step(self) -> int:
        """Index one page; the number of blocks advanced (0: caught up, or a reorg undone)."""
        if not self._chain_checked:
            chain_id = int(self.rpc.call("eth_chainId"), 16)
            if chain_id != self.deployment.chain_id:
                raise RpcFailure(
                    f"the node at {self.rpc.url} is chain {chain_id}, but the manifest names "
                    f"chain {self.deployment.chain_id}: nothing is indexed"
                )
            self._chain_checked = True
        head = int(self.rpc.call("eth_blockNumber"), 16)
        self.head = head
        cursor = self.cursor()
        if cursor >= self.start_block and self._reorged(cursor, head):
            return 0
        safe = head - self.confirmations
        if cursor >= safe:
            return 0
        first = cursor + 1
        last = min(safe, first + self.page_blocks - 1)
        logs = self._logs(first, last)
        info: dict[int, tuple[str, int]] = {}
        if head - last > TRUST_LOGS_BELOW:
            # Deep history (catching up): the logs' own block hash and time suffice
            # (nodes that give `blockTimestamp` in logs, as anvil and geth do).
            for entry in logs:
                if entry.get("blockTimestamp") is not None:
                    n = int(entry["blockNumber"], 16)
                    info[n] = (entry["blockHash"], int(entry["blockTimestamp"], 16))
        numbers = sorted(({int(entry["blockNumber"], 16) for entry in logs} - set(info)) | {last})
        headers = self.rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        for n, header in zip(numbers, headers, strict=True):
            if header is None:
                return 0  # the chain moved under us: try again
            info[n] = (header["hash"], int(header["timestamp"], 16))
        rows = []
        for entry in logs:
            n = int(entry["blockNumber"], 16)
            if entry.get("removed") or entry["blockHash"] != info[n][0]:
                return 0  # a reorg while we read: the next step sees it
            rows.append(self._row(entry, n, info[n]))
        committed = self.store.append(rows, [(n, h, t) for n, (h, t) in info.items()], last)
        if self.on_commit is not None:
            self.on_commit(committed, False)
        return last - cursor

    def _logs(self, first: int, last: int) -> list[dict[str, Any]]:
        while True:
            try:
                return list(
                    self.rpc.call(
                        "eth_getLogs",
                        [
                            {
                                "fromBlock": hex(first),
                                "toBlock": hex(last),
                                "address": list(self.contracts),
                            }
                        ],
                    )
                )
            except RpcFailure as exc:
                text = str(exc).lower()
                if last > first and any(
                    w in text for w in ("too many", "range", "limit", "exceed", "size")
                ):
                    self.page_blocks = max(MIN_PAGE_BLOCKS, (last - first + 1) // 2)
                    last = first + self.page_blocks - 1
                    continue
                raise

    def _row(self, entry: dict[str, Any], number: int, block: tuple[str, int]) -> dict[str, Any]:
        contract = self.contracts.get(entry["address"].lower(), "unknown")
        topics = [bytes.fromhex(t[2:]) for t in entry["topics"]]
        name, args = decode_log(contract, topics, bytes.fromhex(entry["data"][2:]))
        return {
            "block_number": number,
            "block_hash": block[0],
            "block_time": block[1],
            "log_index": int(entry["logIndex"], 16),
            "tx_hash": entry.get("transactionHash"),
            "contract": contract,
            "name": name,
            "organisation": args.get("organisation"),
            "report": args.get("report"),
            "successor": args.get("successor"),
            "verifier": args.get("verifier"),
            "args": json.dumps(args),
        }

    # -------------------------------------------------------------- reorgs

    def _reorged(self, cursor: int, head: int) -> bool:
        stored = self.store.block(cursor)
        if stored is None:
            return False
        chain = (
            self.rpc.call("eth_getBlockByNumber", [hex(cursor), False]) if cursor <= head else None
        )
        if chain is not None and chain["hash"] == stored[0]:
            return False
        ancestor = self._common_ancestor(cursor, head)
        log.warning("index: reorg: withdrawing blocks above %d", ancestor)
        row = self.store.undo_above(
            ancestor,
            {"from_block": ancestor + 1, "previous_cursor": cursor},
            int(time.time()),
        )
        self.reorgs += 1
        if self.on_commit is not None:
            self.on_commit([row], True)
        return True

    def _common_ancestor(self, cursor: int, head: int) -> int:
        below = cursor
        while True:
            stored = self.store.stored_blocks(below, 64)
            if not stored:
                return self.start_block - 1
            candidates = [(n, h) for n, h in stored if n <= head]
            if candidates:
                headers = self.rpc.batch(
                    [("eth_getBlockByNumber", [hex(n), False]) for n, _ in candidates]
                )
                for (n, h), header in zip(candidates, headers, strict=True):
                    if header is not None and header["hash"] == h:
                        return n
            below = stored[-1][0] - 1
