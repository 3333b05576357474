"""Deploy the report registry and write the network's deployment manifest."""

import click
from ape import chain, project
from ape.cli import account_option

from bci_registry.ape_support import RegistryCommand, network_name, script_errors
from bci_registry.deployment import (
    DeployedContract,
    Deployment,
    DeploymentError,
    load,
    manifest_path,
    save,
)
from bci_registry.keys import unlock
from bci_registry.registry import InputError


@click.command(cls=RegistryCommand, short_help="Deploy the registry")
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
    deployer = unlock(account)
    deployed = {}
    registry = deployer.deploy(project.ReportRegistry, governance, pauser)
    attestations = deployer.deploy(project.AttestationRegistry, registry.address)
    multicall = deployer.deploy(project.Multicall)  # batches customs reads
    for key, contract in (
        ("report_registry", registry),
        ("attestation_registry", attestations),
        ("multicall", multicall),
    ):
        receipt = chain.get_receipt(contract.txn_hash)
        deployed[key] = DeployedContract(contract.address, receipt.block_number, receipt.txn_hash)
    path = save(
        Deployment(
            network=name,
            chain_id=chain.chain_id,
            **deployed,
            deployer=account.address,
            governance=governance,
            pauser=pauser,
            compiler="vyper 0.4.3",
        ),
        overwrite=True,
    )
    click.echo(f"report registry      {registry.address}")
    click.echo(f"attestation registry {attestations.address}")
    click.echo(f"multicall            {multicall.address}")
    click.echo(f"manifest written to {path}")
