"""Fixtures of the robustness suite: a sealed sample, a manifest, a closed port."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from eth_utils import to_checksum_address

from bci_registry.registry import organisation_id
from bci_registry.report import load_report, seal_report
from bci_registry.report.files import write_text

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "lfp-ess-cn-to-jp.json"
# The sample's exporter (its EORI), as tests/vectors/README.md records it.
ORGANISATION_TEXT = "NL862345671"
ORGANISATION = organisation_id(ORGANISATION_TEXT)
ORG_ARGS = ("--organisation", ORGANISATION_TEXT)
FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"


def manifest_data(chain_id: object = 84532) -> dict[str, object]:
    address = to_checksum_address("0x" + "11" * 20)
    contract = {"address": address, "block": 1, "transaction": "0x" + "22" * 32}
    return {
        "network": "base:devnet",
        "chain_id": chain_id,
        "report_registry": contract,
        "attestation_registry": contract,
        "deployer": address,
        "governance": address,
        "pauser": address,
        "compiler": "vyper 0.4.3",
    }


@pytest.fixture(scope="session")
def robust_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("robust")


@pytest.fixture(scope="session")
def sealed_file(robust_dir: Path) -> Path:
    path = robust_dir / "sample.sealed.json"
    write_text(
        path, seal_report(load_report(SAMPLE), organisation=ORGANISATION).to_json(), private=True
    )
    return path


@pytest.fixture(scope="session")
def manifest_file(robust_dir: Path) -> Path:
    path = robust_dir / "manifest.json"
    path.write_text(json.dumps(manifest_data()))
    return path


@pytest.fixture(scope="session")
def closed_port_url() -> str:
    """A 127.0.0.1 URL where nothing listens (the port was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
