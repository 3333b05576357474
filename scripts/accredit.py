"""Governance accredits a verifier for a scope of report fields and a validity window."""

import click
from ape.cli import account_option

from bci_registry.ape_support import RegistryCommand, registry_for, script_errors
from bci_registry.keys import unlock
from bci_registry.registry import InputError, parse_time, text_id
from bci_registry.report import ALL_FIELDS_MASK, field_mask, fields_from_mask


@click.command(cls=RegistryCommand, short_help="Accredit a verifier")
@account_option()
@click.option("--verifier", required=True, help="The verifier's signing address (EOA or wallet).")
@click.option("--id", "verifier_id", help="The verifier's id (text up to 32 bytes), for new ones.")
@click.option("--field", "fields", multiple=True, help="A report field it may attest (repeat).")
@click.option("--all-fields", is_flag=True, help="Scope: all 12 report fields.")
@click.option("--valid-from", help="Accredited from (unix seconds or RFC 3339 UTC; default now).")
@click.option("--valid-until", required=True, help="Accredited until (unix seconds or RFC 3339).")
@click.option("--extend", is_flag=True, help="Only extend an existing accreditation's window.")
@script_errors
def cli(
    network, account, verifier, verifier_id, fields, all_fields, valid_from, valid_until, extend
):
    from ape import chain

    attestations = registry_for(network).attestations
    until = parse_time(valid_until, "--valid-until")
    governance = unlock(account)
    if extend:
        receipt = attestations.extend_accreditation(verifier, until, sender=governance)
        click.echo(f"accreditation of {verifier} extended to {until}, tx {receipt.txn_hash}")
        return
    if not verifier_id:
        raise InputError("give --id for a new accreditation")
    if all_fields == bool(fields):
        raise InputError("give either --field (repeat) or --all-fields")
    scope = ALL_FIELDS_MASK if all_fields else field_mask(fields)
    start = parse_time(valid_from, "--valid-from") if valid_from else chain.blocks.head.timestamp
    receipt = attestations.accredit_verifier(
        verifier, text_id(verifier_id, "verifier id"), scope, start, until, sender=governance
    )
    click.echo(
        f"verifier {verifier_id} ({verifier}) accredited for "
        f"{', '.join(fields_from_mask(scope))}; tx {receipt.txn_hash}"
    )
