"""Deploy the registry and write the network's deployment manifest.

Order: the governance timelock (the registry's admin: every role grant and
revocation waits its delay), the report registry, the attestation registry,
the multicall reader. Governance (a multisig such as a Safe in production, the
deploying account by default) proposes and executes timelock operations and
holds GOVERNANCE_ROLE; the pauser is the instant emergency path. The deploying
account keeps no role unless it is named.
"""

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

#: Two days: the default minimum delay of role grants and governance changes.
DEFAULT_TIMELOCK_DELAY = 172_800
ZERO_ADDRESS = "0x" + "00" * 20


def address_of(value, what):
    from eth_utils import is_address, to_checksum_address

    if not is_address(value):
        raise InputError(f"{what} {value!r} is not an address")
    return to_checksum_address(value)


@click.command(cls=RegistryCommand, short_help="Deploy the registry")
@account_option()
@click.option(
    "--governance",
    help="Governance address, e.g. a Safe (default: the deploying account): holds "
    "GOVERNANCE_ROLE and proposes and executes the timelock's operations.",
)
@click.option("--pauser", help="Emergency pauser address (default: governance).")
@click.option(
    "--timelock-delay",
    type=click.IntRange(min=0),
    default=DEFAULT_TIMELOCK_DELAY,
    show_default=True,
    help="Seconds a role grant or governance change waits in the timelock.",
)
@click.option("--force", is_flag=True, help="Replace the manifest of a live deployment.")
@script_errors
def cli(network, account, governance, pauser, timelock_delay, force):
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
    governance = address_of(governance, "--governance") if governance else account.address
    pauser = address_of(pauser, "--pauser") if pauser else governance
    deployer = unlock(account)
    timelock = deployer.deploy(
        project.GovernanceTimelock, timelock_delay, [governance], [governance], ZERO_ADDRESS
    )
    registry = deployer.deploy(project.ReportRegistry, timelock.address, governance, pauser)
    attestations = deployer.deploy(project.AttestationRegistry, registry.address)
    multicall = deployer.deploy(project.Multicall)  # batches customs reads
    # For other contracts (an escrow): disclosed fields checked on chain.
    disclosure_check = deployer.deploy(project.DisclosureCheck, registry.address)
    deployed = {}
    for key, contract in (
        ("timelock", timelock),
        ("report_registry", registry),
        ("attestation_registry", attestations),
        ("multicall", multicall),
        ("disclosure_check", disclosure_check),
    ):
        receipt = chain.get_receipt(contract.txn_hash)
        deployed[key] = DeployedContract(contract.address, receipt.block_number, receipt.txn_hash)
    path = save(
        Deployment(
            network=name,
            chain_id=chain.chain_id,
            **deployed,
            timelock_delay=timelock_delay,
            deployer=account.address,
            governance=governance,
            pauser=pauser,
            compiler="vyper 0.4.3",
        ),
        overwrite=True,
    )
    click.echo(f"governance timelock  {timelock.address} (delay {timelock_delay} s)")
    click.echo(f"report registry      {registry.address}")
    click.echo(f"attestation registry {attestations.address}")
    click.echo(f"multicall            {multicall.address}")
    click.echo(f"disclosure check     {disclosure_check.address}")
    click.echo(f"governance {governance}, pauser {pauser}")
    click.echo(f"manifest written to {path}")
