"""Shared plumbing of the `ape run` scripts: the registry from the manifest, and errors.

Library code raises; only here are errors turned into one message on stderr
and an exit code (2: bad input, unreachable or timed-out node, 1: refused by
the chain, 3: an unexpected error, a bug: one line, the traceback only with
``--debug``). Every script also gets ``--request-timeout`` and
``--command-timeout`` (see ``bci_registry.script_guard``).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

from ape.cli import ConnectedProviderCommand
from ape.exceptions import ProviderError

from bci_registry import cli_errors, script_guard
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

script_guard.quiet_startup_warnings()

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
        import click
        from ape.exceptions import ContractLogicError, ProviderNotConnectedError

        context = click.get_current_context(silent=True)
        if context is not None:
            context.meta["bci_started"] = True  # connected: errors now are the command's
        try:
            return func(*args, **kwargs)
        except BAD_INPUT as exc:
            fail(str(exc))
        except ProviderNotConnectedError as exc:
            fail(f"node unreachable: {exc}")
        except ContractLogicError as exc:
            if _read_only():
                fail(
                    "the contract at the manifest's address reverted a read "
                    f"({exc.message}): it is not the registry this tool expects "
                    "(a wrong address in the manifest, or another version)"
                )
            fail(f"the registry refused the transaction: {exc.message}", EXIT_REFUSED)
        except script_guard.decoding_error_types() as exc:
            fail(
                f"the answer of the contract at the manifest's address does not decode ({exc}): "
                "it is not the registry this tool expects"
            )
        except script_guard.node_error_types() as exc:
            fail(f"the node did not answer: {' '.join(str(exc).split())[:300]}")
        except OSError as exc:  # a file that cannot be read or written (named in the message)
            fail(str(exc))
        except (click.exceptions.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:  # the edge: a bug is exit 3, never 1 (FAIL)
            sys.exit(cli_errors.report_unexpected(exc, _command_name(), _debug()))

    return wrapper


def _command_name() -> str:
    import click

    context = click.get_current_context(silent=True)
    return f"ape run {context.info_name}" if context is not None else "ape run"


def _read_only() -> bool:
    import click

    context = click.get_current_context(silent=True)
    return context is not None and context.info_name in script_guard.READ_ONLY_COMMANDS


def _debug() -> bool:
    import click

    context = click.get_current_context(silent=True)
    return cli_errors.debug_wanted(bool(context and context.meta.get("bci_debug")))


class RegistryCommand(ConnectedProviderCommand):
    """Ape connects before the command runs: an unreachable node is bad input (exit 2).

    Adds ``--request-timeout``, ``--command-timeout`` and ``--debug`` to every script.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        import click

        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.params += [
            click.Option(
                ["--request-timeout"],
                type=click.FloatRange(min=0.1, max=3600),
                default=script_guard.DEFAULT_REQUEST_TIMEOUT,
                show_default=True,
                help="Seconds to wait for each answer of the node.",
            ),
            click.Option(
                ["--command-timeout"],
                type=click.FloatRange(min=0.1, max=86400),
                default=script_guard.DEFAULT_COMMAND_TIMEOUT,
                show_default=True,
                help="Seconds the whole command may take (a large batch may need more).",
            ),
            click.Option(
                ["--debug"], is_flag=True, help="Show the traceback of an unexpected error."
            ),
        ]

    def invoke(self, ctx: Any) -> Any:
        request_timeout = ctx.params.pop("request_timeout", script_guard.DEFAULT_REQUEST_TIMEOUT)
        command_timeout = ctx.params.pop("command_timeout", script_guard.DEFAULT_COMMAND_TIMEOUT)
        ctx.meta["bci_debug"] = ctx.params.pop("debug", False)
        where = script_guard.node_where(ctx.params.get("network"))
        try:
            with (
                cli_errors.sigterm_unwinds(),
                script_guard.request_timeout(request_timeout),
                script_guard.command_deadline(command_timeout),
            ):
                return super().invoke(ctx)
        except script_guard.CommandDeadline:
            fail(
                f"`ape run {ctx.info_name}` stopped after {command_timeout:g} s "
                f"(--command-timeout) still waiting on the node at {where}"
            )
        except ProviderError as exc:
            fail(
                f"node at {where} unreachable, or no answer within {request_timeout:g} s "
                f"(--request-timeout) while connecting: {' '.join(str(exc).split())[:300]}"
            )
        except script_guard.node_error_types() as exc:
            fail(f"node at {where} did not answer: {' '.join(str(exc).split())[:300]}")
        except (SystemExit, KeyboardInterrupt, cli_errors.Terminated):
            raise
        except NodeError as exc:
            fail(str(exc))
        except Exception as exc:
            if not ctx.meta.get("bci_started"):  # connecting: the node's answer broke Ape
                fail(
                    f"node at {where} gave an answer Ape cannot use while connecting: "
                    f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
                )
            # the edge: a bug is exit 3, never 1 (FAIL)
            sys.exit(cli_errors.report_unexpected(exc, f"ape run {ctx.info_name}", _debug()))


def network_name(network: Any) -> str:
    """`base:devnet` for the Ape network object of `--network base:devnet`."""
    return f"{network.ecosystem.name}:{network.name}"


def _no_contract_reason(deployment: Deployment, height: int) -> str:
    """Say what is actually wrong when the manifest's registry address holds no code."""
    block = deployment.report_registry.block
    head = f"no contract at {deployment.registry} on {deployment.network}"
    if height < block:
        return (
            f"{head}: the chain is at block {height}, before the deployment's block {block}, "
            "so the node was reset since the deployment; deploy again"
        )
    return (
        f"{head} (the chain is at block {height}, the manifest says it was deployed in "
        f"block {block}): this chain has no contract at the manifest's address; the manifest "
        "describes another deployment, was edited, or the node was reset and has since "
        f"grown past block {block}"
    )


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
        raise DeploymentError(_no_contract_reason(deployment, int(chain.blocks.height)))
    return Registries(
        registry=project.ReportRegistry.at(deployment.registry),
        attestations=project.AttestationRegistry.at(deployment.attestations),
        deployment=deployment,
        domain=Domain(chain_id=deployment.chain_id, verifying_contract=deployment.registry),
    )


def compile_contract_file(path: Path) -> Any:
    """A Vyper contract kept outside ``contracts/`` (test doubles such as the mock
    wallets, the example escrow), compiled with the project's settings and imports.

    Only ``contracts/`` is the project's deployable code: ``ape compile`` and
    ``deploy`` never see these.
    """
    from ape import compilers

    return compilers.compile_source("vyper", path.read_text("utf-8"), contractName=path.stem)
