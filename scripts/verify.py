"""Customs: check report files against the registry (the same check as `bci-verify`)."""

import sys
from pathlib import Path
from typing import Any

import click
from ape import chain

from bci_registry.ape_support import RegistryCommand, network_name, script_errors
from bci_registry.customs.chain import ChainReader, Web3Node
from bci_registry.customs.policy import load_policy
from bci_registry.customs.render import outcome_json, outcome_text
from bci_registry.customs.verify import verify
from bci_registry.deployment import load
from bci_registry.registry import parse_time


@click.command(cls=RegistryCommand, short_help="Verify report files for customs")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--policy", type=click.Path(path_type=Path), help="Policy file (YAML or JSON).")
@click.option(
    "--delivery",
    help="Delivery time (unix seconds or RFC 3339 UTC); default: each file's shipment date.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@script_errors
def cli(
    network: Any, files: tuple[Path, ...], policy: Path | None, delivery: str | None, as_json: bool
) -> None:
    """Exit 0 if every report passes, 1 if one fails, 2 for bad input or an unreachable node."""
    checked_policy = load_policy(policy)
    delivery_time = parse_time(delivery, "--delivery") if delivery is not None else None
    name = network_name(network)
    reader = ChainReader(Web3Node(chain.provider.web3, name), load(name))
    outcome = verify(files, reader, checked_policy, delivery_time)
    click.echo(outcome_json(outcome) if as_json else outcome_text(outcome))
    sys.exit(outcome.exit_code)
