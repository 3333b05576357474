"""Shared test settings: keep Ape's data folder inside the ignored build area."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("APE_DATA_FOLDER", str(ROOT / ".devnet" / "ape-data"))
