"""The shape of a deployment manifest, checked before it is used.

A manifest is read by every script and by customs (``bci-verify --manifest``):
a value of the wrong type must be named as such ("chain_id: expected a whole
number, got the string '84532'"), not surface later as a puzzling comparison
("is chain 84532, but the manifest names chain 84532").
"""

from __future__ import annotations

from typing import Any

_CONTRACTS = ("report_registry", "attestation_registry")
_OPTIONAL_CONTRACTS = ("multicall", "timelock", "disclosure_check")
_TEXT = ("network", "deployer", "governance", "pauser", "compiler")
_MAX_UINT64 = 2**64 - 1


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "…"
        return f"the string {shown!r}"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"a JSON {'array' if isinstance(value, list) else 'object'}"


def _whole(value: Any, where: str, low: int, problems: list[str]) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(f"{where}: expected a whole number, got {_show(value)}")
    elif not low <= value <= _MAX_UINT64:
        problems.append(f"{where}: {value} is out of range ({low} to 2**64 - 1)")


def manifest_problems(data: Any) -> list[str]:
    """Every type problem of a decoded manifest, each naming its key; empty if none."""
    if not isinstance(data, dict):
        return [f"expected a JSON object, got {_show(data)}"]
    problems: list[str] = []
    if "chain_id" in data:
        _whole(data["chain_id"], "chain_id", 1, problems)
    for key in _TEXT:
        if key in data and not isinstance(data[key], str):
            problems.append(f"{key}: expected a string, got {_show(data[key])}")
    for key in (*_CONTRACTS, *_OPTIONAL_CONTRACTS):
        if key not in data or (key in _OPTIONAL_CONTRACTS and data[key] is None):
            continue
        contract = data[key]
        if not isinstance(contract, dict):
            problems.append(f"{key}: expected an object {{address, block, transaction}}")
            continue
        for text in ("address", "transaction"):
            if text in contract and not isinstance(contract[text], str):
                problems.append(f"{key}.{text}: expected a string, got {_show(contract[text])}")
        if "block" in contract:
            _whole(contract["block"], f"{key}.block", 0, problems)
    return problems
