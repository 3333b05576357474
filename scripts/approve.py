"""A signer approves reports: signs EIP-712 approvals into a file, or approves on chain.

`--request FILE --out FILE` signs every report of an ERP's approval request
(a batch) into one approvals file; `--organisation ID --root ROOT --out FILE`
signs one report (a `bci-approval/1` file, docs/file-formats.md);
`--organisation ID --root ROOT --send` approves a pending report on chain,
after showing its organisation and the predecessor it corrects (the on-chain
approval commits to both).
"""

from pathlib import Path

import click
from ape.cli import account_option

from bci_registry.ape_support import RegistryCommand, registry_for, script_errors
from bci_registry.eip712 import signable
from bci_registry.exporter.anchoring import approve_on_chain, approve_request
from bci_registry.exporter.approvals import ApprovalFile
from bci_registry.exporter.batch import iso_time
from bci_registry.keys import unlock
from bci_registry.registry import (
    ZERO32,
    InputError,
    approval_message,
    organisation_id,
    organisation_label,
    report_root,
)
from bci_registry.signatures import SignedApproval
from bci_registry.timeargs import parse_deadline


@click.command(cls=RegistryCommand, short_help="Approve reports")
@account_option()
@click.option("--organisation", help="The organisation's id (with --root).")
@click.option("--root", "root", help="The report root (0x + 64 hex).")
@click.option(
    "--request",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An approval request from the ERP: sign every report in it.",
)
@click.option("--supersedes", default=None, help="Root of the report this one corrects.")
@click.option("--deadline", help="Signature valid until (unix seconds or RFC 3339 UTC).")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the approval(s) here."
)
@click.option(
    "--send",
    is_flag=True,
    help="Approve a pending report on chain instead (shows its organisation and predecessor).",
)
@script_errors
def cli(network, account, organisation, root, request, supersedes, deadline, out, send):
    contracts = registry_for(network)
    if request is not None:
        if root or organisation or supersedes or deadline or send:
            raise InputError(
                "--request brings the organisation, roots and deadline; give only --out"
            )
        if out is None:
            raise InputError("give --out FILE for the approvals")
        approvals = approve_request(contracts, unlock(account), request)
        approvals.write(out)
        terms = approvals.terms
        click.echo(
            f"{len(approvals.signatures)} approval(s) by {account.address} for "
            f"{organisation_label(terms.organisation)}, valid until "
            f"{iso_time(terms.deadline)}, written to {out}"
        )
        return
    if root is None:
        raise InputError("give --root ROOT (one report) or --request FILE (a batch)")
    if organisation is None:
        raise InputError("give --organisation: a report is identified by its organisation and root")
    registry, domain = contracts.registry, contracts.domain
    report = report_root(root)
    org = organisation_id(organisation)
    signer = unlock(account)
    if send:
        if out is not None or deadline is not None:
            raise InputError("--send approves on chain; --out and --deadline are for signing")
        expected = report_root(supersedes) if supersedes else None
        click.echo(approve_on_chain(contracts, signer, org, report, expected, click.echo))
        return
    if out is None or deadline is None:
        raise InputError("give --out FILE and --deadline to sign an approval, or --send")
    version = int(registry.organisation(org).signer_set_version)
    if version == 0:
        raise InputError(f"organisation {organisation!r} is not registered on this registry")
    message = approval_message(
        account.address,
        org,
        report,
        report_root(supersedes) if supersedes else ZERO32,
        version,
        parse_deadline(deadline, "--deadline"),
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
