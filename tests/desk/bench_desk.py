"""Measures the desk against the issue's goals (not a test: ``python tests/desk/bench_desk.py``).

On its own anvil (free 127.0.0.1 port, stopped by PID) with a registry deployed
by web3.py:

- verify through the API, one uploaded report, warm service: p50 / p99 over 200
  sequential requests on one keep-alive connection (goal p50 <= 50 ms, p99 <= 200 ms);
- 100 reports in one request (goal <= 1 s), median of 5;
- index catch-up from scratch, events per second (goal >= 2,000), in process;
- the live feed: 1,000 concurrent SSE subscribers held by one desk process, and
  the time from a block to the event at every subscriber (goal <= 1 s).

Writes ``.devnet/desk-bench.json`` and prints it.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from deskutil import DELIVERY, multipart, play_story, start_desk
from localchain import FAR, GAS, LocalChain

from bci_registry import devnode
from bci_registry.desk.indexer import Indexer
from bci_registry.desk.store import Store
from bci_registry.report import load_report, seal_report

RESULTS = devnode.PROJECT_ROOT / ".devnet" / "desk-bench.json"
SAMPLE = devnode.PROJECT_ROOT / "samples" / "nmc811-module-kr-to-de.json"


def flood(chain: LocalChain, story: Any, reports: int) -> list[Any]:
    """``reports`` sealed copies anchored and attested, sent without waiting per transaction."""
    template = load_report(SAMPLE)
    sealed = [seal_report(template, organisation=story.organisation) for _ in range(reports)]
    w3, chain_id = chain.w3, chain.deployment.chain_id
    relayer, verifier = story.erp, story.verifier
    nonces = {a.address: w3.eth.get_transaction_count(a.address) for a in (relayer, verifier)}
    now = chain.now()
    last = None
    for s in sealed:
        blob = chain.approval_blob(story.organisation, s.root, story.signers[:2])
        for account, fn in (
            (relayer, chain.registry.functions.anchor(story.organisation, s.root, FAR, blob)),
            (verifier, chain.attestations.functions.attest(
                story.organisation, s.root, 1, 0xFFF, b"\x01" * 32, now - 60, now + 86400 * 90)),
        ):  # fmt: skip
            tx = fn.build_transaction(
                {"from": account.address, "nonce": nonces[account.address], "gas": GAS,
                 "chainId": chain_id, "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 1}
            )  # fmt: skip
            nonces[account.address] += 1
            last = w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(last, timeout=120)
    assert receipt["status"] == 1
    chain.nonces.clear()
    return sealed


def post(conn: http.client.HTTPConnection, files: list[tuple[str, bytes]]) -> dict[str, Any]:
    body, content_type = multipart(files, {"delivery": DELIVERY})
    conn.request("POST", "/v1/verify", body, {"Content-Type": content_type})
    response = conn.getresponse()
    data = response.read()
    assert response.status == 200, data[:300]
    return json.loads(data)


async def feed_fanout(host: str, port: int, subscribers: int, trigger: Any) -> dict[str, Any]:
    """Open ``subscribers`` SSE streams from the current end, trigger one event, time arrivals."""
    status = json.loads(_get(host, port, "/v1/status"))
    after = status["index"]["last_event_id"]
    readers: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    for _ in range(subscribers):
        reader, writer = await asyncio.open_connection(host, port, limit=2**20)
        writer.write(
            f"GET /v1/events/stream?after={after} HTTP/1.1\r\nHost: {host}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        readers.append((reader, writer))
    await asyncio.gather(*(w.drain() for _, w in readers))

    async def headers(reader: asyncio.StreamReader) -> None:
        await reader.readuntil(b"\r\n\r\n")

    await asyncio.gather(*(headers(r) for r, _ in readers))
    await asyncio.sleep(0.5)
    held = json.loads(_get(host, port, "/v1/status"))["feed_subscribers"]
    started = time.monotonic()
    await asyncio.get_running_loop().run_in_executor(None, trigger)
    mined = time.monotonic()

    async def first_event(reader: asyncio.StreamReader) -> float:
        while True:
            line = await reader.readline()
            if line.startswith(b"id: "):
                return time.monotonic()

    arrivals = await asyncio.wait_for(asyncio.gather(*(first_event(r) for r, _ in readers)), 30)
    for _, writer in readers:
        writer.close()
    delays = sorted(a - mined for a in arrivals)
    return {
        "subscribers": subscribers,
        "held_by_the_desk": held,
        "transaction_seconds": round(mined - started, 4),
        "block_to_event_p50_seconds": round(statistics.median(delays), 4),
        "block_to_event_max_seconds": round(delays[-1], 4),
    }


def _get(host: str, port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", path)
    data = conn.getresponse().read()
    conn.close()
    return data


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bci-desk-bench-"))
    node = devnode.start(work, port=devnode.free_port())
    desk = None
    try:
        chain = LocalChain.deploy(node.url)
        story = play_story(chain, work / "story")
        reports = 300
        started = time.monotonic()
        sealed = flood(chain, story, reports)
        setup_seconds = time.monotonic() - started
        batch_dir = work / "batch"
        batch_dir.mkdir()
        batch = [
            (f"r{i:03d}.sealed.json", s.to_json().encode()) for i, s in enumerate(sealed[:100])
        ]

        # Index catch-up from scratch, in process (SQLite file).
        store = Store(f"sqlite:///{work / 'catchup.sqlite3'}")
        indexer = Indexer(store, node.url, chain.deployment, confirmations=0)
        indexer.bind()
        t0 = time.perf_counter()
        while indexer.cursor() < chain.head():
            indexer.step()
        catchup = time.perf_counter() - t0
        events = store.count_events()
        store.close()

        desk = start_desk(story.manifest, node.url, work / "desk", "--max-files", "200")
        host, port = "127.0.0.1", int(desk.url.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection(host, port, timeout=60)
        one = [(story.sealed.name, story.sealed.read_bytes())]
        for _ in range(20):
            post(conn, one)  # warm
        times = []
        for _ in range(200):
            t = time.perf_counter()
            result = post(conn, one)
            times.append(time.perf_counter() - t)
        assert result["verdict"] == "PASS"
        times.sort()
        hundred = []
        for _ in range(5):
            t = time.perf_counter()
            result = post(conn, batch)
            hundred.append(time.perf_counter() - t)
        assert result["passed"] == 100, result["failed"]
        conn.close()

        def trigger() -> None:
            extra = seal_report(load_report(SAMPLE), organisation=story.organisation)
            assert chain.anchor(story.organisation, extra.root, story.signers[:2], story.erp)

        fanout = asyncio.run(feed_fanout(host, port, 1000, trigger))
        results = {
            "machine": "2 cores (shared)",
            "verify_one_report": {
                "requests": len(times),
                "p50_ms": round(times[len(times) // 2] * 1000, 2),
                "p99_ms": round(times[int(len(times) * 0.99) - 1] * 1000, 2),
                "goal": "p50 <= 50 ms, p99 <= 200 ms",
            },
            "verify_100_reports_one_request": {
                "median_seconds": round(statistics.median(hundred), 3),
                "goal": "<= 1 s",
            },
            "index_catch_up": {
                "events": events,
                "seconds": round(catchup, 3),
                "events_per_second": round(events / catchup),
                "goal": ">= 2000 events/s",
            },
            "feed": {**fanout, "goal": "1000 subscribers; <= 1 s from a final block"},
            "setup_seconds": round(setup_seconds, 1),
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(json.dumps(results, indent=2))
        return 0
    finally:
        if desk is not None:
            desk.stop()
        node.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
