"""A signer approves a report: signs an EIP-712 approval into a file, or approves on chain."""

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from bci_registry.ape_support import registry_for, script_errors
from bci_registry.approvals import ApprovalFile
from bci_registry.eip712 import signable
from bci_registry.keys import unlock
from bci_registry.registry import (
    ZERO32,
    InputError,
    approval_message,
    organisation_id,
    parse_time,
    report_root,
)
from bci_registry.signatures import SignedApproval


@click.command(cls=ConnectedProviderCommand, short_help="Approve a report")
@account_option()
@click.option("--organisation", required=True, help="The organisation's id.")
@click.option("--root", "root", required=True, help="The report root (0x + 64 hex).")
@click.option("--supersedes", default=None, help="Root of the report this one corrects.")
@click.option("--deadline", help="Signature valid until (unix seconds or RFC 3339 UTC).")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the approval here."
)
@click.option("--send", is_flag=True, help="Approve a pending report on chain instead.")
@script_errors
def cli(network, account, organisation, root, supersedes, deadline, out, send):
    contracts = registry_for(network)
    registry, domain = contracts.registry, contracts.domain
    report = report_root(root)
    signer = unlock(account)
    if send:
        receipt = registry.approve(report, sender=signer)
        click.echo(f"approved {root} on chain, tx {receipt.txn_hash}")
        return
    if out is None or deadline is None:
        raise InputError("give --out FILE and --deadline to sign an approval, or --send")
    org = organisation_id(organisation)
    version = int(registry.organisation(org).signer_set_version)
    if version == 0:
        raise InputError(f"organisation {organisation!r} is not registered on this registry")
    message = approval_message(
        org,
        report,
        report_root(supersedes) if supersedes else ZERO32,
        version,
        parse_time(deadline, "deadline"),
    )
    signature = signer.sign_message(signable(domain, "Approval", message))
    if signature is None:
        raise InputError(f"account {account.alias} declined to sign")
    approval = ApprovalFile(
        domain=domain,
        organisation=org,
        report=report,
        supersedes=message["supersedes"],
        signer_set_version=version,
        deadline=message["deadline"],
        approval=SignedApproval(signer=account.address, signature=signature.encode_rsv()),
    )
    approval.write(out)
    click.echo(f"approval by {account.address} written to {out}")
