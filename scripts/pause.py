"""Emergency stop: pause (or unpause) every state change of both registries."""

import click
from ape.cli import account_option

from bci_registry.ape_support import RegistryCommand, registry_for, script_errors
from bci_registry.keys import unlock


@click.command(cls=RegistryCommand, short_help="Pause or unpause the registry")
@account_option()
@click.option("--unpause", is_flag=True, help="Lift the pause (governance only).")
@script_errors
def cli(network, account, unpause):
    # The attestation registry follows the report registry's pause flag.
    registry = registry_for(network).registry
    action = registry.unpause if unpause else registry.pause
    receipt = action(sender=unlock(account))
    click.echo(f"registry {'unpaused' if unpause else 'paused'}, tx {receipt.txn_hash}")
