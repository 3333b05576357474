"""`make bench`: gas and calldata on anvil beside the peers, and throughput.

On one anvil, in one run, it measures our contracts and the peers deployed
from their published npm artifacts (EAS 1.4, Safe 1.4.1: `bench.peers`).
Writes bench/results/gas.json (a list of {operation, gas_used,
calldata_bytes}, ours paired with the measured peer, then the peers' own
records named `eas_*` / `safe_*`), prints the table with ratios and draws
bench/results/gas.png.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from bci_registry import devnode
from bench import chart, report_throughput, verify_timing
from bench.peers import measure_peers, pair_with_peers

RESULTS = Path(__file__).resolve().parent / "results"


def run_gas() -> list[dict[str, object]]:
    os.environ.setdefault("APE_DATA_FOLDER", str(devnode.PROJECT_ROOT / ".devnet" / "ape-data"))
    from ape import accounts, chain, networks, project
    from ape.logging import logger

    logger.set_level("WARNING")  # one line per confirmed transaction drowns the table

    from bench.gas import EXTRA_MEASUREMENTS, Recorder, measure_registry

    workdir = devnode.PROJECT_ROOT / ".devnet" / "bench"
    node = devnode.start(workdir)  # on $BCI_DEVNET_PORT, default 18545
    try:
        with networks.parse_network_choice(devnode.network_choice(node.port)):
            actors = [accounts.test_accounts[i] for i in range(10)]
            for actor in actors:
                node.set_balance(actor.address, 10**20)
            rec = Recorder()
            registry = measure_registry(project, actors, chain.chain_id, rec)
            for extra in EXTRA_MEASUREMENTS:
                extra(project, actors, chain.chain_id, registry, rec)
        peer_records = measure_peers(node.url)
    finally:
        node.stop()
    return pair_with_peers([r.to_json() for r in rec.records], peer_records) + peer_records


def print_gas_table(records: list[dict[str, object]]) -> None:
    print(f"\n{'operation':40} {'gas':>8} {'bytes':>6}   peer (same anvil)")
    for r in records:
        peer = ""
        if "peer" in r:
            peer_bytes = f", {r['peer_calldata_bytes']} B" if "peer_calldata_bytes" in r else ""
            ratio = int(str(r["gas_used"])) / int(str(r["peer_gas"]))
            peer = f"{r['peer']}: {r['peer_gas']:,} gas{peer_bytes} ({ratio:.3g}x)"
        print(f"{r['operation']:40} {r['gas_used']:>8,} {r['calldata_bytes']:>6}   {peer}")


def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    records = run_gas()
    (RESULTS / "gas.json").write_text(json.dumps(records, indent=2) + "\n")
    print_gas_table(records)
    chart.draw(records, RESULTS / "gas.png")
    report_throughput.run()
    verify_timing.run()
    print(f"\nresults in {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
