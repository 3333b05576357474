"""Shared plumbing of the `ape run` scripts: the registry from the manifest, and errors.

Library code raises; only here are errors turned into one message on stderr
and an exit code (2: bad input or unreachable node, 1: refused by the chain).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn, ParamSpec, TypeVar

from ape.cli import ConnectedProviderCommand
from ape.exceptions import ProviderError

from bci_registry.attestations import AttestationFileError
from bci_registry.deployment import Deployment, DeploymentError, load
from bci_registry.devnode import DEFAULT_DEVNET_PORT, PORT_ENV, NodeError
from bci_registry.eip712 import Domain
from bci_registry.keys import KeystoreError
from bci_registry.registry import InputError
from bci_registry.report import ReportError, UnknownFieldError
from bci_registry.signatures import SignatureError

P = ParamSpec("P")
R = TypeVar("R")


def _devnet_port_default() -> None:
    """`base:devnet`'s URI in ape-config.yaml names ``${BCI_DEVNET_PORT}``; Ape expands
    environment variables without defaults, so fill in 18545 when it is unset."""
    import os

    if os.environ.get(PORT_ENV):
        return
    os.environ[PORT_ENV] = str(DEFAULT_DEVNET_PORT)
    try:
        from ape import config

        networks = getattr(config.get_config("node"), "base", None)
        devnet = networks.get("devnet") if isinstance(networks, dict) else None
        if isinstance(devnet, dict) and isinstance(devnet.get("uri"), str):
            devnet["uri"] = devnet["uri"].replace(f"${{{PORT_ENV}}}", str(DEFAULT_DEVNET_PORT))
    except Exception:  # no project config: nothing to fill in
        pass


_devnet_port_default()

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2

BAD_INPUT = (
    InputError,
    DeploymentError,
    KeystoreError,
    SignatureError,
    NodeError,
    AttestationFileError,
    ReportError,
    UnknownFieldError,
)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


def script_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn library errors into one clear message and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from ape.exceptions import ContractLogicError, ProviderNotConnectedError

        try:
            return func(*args, **kwargs)
        except BAD_INPUT as exc:
            fail(str(exc))
        except ProviderNotConnectedError as exc:
            fail(f"node unreachable: {exc}")
        except ContractLogicError as exc:
            fail(f"the registry refused the transaction: {exc.message}", EXIT_REFUSED)

    return wrapper


class RegistryCommand(ConnectedProviderCommand):
    """Ape connects before the command runs: an unreachable node is bad input (exit 2)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ProviderError as exc:
            fail(f"node unreachable: {exc}")


def network_name(network: Any) -> str:
    """`base:devnet` for the Ape network object of `--network base:devnet`."""
    return f"{network.ecosystem.name}:{network.name}"


@dataclass(frozen=True)
class Registries:
    """The deployed contracts of one network, as Ape contract instances."""

    registry: Any
    attestations: Any
    deployment: Deployment
    domain: Domain  # the report registry's EIP-712 domain


def registry_for(network: Any) -> Registries:
    """The contracts named by the network's manifest, checked against the chain."""
    from ape import chain, project

    deployment = load(network_name(network))
    if chain.chain_id != deployment.chain_id:
        raise DeploymentError(
            f"manifest for {deployment.network} names chain {deployment.chain_id}, "
            f"but the node reports chain {chain.chain_id}"
        )
    if not chain.provider.get_code(deployment.registry):
        raise DeploymentError(
            f"no contract at {deployment.registry} on {deployment.network}: "
            "the node was reset since the deployment; deploy again"
        )
    return Registries(
        registry=project.ReportRegistry.at(deployment.registry),
        attestations=project.AttestationRegistry.at(deployment.attestations),
        deployment=deployment,
        domain=Domain(chain_id=deployment.chain_id, verifying_contract=deployment.registry),
    )
