"""The exporter's ERP submits reports: a root, a report file or a folder of them (batch).

With signers' approvals (`--approval FILE`, repeat) each report is anchored in
one transaction; `--request-out FILE` instead writes the approval request the
signers sign (`approve --request`). `--report` and `--batch` are idempotent:
reports already anchored are skipped, and a batch resumes from its journal.

`--batch DIR --as-batch [--batch-size N]` anchors the folder as one batch
(or batches of N reports) with one `anchor_batch` transaction each; the
signers sign `BatchApproval`s of the batch roots (`--request-out`, then
`approve --request`), and each member's proof file is written beside its
sealed report (`<name>.sealed.batch-proof.json`) for customs.
"""

from pathlib import Path

import click
from ape.cli import account_option

from bci_registry.ape_support import (
    EXIT_REFUSED,
    RegistryCommand,
    fail,
    registry_for,
    script_errors,
)
from bci_registry.exporter.anchoring import (
    approval_request,
    submit_entries,
    submit_pending,
    submit_root,
)
from bci_registry.exporter.batch import (
    Journal,
    MemoryRecorder,
    Settings,
    prepare,
    prepare_single,
    summarise,
)
from bci_registry.keys import unlock
from bci_registry.registry import ZERO32, InputError, organisation_id, report_root
from bci_registry.timeargs import parse_deadline

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.command(cls=RegistryCommand, short_help="Submit (and anchor) reports")
@account_option(prompt=False)
@click.option("--organisation", required=True, help="The organisation's id.")
@click.option("--root", "root", help="A report root (0x + 64 hex).")
@click.option("--report", type=_FILE,
              help="A report file: plain (sealed here for --organisation) or sealed.")  # fmt: skip
@click.option("--batch", type=click.Path(file_okay=False, path_type=Path),
              help="A folder of report files (an ERP export), journaled in it.")  # fmt: skip
@click.option("--as-batch", is_flag=True,
              help="With --batch: anchor the folder as one batch (see --batch-size).")  # fmt: skip
@click.option("--batch-size", type=click.IntRange(min=1, max=100_000), default=None,
              help="With --as-batch: reports per batch (default: all in one).")  # fmt: skip
@click.option("--supersedes", default=None, help="Root of the anchored report this one corrects.")
@click.option(
    "--approval",
    "approval_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A signer's approval file (repeat); with them each report is anchored in one transaction.",
)
@click.option(
    "--request-out", type=_FILE, help="Write the signers' approval request; send nothing."
)
@click.option("--deadline", help="With --request-out: approvals valid until (unix or RFC 3339).")
@click.option("--sealed-out", type=_FILE, help="Where --report writes the sealed report.")
@click.option("--confirmations", type=click.IntRange(min=1), default=1, show_default=True,
              help="Blocks (the anchoring one included) to wait for.")  # fmt: skip
@click.option("--timeout", type=click.FloatRange(min=1), default=300, show_default=True,
              help="Seconds to wait for a transaction or the confirmations.")  # fmt: skip
@script_errors
def cli(
    network, account, organisation, root, report, batch, as_batch, batch_size, supersedes,
    approval_files,
    request_out, deadline, sealed_out, confirmations, timeout,
):  # fmt: skip
    if sum(x is not None for x in (root, report, batch)) != 1:
        raise InputError("give one of --root ROOT, --report FILE or --batch DIR")
    previous = report_root(supersedes) if supersedes else ZERO32
    if request_out is not None:
        if root is not None or approval_files or previous != ZERO32:
            raise InputError("--request-out takes --report or --batch of new reports, no approvals")
        if deadline is None:
            raise InputError("give --deadline: until when the signers' approvals are valid")
    elif deadline is not None:
        raise InputError("--deadline goes with --request-out (approval files carry their own)")
    elif account is None:
        raise InputError("give --account: the ERP's submitting account")
    if batch is not None and previous != ZERO32:
        raise InputError("--supersedes is for one report (--root or --report), not a batch")
    if (as_batch or batch_size is not None) and batch is None:
        raise InputError("--as-batch and --batch-size go with --batch DIR")
    if batch_size is not None and not as_batch:
        raise InputError("--batch-size goes with --as-batch")
    contracts = registry_for(network)
    org = organisation_id(organisation)
    settings = Settings(confirmations=confirmations, timeout=timeout)

    if root is not None:
        click.echo(submit_root(contracts, unlock(account), org, report_root(root), previous,
                               approval_files))  # fmt: skip
        return
    if report is not None:
        entry = prepare_single(report, sealed_out, org)
        click.echo(f"{report}: root 0x{entry.root.hex()}, sealed report {entry.sealed}")
        if request_out is not None:
            until = parse_deadline(deadline, "--deadline")
            write_request(contracts, org, [entry], until, request_out)
        elif not approval_files:
            state, receipt = submit_pending(contracts, unlock(account), org, entry.root, previous)
            click.echo(f"submitted as pending, tx {receipt.txn_hash}" if receipt else
                       f"already {state}: nothing sent")  # fmt: skip
        else:
            show(submit_entries(contracts, unlock(account), org, [entry], MemoryRecorder(),
                                approval_files, settings, previous, notes=click.echo))  # fmt: skip
        return
    with Journal(batch) as journal:
        entries = prepare(batch, journal, org)
        if as_batch:
            submit_as_batches(contracts, account, org, batch, entries, batch_size,
                              approval_files, request_out, deadline)  # fmt: skip
            click.echo(f"sealed reports and their batch proofs in {journal.sealed_dir}")
            return
        if request_out is not None:
            until = parse_deadline(deadline, "--deadline")
            write_request(contracts, org, entries, until, request_out)
            return
        outcomes = submit_entries(contracts, unlock(account), org, entries, journal,
                                  approval_files, settings, notes=click.echo)  # fmt: skip
    click.echo(f"sealed reports in {journal.sealed_dir}")
    show(outcomes)


def submit_as_batches(contracts, account, org, folder, entries, size, approval_files, request_out,
                      deadline):  # fmt: skip
    from bci_registry.exporter.anchoring import organisation_view, report_state
    from bci_registry.exporter.batch_anchor import BatchJournal, anchor_batches, plan_batches
    from bci_registry.exporter.requests import ApprovalRequest, ApprovalTerms, RequestedReport

    journal = BatchJournal(folder)
    batches, alone = plan_batches(
        journal, org, entries, size,
        lambda root: report_state(contracts.registry, org, root)[0], click.echo,
    )  # fmt: skip
    if request_out is not None:
        open_batches = [
            b for b in batches
            if report_state(contracts.registry, org, b.batch)[0] not in ("anchored", "revoked")
        ]  # fmt: skip
        if not open_batches:
            click.echo(f"nothing to approve: all {len(batches)} batch(es) are anchored already")
            return
        until = parse_deadline(deadline, "--deadline")
        version = organisation_view(contracts, org).signer_set_version
        request = ApprovalRequest(
            terms=ApprovalTerms(contracts.domain, org, version, until),
            reports=tuple(
                RequestedReport(root=b.batch, file=f"batch of {b.size}: "
                                + ", ".join(m["file"] for m in b.members[:3])
                                + (", …" if b.size > 3 else ""), size=b.size)
                for b in open_batches
            ),
        )  # fmt: skip
        request.write(request_out)
        click.echo(f"approval request for {len(open_batches)} batch root(s) written to "
                   f"{request_out}")  # fmt: skip
        return
    if not approval_files and any(b.status != "anchored" for b in batches):
        raise InputError("give the signers' approvals of the batch roots (--approval FILE)")
    done = anchor_batches(contracts, unlock(account), org, batches, journal, approval_files,
                          click.echo)  # fmt: skip
    members = sum(b.size for b in done)
    for b in done:
        click.echo(f"{b.label}: {b.status}" + (f", tx {b.tx}" if b.tx else ""))
    click.echo(f"{members} report(s) in {len(done)} batch(es)"
               + (f"; {alone} anchored on their own, not batched" if alone else ""))  # fmt: skip


def write_request(contracts, org, entries, deadline, path):
    request, anchored = approval_request(contracts, org, entries, deadline)
    if request is None:
        click.echo(f"nothing to approve: all {anchored} report(s) are anchored already")
        return
    request.write(path)
    already = f" ({anchored} anchored already)" if anchored else ""
    click.echo(f"approval request for {len(request.reports)} report(s) written to {path}{already}")


def show(outcomes):
    lines, failed = summarise(outcomes)
    click.echo("\n".join(lines))
    if failed:
        fail(f"{failed} report(s) not anchored; see above", EXIT_REFUSED)
