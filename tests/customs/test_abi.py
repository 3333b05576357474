"""The ABI files shipped for the customs console are the compiled contracts' ABIs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bci_registry.abi_export import ABI_DIR, SHIPPED_CONTRACTS, abi_text, main, stale_files


def test_shipped_abis_match_the_compiled_contracts(project: Any) -> None:
    compiled = {
        name: [
            entry.model_dump(mode="json", by_alias=True, exclude_none=True)
            for entry in project.get_contract(name).contract_type.abi
        ]
        for name in SHIPPED_CONTRACTS
    }
    stale = stale_files(compiled, ABI_DIR)
    assert not stale, (
        f"{', '.join(p.name for p in stale)} differ from the compiled contracts: "
        "run `ape compile && python -m bci_registry.abi_export`"
    )


def test_the_exporter_writes_and_checks(tmp_path: Path) -> None:
    abi = [
        {"type": "function", "name": "f", "inputs": [], "outputs": [], "stateMutability": "view"}
    ]
    build = tmp_path / "__local__.json"
    build.write_text(json.dumps({"contractTypes": {n: {"abi": abi} for n in SHIPPED_CONTRACTS}}))
    out = tmp_path / "abi"
    assert main(["--build", str(build), "--out", str(out), "--check"]) == 1
    assert main(["--build", str(build), "--out", str(out)]) == 0
    assert (out / "Multicall.json").read_text() == abi_text(abi)
    assert main(["--build", str(build), "--out", str(out), "--check"]) == 0
    assert main(["--build", str(tmp_path / "missing.json"), "--out", str(out)]) == 2
