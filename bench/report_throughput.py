"""Throughput of validate + canonicalise + seal on the sample reports, on one core.

``run()`` seals the sample reports round-robin for a fixed time in several rounds,
and reports the median rate (and the best, which is less disturbed by other load on
a shared machine). The work per report is exactly what ``seal_report`` does for an
exporter: schema gate and every check, RFC 8785 text of the 12 fields, 12 fresh salts,
12 leaf hashes and the tree. JSON parsing of the input file is not included.

Run it with ``python bench/report_throughput.py``; it writes
``bench/results/throughput.json`` and prints one line.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from bci_registry.registry import organisation_id
from bci_registry.report import seal_report
from bci_registry.report.hashing import keccak

ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = ROOT / "samples"
RESULTS_FILE = ROOT / "bench" / "results" / "throughput.json"
TARGET_REPORTS_PER_SECOND = 1000
# Any exporter: the organisation leaf costs the same for every id.
ORGANISATION = organisation_id("BPNL00000007KRNM")


def _pin_to_one_core() -> int | None:
    """Pin this process to one CPU (Linux); return it, or None where not supported."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def _round(reports: list[dict[str, Any]], seconds: float) -> float:
    """Seal reports round-robin for about ``seconds``; return reports per second."""
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for report in reports:
            seal_report(report, organisation=ORGANISATION)
        done += len(reports)
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - start)


def run(
    seconds_per_round: float = 1.0, rounds: int = 5, write: bool = True, quiet: bool = False
) -> dict[str, Any]:
    """Measure, write ``bench/results/throughput.json`` (if ``write``), print a line, return it."""
    reports = [json.loads(path.read_text("utf-8")) for path in sorted(SAMPLES_DIR.glob("*.json"))]
    if not reports:
        raise RuntimeError(f"no sample reports in {SAMPLES_DIR}")
    saved_affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    cpu = _pin_to_one_core()
    try:
        _round(reports, min(0.2, seconds_per_round))  # warm caches: compiled validators
        rates = [_round(reports, seconds_per_round) for _ in range(rounds)]
    finally:
        if saved_affinity is not None:
            os.sched_setaffinity(0, saved_affinity)
    median = statistics.median(rates)
    result: dict[str, Any] = {
        "operation": "validate_canonicalise_seal",
        "reports_per_second": round(median, 1),
        "best_reports_per_second": round(max(rates), 1),
        "rounds_reports_per_second": [round(rate, 1) for rate in rates],
        "target_reports_per_second": TARGET_REPORTS_PER_SECOND,
        "meets_target": median >= TARGET_REPORTS_PER_SECOND,
        "sample_reports": len(reports),
        "cpu": cpu,
        "python": platform.python_version(),
        "keccak": type(getattr(keccak, "_backend", keccak)).__name__,
    }
    if write:
        RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        RESULTS_FILE.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if not quiet:
        print(
            f"report validate+canonicalise+seal: {result['reports_per_second']:.0f} reports/s "
            f"median of {rounds} rounds (best {result['best_reports_per_second']:.0f}; "
            f"target {TARGET_REPORTS_PER_SECOND}) on one core"
        )
    return result


if __name__ == "__main__":
    run()
