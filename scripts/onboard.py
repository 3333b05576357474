"""Governance onboards an exporter organisation: signers, threshold, submitters."""

import click
from ape.cli import account_option

from bci_registry.ape_support import RegistryCommand, registry_for, script_errors
from bci_registry.keys import unlock
from bci_registry.registry import organisation_id, organisation_label


@click.command(cls=RegistryCommand, short_help="Onboard an organisation")
@account_option()
@click.option(
    "--organisation", required=True, help="Id: text up to 32 bytes (e.g. EORI) or 0x + 64 hex."
)
@click.option("--signer", "signers", multiple=True, required=True, help="Signer address (repeat).")
@click.option(
    "--threshold", type=click.IntRange(1, 16), required=True, help="Approvals that anchor."
)
@click.option("--submitter", "submitters", multiple=True, help="Submitter address (repeat).")
@script_errors
def cli(network, account, organisation, signers, threshold, submitters):
    registry = registry_for(network).registry
    org = organisation_id(organisation)
    receipt = registry.register_organisation(
        org, list(signers), threshold, list(submitters), sender=unlock(account)
    )
    click.echo(
        f"organisation {organisation_label(org)} onboarded: {threshold}-of-{len(signers)} signers, "
        f"{len(submitters)} submitter(s), tx {receipt.txn_hash}"
    )
