"""Deploy the report registry and write the network's deployment manifest."""

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option

from bci_registry.ape_support import network_name, script_errors
from bci_registry.deployment import Deployment, DeploymentError, load, manifest_path, save
from bci_registry.keys import unlock
from bci_registry.registry import InputError


@click.command(cls=ConnectedProviderCommand, short_help="Deploy the registry")
@account_option()
@click.option("--governance", help="Governance address (default: the deploying account).")
@click.option("--pauser", help="Emergency pauser address (default: governance).")
@click.option("--force", is_flag=True, help="Replace the manifest of a live deployment.")
@script_errors
def cli(network, account, governance, pauser, force):
    name = network_name(network)
    live = False
    if manifest_path(name).exists():
        try:
            live = bool(chain.provider.get_code(load(name).registry))
        except DeploymentError:
            live = False
    if live and not force:
        raise InputError(
            f"{manifest_path(name)} names a live registry on {name}: pass --force to replace it"
        )
    governance = governance or account.address
    pauser = pauser or governance
    registry = unlock(account).deploy(project.ReportRegistry, governance, pauser)
    receipt = chain.get_receipt(registry.txn_hash)
    path = save(
        Deployment(
            network=name,
            chain_id=chain.chain_id,
            registry=registry.address,
            block=receipt.block_number,
            transaction=receipt.txn_hash,
            deployer=account.address,
            governance=governance,
            pauser=pauser,
            compiler="vyper 0.4.3",
        ),
        overwrite=True,
    )
    click.echo(f"registry deployed at {registry.address} in block {receipt.block_number}")
    click.echo(f"manifest written to {path}")
