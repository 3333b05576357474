"""The exporter's ERP submits a report root: pending, or anchored with signers' approvals."""

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from bci_registry.ape_support import registry_for, script_errors
from bci_registry.approvals import ApprovalFile, common_terms
from bci_registry.keys import unlock
from bci_registry.registry import ZERO32, InputError, organisation_id, report_root
from bci_registry.signatures import pack


@click.command(cls=ConnectedProviderCommand, short_help="Submit (and anchor) a report")
@account_option()
@click.option("--organisation", required=True, help="The organisation's id.")
@click.option("--root", "root", required=True, help="The report root (0x + 64 hex).")
@click.option("--supersedes", default=None, help="Root of the anchored report this one corrects.")
@click.option(
    "--approval",
    "approval_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A signer's approval file (repeat); with them the report is anchored in one transaction.",
)
@script_errors
def cli(network, account, organisation, root, supersedes, approval_files):
    contracts = registry_for(network)
    registry, domain = contracts.registry, contracts.domain
    org, report = organisation_id(organisation), report_root(root)
    previous = report_root(supersedes) if supersedes else ZERO32
    sender = unlock(account)
    if not approval_files:
        receipt = registry.submit(org, report, previous, sender=sender)
        click.echo(f"submitted {root} as pending, tx {receipt.txn_hash}")
        return
    files = [(path, ApprovalFile.read(path)) for path in approval_files]
    terms = common_terms(files)
    if (terms.domain, terms.organisation, terms.report, terms.supersedes) != (
        domain,
        org,
        report,
        previous,
    ):
        raise InputError(
            f"{files[0][0]} approves another registry, organisation, report or predecessor"
        )
    blob = pack(f.approval for _, f in files)
    if previous == ZERO32:
        receipt = registry.anchor(org, report, terms.deadline, blob, sender=sender)
    else:
        receipt = registry.anchor_correction(
            org, report, previous, terms.deadline, blob, sender=sender
        )
    click.echo(
        f"anchored {root} with {len(files)} approvals in block {receipt.block_number}: "
        f"{receipt.gas_used} gas, tx {receipt.txn_hash}"
    )
