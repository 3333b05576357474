"""Shared test settings.

- Ape's data folder stays inside the project's ignored build area.
- Hypothesis: CI runs a fixed, reproducible set of examples (`CI=true`);
  `make fuzz` runs a long campaign (`HYPOTHESIS_PROFILE=fuzz`).
"""

import os
from pathlib import Path

from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("APE_DATA_FOLDER", str(ROOT / ".devnet" / "ape-data"))

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("fuzz", max_examples=5_000, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)
