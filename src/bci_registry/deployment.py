"""Deployment manifests: `deployments/<network>.json`, read by every script."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eth_utils import is_checksum_address

from bci_registry import inputs, outputs
from bci_registry.devnode import PROJECT_ROOT
from bci_registry.manifest_checks import manifest_problems

#: Overrides where manifests live (the demo and tests keep theirs in `.devnet/`).
DEPLOYMENTS_ENV = "BCI_DEPLOYMENTS_DIR"


class DeploymentError(RuntimeError):
    """A manifest is missing, malformed or would be overwritten."""


@dataclass(frozen=True)
class DeployedContract:
    address: str
    block: int
    transaction: str


@dataclass(frozen=True)
class Deployment:
    """Where the registry lives on one network, and how it got there."""

    network: str
    chain_id: int
    report_registry: DeployedContract
    attestation_registry: DeployedContract
    deployer: str
    governance: str
    pauser: str
    compiler: str
    #: Batches customs reads (`contracts/Multicall.vy`); None in older manifests.
    multicall: DeployedContract | None = None
    #: The registry's admin (`contracts/GovernanceTimelock.vy`): role grants wait
    #: ``timelock_delay`` seconds. None in older manifests.
    timelock: DeployedContract | None = None
    timelock_delay: int | None = None
    #: Checks disclosed fields on chain for other contracts
    #: (`contracts/DisclosureCheck.vy`); None in older manifests.
    disclosure_check: DeployedContract | None = None

    @property
    def registry(self) -> str:
        return self.report_registry.address

    @property
    def attestations(self) -> str:
        return self.attestation_registry.address

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deployment:
        contracts = {
            name: DeployedContract(**data[name])
            for name in ("report_registry", "attestation_registry")
        }
        for name in ("multicall", "timelock", "disclosure_check"):
            if data.get(name) is not None:
                contracts[name] = DeployedContract(**data[name])
        return cls(**{**data, **contracts})


def deployments_dir() -> Path:
    return Path(os.environ.get(DEPLOYMENTS_ENV) or PROJECT_ROOT / "deployments")


def manifest_path(network: str) -> Path:
    """`base:devnet` -> `deployments/base-devnet.json`."""
    return deployments_dir() / f"{network.replace(':', '-')}.json"


def load(network: str) -> Deployment:
    path = manifest_path(network)
    if not path.exists():
        raise DeploymentError(
            f"no deployment manifest for network '{network}' at {path}: run `ape run deploy` first"
        )
    return load_path(path)


def load_path(path: Path) -> Deployment:
    """A manifest from any file (the customs console takes it as `--manifest PATH`)."""
    try:  # the bounded loader: regular file, size, UTF-8, depth, number length
        data = inputs.load_json(path, "deployment manifest")
    except inputs.BoundedInputError as exc:
        if exc.reason == "cannot read: no such file":
            raise DeploymentError(f"no deployment manifest at {path}") from None
        raise DeploymentError(str(exc)) from None
    problems = manifest_problems(data)
    if problems:
        raise DeploymentError(f"{path} is not a usable deployment manifest: {'; '.join(problems)}")
    try:
        deployment = Deployment.from_json(data)
    except (TypeError, KeyError, AttributeError) as exc:
        raise DeploymentError(f"{path} is not a deployment manifest: {exc}") from exc
    addresses = [deployment.registry, deployment.attestations]
    for optional in (deployment.multicall, deployment.timelock):
        if optional is not None:
            addresses.append(optional.address)
    for address in addresses:
        if not is_checksum_address(address):
            raise DeploymentError(f"{path}: {address!r} is not a checksummed address")
    return deployment


def save(deployment: Deployment, overwrite: bool) -> Path:
    path = manifest_path(deployment.network)
    if path.exists() and not overwrite:
        raise DeploymentError(f"{path} already exists: pass --force to replace that deployment")
    path.parent.mkdir(parents=True, exist_ok=True)
    outputs.write_text(path, json.dumps(deployment.to_json(), indent=2) + "\n")
    return path
