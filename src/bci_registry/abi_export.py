"""Write the contract ABIs shipped inside the package from Ape's compiled project.

The customs console (``bci-verify``) runs without the Vyper compiler or an Ape
project: it reads the ABIs from ``bci_registry/abi/<Contract>.json``. After a
contract's interface changes, run::

    ape compile && python -m bci_registry.abi_export

``--check`` only compares (exit 1 and the names of the stale files if they
differ); ``tests/customs/test_abi.py`` does the same against a fresh compile.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bci_registry.devnode import PROJECT_ROOT

#: The contracts whose ABIs the package ships (mocks are not shipped).
SHIPPED_CONTRACTS = ("ReportRegistry", "AttestationRegistry", "Multicall", "DisclosureCheck")
ABI_DIR = Path(__file__).resolve().parent / "abi"
BUILD_FILE = PROJECT_ROOT / ".build" / "__local__.json"


class AbiExportError(RuntimeError):
    """The compiled project cannot be read or lacks a shipped contract."""


def compiled_abis(build_file: Path = BUILD_FILE) -> dict[str, list[dict[str, Any]]]:
    """The ABI of each shipped contract, from Ape's compiled package manifest."""
    try:
        manifest = json.loads(build_file.read_text())
    except FileNotFoundError:
        raise AbiExportError(f"{build_file} not found: run `ape compile` first") from None
    except (OSError, ValueError) as exc:
        raise AbiExportError(f"cannot read {build_file}: {exc}") from None
    types = manifest.get("contractTypes") if isinstance(manifest, dict) else None
    if not isinstance(types, dict):
        raise AbiExportError(f"{build_file} has no contractTypes: run `ape compile`")
    abis: dict[str, list[dict[str, Any]]] = {}
    for name in SHIPPED_CONTRACTS:
        contract = types.get(name)
        if not isinstance(contract, dict) or not isinstance(contract.get("abi"), list):
            raise AbiExportError(f"{build_file} has no ABI for {name}: run `ape compile`")
        abis[name] = contract["abi"]
    return abis


def abi_text(abi: list[dict[str, Any]]) -> str:
    """The shipped file's text: stable, indented JSON with a final newline."""
    return json.dumps(abi, indent=1, sort_keys=True) + "\n"


def stale_files(abis: dict[str, list[dict[str, Any]]], out_dir: Path = ABI_DIR) -> list[Path]:
    """The shipped ABI files that are missing or differ from ``abis``."""
    stale = []
    for name, abi in abis.items():
        path = out_dir / f"{name}.json"
        if not path.exists() or path.read_text() != abi_text(abi):
            stale.append(path)
    return stale


def export(abis: dict[str, list[dict[str, Any]]], out_dir: Path = ABI_DIR) -> list[Path]:
    """Write the ABI files that changed; returns them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = stale_files(abis, out_dir)
    for path in written:
        path.write_text(abi_text(abis[path.stem]))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bci_registry.abi_export",
        description="Write the shipped ABI files from Ape's compiled project.",
    )
    parser.add_argument("--build", type=Path, default=BUILD_FILE, help="compiled manifest")
    parser.add_argument("--out", type=Path, default=ABI_DIR, help="where the ABI files go")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if stale")
    args = parser.parse_args(argv)
    try:
        abis = compiled_abis(args.build)
    except AbiExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        stale = stale_files(abis, args.out)
        for path in stale:
            print(f"stale: {path} (run `python -m bci_registry.abi_export`)", file=sys.stderr)
        return 1 if stale else 0
    for path in export(abis, args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
