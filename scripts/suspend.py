"""Governance suspends (or reinstates) an organisation, or suspends a verifier."""

import click
from ape.cli import account_option

from bci_registry.ape_support import RegistryCommand, registry_for, script_errors
from bci_registry.keys import unlock
from bci_registry.registry import InputError, organisation_id, organisation_label, parse_time


@click.command(cls=RegistryCommand, short_help="Suspend an organisation or a verifier")
@account_option()
@click.option("--organisation", help="Suspend this organisation.")
@click.option("--reinstate", is_flag=True, help="Lift the organisation's suspension instead.")
@click.option("--verifier", help="Suspend this verifier from now on.")
@click.option(
    "--for-cause-since",
    help="With --verifier: fraud; its attestations made since this time become invalid.",
)
@script_errors
def cli(network, account, organisation, reinstate, verifier, for_cause_since):
    if bool(organisation) == bool(verifier):
        raise InputError("give either --organisation or --verifier")
    if reinstate and not organisation:
        raise InputError("--reinstate goes with --organisation")
    if for_cause_since and not verifier:
        raise InputError("--for-cause-since goes with --verifier")
    contracts = registry_for(network)
    governance = unlock(account)
    if organisation:
        org = organisation_id(organisation)
        action = (
            contracts.registry.reinstate_organisation
            if reinstate
            else contracts.registry.suspend_organisation
        )
        receipt = action(org, sender=governance)
        verb = "reinstated" if reinstate else "suspended"
        click.echo(f"organisation {organisation_label(org)} {verb}, tx {receipt.txn_hash}")
    elif for_cause_since:
        since = parse_time(for_cause_since, "--for-cause-since")
        receipt = contracts.attestations.suspend_verifier_for_cause(
            verifier, since, sender=governance
        )
        click.echo(f"verifier {verifier} suspended for cause since {since}, tx {receipt.txn_hash}")
    else:
        receipt = contracts.attestations.suspend_verifier(verifier, sender=governance)
        click.echo(f"verifier {verifier} suspended from now on, tx {receipt.txn_hash}")
