"""Shared helpers of the report tests: sample reports, organisations, the invalid corpus."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from bci_registry.registry import organisation_id

ROOT = Path(__file__).resolve().parents[2]
SAMPLES_DIR = ROOT / "samples"
INVALID_DIR = Path(__file__).resolve().parent / "invalid"
VECTORS_DIR = ROOT / "tests" / "vectors"

SAMPLE_NAMES = tuple(sorted(p.stem for p in SAMPLES_DIR.glob("*.json")))

ORG_TEXT = "BPNL00000007KRNM"
ORG = organisation_id(ORG_TEXT)
"""The organisation the tests seal for (the nmc811 sample's exporter)."""
OTHER_ORG = organisation_id("NL862345671")
"""Another exporter."""


def sample(name: str) -> dict[str, Any]:
    """A fresh copy of a sample report."""
    report: dict[str, Any] = json.loads((SAMPLES_DIR / f"{name}.json").read_text("utf-8"))
    return report


def _pointer(pointer: str) -> list[str | int]:
    """RFC 6901 JSON pointer -> steps (numbers become list indices)."""
    if not pointer.startswith("/"):
        raise ValueError(f"bad JSON pointer {pointer!r}")
    steps: list[str | int] = []
    for raw in pointer[1:].split("/"):
        step = raw.replace("~1", "/").replace("~0", "~")
        steps.append(int(step) if step.isdigit() else step)
    return steps


def set_at(doc: Any, pointer: str, value: Any) -> None:
    """Set (or append, at index len) the value at a JSON pointer."""
    *parents, last = _pointer(pointer)
    node = doc
    for step in parents:
        node = node[step]
    if isinstance(node, list) and isinstance(last, int) and last == len(node):
        node.append(copy.deepcopy(value))
    else:
        node[last] = copy.deepcopy(value)


def remove_at(doc: Any, pointer: str) -> None:
    """Remove the value at a JSON pointer."""
    *parents, last = _pointer(pointer)
    node = doc
    for step in parents:
        node = node[step]
    del node[last]


def case_report(case: dict[str, Any]) -> Any:
    """The report a corpus case describes: a literal report, or a patched sample."""
    if "report" in case:
        return copy.deepcopy(case["report"])
    report = sample(case["base"])
    for pointer, value in case.get("set", {}).items():
        set_at(report, pointer, value)
    for pointer in case.get("remove", []):
        remove_at(report, pointer)
    return report


def invalid_cases() -> list[tuple[str, dict[str, Any]]]:
    """Every case of the invalid corpus, by file name."""
    return [
        (path.stem, json.loads(path.read_text("utf-8")))
        for path in sorted(INVALID_DIR.glob("*.json"))
    ]
