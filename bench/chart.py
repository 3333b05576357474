"""`bench/results/gas.png`: gas per report, ours beside the peers, on a log scale.

Input is the list `make bench` writes to gas.json: ``{"operation", "gas_used",
"calldata_bytes", ...}``, ours and the peers' (``eas_*``, ``safe_*``,
``anchor_plain_eoa``, ``anchor_bare_root_*``). Bars are grouped by what they
measure; within a group ours come first, then the peers. Batch records are
already per report/item. Drawn with matplotlib's Agg backend (no display).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

#: Peers' operation names start with these (the same rule as ``bench.peers.is_peer``).
PEER_PREFIXES = ("eas_", "safe_", "anchor_plain_eoa", "anchor_bare_root_")
OURS_COLOUR, PEER_COLOUR = "#1f5f9f", "#e07b22"

ONE, ATTESTATIONS, BATCHES, SETUP = (
    "one report",
    "attestations",
    "per report in a batch",
    "set-up (once, not per report)",
)
#: (group, words any of which puts an operation in it): the first match wins.
MATCHING: tuple[tuple[str, tuple[str, ...]], ...] = (
    (BATCHES, ("batch", "multi_", "bare_root", "per_item", "per_report")),
    (ATTESTATIONS, ("attest", "eas_revoke")),
    (SETUP, ("register_", "accredit", "suspend", "deploy")),
    (ONE, ("",)),
)
#: Top to bottom.
DISPLAY_ORDER = (ONE, ATTESTATIONS, BATCHES, SETUP)


def is_peer(operation: str) -> bool:
    return operation.startswith(PEER_PREFIXES)


def is_whole_batch(operation: str) -> bool:
    """A whole batch transaction (its per-report figure is its own record): not per report."""
    return re.search(r"batch\D*?\d+", operation) is not None and not operation.endswith(
        ("_per_report", "_per_item")
    )


def group_of(operation: str) -> str:
    for group, words in MATCHING:
        if any(word in operation for word in words):
            return group
    raise AssertionError("the last group matches every operation")


def ordered(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Records by group (DISPLAY_ORDER), ours before the peers, otherwise in input order."""
    indexed = list(enumerate(records))

    def key(item: tuple[int, Mapping[str, Any]]) -> tuple[int, bool, int]:
        operation = str(item[1]["operation"])
        return DISPLAY_ORDER.index(group_of(operation)), is_peer(operation), item[0]

    return [record for _, record in sorted(indexed, key=key)]


def _last_row(lines: list[tuple[str, Mapping[str, Any] | None]]) -> Mapping[str, Any]:
    return next(row for _, row in reversed(lines) if row is not None)


def _label(row: Mapping[str, Any]) -> str:
    """Gas and calldata ("68,129 gas, 292 B") and, if a peer is paired, the ratio to its gas."""
    size = f"{int(row['calldata_bytes']):,} B"
    if row.get("items") and row.get("batch_calldata_bytes") is not None:
        size = f"{int(row['batch_calldata_bytes']) / int(row['items']):,.2f} B"
    text = f"{int(row['gas_used']):,} gas, {size}"
    if row.get("peer_gas"):
        ratio = int(row["gas_used"]) / int(row["peer_gas"])
        text += f"  ({ratio:.3g}x {row.get('peer', 'peer')})"
    return text


def draw(records: Iterable[Mapping[str, Any]], path: Path = RESULTS / "gas.png") -> Path:
    """Draw the bar chart of `records` to `path` (PNG) and return the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    rows = [
        r
        for r in ordered(records)
        if int(r["gas_used"]) > 0 and not is_whole_batch(str(r["operation"]))
    ]
    if not rows:
        raise ValueError("no gas records to draw")
    gas_max = max(int(r["gas_used"]) for r in rows)
    gas_min = min(int(r["gas_used"]) for r in rows)

    # One line per record, top to bottom, with a header line before each group.
    lines: list[tuple[str, Mapping[str, Any] | None]] = []
    for row in rows:
        group = group_of(str(row["operation"]))
        if not lines or group != group_of(str(_last_row(lines)["operation"])):
            lines.append((group, None))
        lines.append((str(row["operation"]), row))

    fig, ax = plt.subplots(figsize=(12, 1.6 + 0.3 * len(lines)))
    try:
        ys = list(range(len(lines)))[::-1]
        for y, (name, record) in zip(ys, lines, strict=True):
            if record is None:
                if y != ys[0]:
                    ax.axhline(y + 0.5, color="#999999", linewidth=0.6)
                continue
            value = int(record["gas_used"])
            ax.barh(y, value, color=PEER_COLOUR if is_peer(name) else OURS_COLOUR, height=0.7)
            ax.text(value * 1.08, y, _label(record), va="center", fontsize=7)
        ax.set_xscale("log")
        ax.set_xlim(gas_min / 2, gas_max * 12)
        ax.set_ylim(-0.7, len(lines) - 0.3)
        ax.set_yticks(ys, [name for name, _ in lines], fontsize=8)
        for tick, (_, line_record) in zip(ax.get_yticklabels(), lines, strict=True):
            if line_record is None:
                tick.set_fontweight("bold")
                tick.set_fontstyle("italic")
        ax.set_xlabel("gas per report (log scale); batch figures are per item")
        ax.set_title(
            "Gas per report on one anvil (OP-stack mode, chain 84532), same run: ours vs peers",
            fontsize=10,
            pad=24,
        )
        ax.legend(
            handles=[
                Patch(color=OURS_COLOUR, label="bci-registry"),
                Patch(color=PEER_COLOUR, label="peers: EAS 1.4, Safe 1.4.1, one-slot anchor"),
            ],
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncol=2,
            frameon=False,
            fontsize=8,
        )
        ax.grid(axis="x", which="major", linestyle=":", linewidth=0.5)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    finally:
        plt.close(fig)
    return path
