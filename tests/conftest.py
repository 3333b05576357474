"""Shared test settings.

- Ape's data folder stays inside the project's ignored build area.
- Hypothesis: CI runs a fixed, reproducible set of examples (`CI=true`);
  `make fuzz` runs a long campaign (`HYPOTHESIS_PROFILE=fuzz`).
"""

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("APE_DATA_FOLDER", str(ROOT / ".devnet" / "ape-data"))

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("fuzz", max_examples=5_000, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)


class MockContracts:
    """The contracts that exist only for tests (``tests/contracts/``: mock wallets,
    the example escrow), compiled on first use: ``mocks.MockWallet``."""

    def __init__(self) -> None:
        self._compiled: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._compiled:
            from bci_registry.ape_support import compile_contract_file

            path = ROOT / "tests" / "contracts" / f"{name}.vy"
            if not path.is_file():
                raise AttributeError(f"no test contract {path}")
            self._compiled[name] = compile_contract_file(path)
        return self._compiled[name]


@pytest.fixture(scope="session")
def mocks() -> MockContracts:
    return MockContracts()
