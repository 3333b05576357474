"""A verifier attests an anchored report or batch: signs offline into a file, or sends it;
relays a file; withdraws a batch attestation from one member."""

import hashlib
from pathlib import Path

import click
from ape.cli import account_option

from bci_registry import attestations as signed_attestations
from bci_registry.ape_support import RegistryCommand, registry_for, script_errors
from bci_registry.exporter.batch_tree import BatchError, BatchProof
from bci_registry.inputs import MAX_SMALL_FILE_BYTES, BoundedInputError, read_text
from bci_registry.keys import unlock
from bci_registry.registry import (
    InputError,
    organisation_id,
    organisation_label,
    parse_time,
    report_root,
)
from bci_registry.report import ALL_FIELDS_MASK, field_mask, load_sealed_report

VERDICTS = {v.name.lower(): v for v in signed_attestations.Verdict}
#: What each kind of signed file is relayed with.
RELAY = {
    signed_attestations.ATTESTATION: "attest_by_signature",
    signed_attestations.BATCH_ATTESTATION: "attest_batch_by_signature",
}


def report_from(
    organisation: str | None, root: str | None, sealed: Path | None
) -> tuple[bytes, bytes]:
    """(organisation, root): from --organisation and --root, or from the sealed report."""
    if bool(root) == bool(sealed):
        raise InputError("give either --root (with --organisation) or --sealed")
    if root:
        if not organisation:
            raise InputError("give --organisation with --root")
        return organisation_id(organisation), report_root(root)
    report = load_sealed_report(sealed)
    if organisation and organisation_id(organisation) != report.organisation:
        raise InputError(
            f"{sealed} is sealed for organisation {organisation_label(report.organisation)}, "
            f"not {organisation}"
        )
    return report.organisation, report.root


def batch_proof_from(path: Path) -> BatchProof:
    """A member's proof file (``bci-batch-proof/1``), checked to lead to its batch root."""
    try:
        proof = BatchProof.from_json(read_text(path, "batch proof", MAX_SMALL_FILE_BYTES))
    except (BatchError, BoundedInputError) as exc:
        raise InputError(f"{path}: not a batch proof (bci-batch-proof/1): {exc}") from None
    if not proof.verify():
        raise InputError(f"{path}: the proof does not lead to batch 0x{proof.batch.hex()}")
    return proof


def batch_from(
    organisation: str | None, batch_root: str | None, size: int | None, proof_file: Path | None
) -> tuple[bytes, bytes, int]:
    """(organisation, batch root, size): from the options, or from a member's proof file."""
    if proof_file is None:
        if not (organisation and batch_root and size):
            raise InputError(
                "give --batch-root with --batch-size and --organisation, or --batch-proof FILE"
            )
        return organisation_id(organisation), report_root(batch_root), size
    proof = batch_proof_from(proof_file)
    for given, found, what in (
        (organisation and organisation_id(organisation), proof.organisation, "--organisation"),
        (batch_root and report_root(batch_root), proof.batch, "--batch-root"),
        (size, proof.size, "--batch-size"),
    ):
        if given and given != found:
            raise InputError(f"{what} differs from the batch in {proof_file}")
    return proof.organisation, proof.batch, proof.size


def member_from(value: str, proof: BatchProof, proof_file: Path) -> bytes:
    """The member's root: --revoke-member names its sealed report or its root."""
    if Path(value).is_file():
        report = load_sealed_report(Path(value))
        organisation, root = report.organisation, report.root
    else:
        organisation, root = proof.organisation, report_root(value)
    if (organisation, root) != (proof.organisation, proof.report):
        raise InputError(
            f"{proof_file} proves report 0x{proof.report.hex()} of "
            f"{organisation_label(proof.organisation)}, not {value}"
        )
    return root


def evidence_digest_of(evidence: Path | None, evidence_hash_hex: str | None) -> bytes:
    """sha256 of the audit certificate, the usual digest for documents."""
    if bool(evidence) == bool(evidence_hash_hex):
        raise InputError("give either --evidence FILE or --evidence-hash")
    if evidence:
        return hashlib.sha256(evidence.read_bytes()).digest()
    return report_root(evidence_hash_hex)


@click.command(cls=RegistryCommand, short_help="Attest a report or a batch")
@account_option()
@click.option("--organisation", help="The report's organisation (with --root or --batch-root).")
@click.option("--root", help="The report root (0x + 64 hex).")
@click.option("--sealed", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch-root", help="Attest a whole batch: its root (with --batch-size).")
@click.option("--batch-size", type=click.IntRange(1, 2**32 - 1), help="The batch's size.")
@click.option(
    "--batch-proof",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A member's proof file (bci-batch-proof/1): the batch to attest, or with "
    "--revoke-member the member's proof.",
)
@click.option(
    "--revoke-member",
    metavar="SEALED_OR_ROOT",
    help="Withdraw your batch attestation from one member (its sealed report or root; "
    "with --batch-proof and --reason).",
)
@click.option("--reason", type=click.IntRange(1, 2**16 - 1), help="With --revoke-member.")
@click.option("--verdict", type=click.Choice(sorted(VERDICTS)), default="pass", show_default=True)
@click.option("--field", "fields", multiple=True, help="A report field verified (repeat).")
@click.option("--all-fields", is_flag=True, help="All 12 report fields were verified.")
@click.option(
    "--evidence",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The audit certificate (its sha256 goes on chain).",
)
@click.option("--evidence-hash", help="Or the certificate's 32-byte hash.")
@click.option("--verified-at", help="When it was verified (default now).")
@click.option(
    "--expires-at",
    help="When the attestation expires (default one year later, at most the accreditation's end).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Sign offline into this file instead of sending.",
)
@click.option("--nonce", type=int, help="Offline: the nonce to use (default: the next free one).")
@click.option("--deadline", help="Offline: signature valid until (default 7 days).")
@click.option(
    "--relay",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Relay a verifier's signed file, of a report or a batch (any account pays the gas).",
)
@script_errors
def cli(network, account, organisation, root, sealed, batch_root, batch_size, batch_proof,
        revoke_member, reason, verdict, fields, all_fields, evidence, evidence_hash, verified_at,
        expires_at, out, nonce, deadline, relay):  # fmt: skip
    from ape import chain

    contracts = registry_for(network)
    registry = contracts.attestations
    domain = signed_attestations.AttestationDomain(
        chain_id=contracts.deployment.chain_id, verifying_contract=contracts.deployment.attestations
    )
    sender = unlock(account)
    # The last block's time: never ahead of the block that will include the transaction.
    now = chain.blocks.head.timestamp
    if relay:
        signed = signed_attestations.load(relay, expected=domain, now=now)
        if signed.primary_type not in RELAY:
            raise InputError(f"{relay}: not an attestation of a report or a batch")
        receipt = getattr(registry, RELAY[signed.primary_type])(*signed.call_args(), sender=sender)
        what = "batch" if signed.primary_type == signed_attestations.BATCH_ATTESTATION else "report"
        click.echo(
            f"relayed the attestation of {signed.signer} on {what} "
            f"0x{signed.message[what].hex()} "
            f"of {organisation_label(signed.message['organisation'])}: "
            f"{receipt.gas_used} gas, tx {receipt.txn_hash}"
        )
        return
    if revoke_member:
        if batch_proof is None or reason is None:
            raise InputError("give --batch-proof FILE and --reason N with --revoke-member")
        proof = batch_proof_from(batch_proof)
        member = member_from(revoke_member, proof, batch_proof)
        receipt = registry.revoke_member_attestation(
            proof.organisation, member, proof.batch, list(proof.proof), reason, sender=sender
        )
        click.echo(
            f"withdrew the attestation of batch 0x{proof.batch.hex()} from member "
            f"0x{member.hex()}: {receipt.gas_used} gas, tx {receipt.txn_hash}"
        )
        return
    is_batch = bool(batch_root or batch_size or batch_proof)
    if is_batch:
        if root or sealed:
            raise InputError("give either a report (--root or --sealed) or a batch, not both")
        org, report, size = batch_from(organisation, batch_root, batch_size, batch_proof)
    else:
        org, report = report_from(organisation, root, sealed)
        size = 0
    if all_fields == bool(fields):
        raise InputError("give either --field (repeat) or --all-fields")
    mask = ALL_FIELDS_MASK if all_fields else field_mask(fields)
    checked = parse_time(verified_at, "--verified-at") if verified_at else now
    if expires_at:
        expires = parse_time(expires_at, "--expires-at")
    else:  # a year, but never past the verifier's accreditation (the registry refuses that)
        accredited_until = int(registry.verifier(account.address).valid_until)
        expires = min(checked + 365 * 86400, accredited_until or checked + 365 * 86400)
    evidence_digest = evidence_digest_of(evidence, evidence_hash)
    what = f"batch 0x{report.hex()} ({size} reports)" if is_batch else f"0x{report.hex()}"
    if out is None:
        if is_batch:
            receipt = registry.attest_batch(
                org, report, size, VERDICTS[verdict], mask, evidence_digest, checked, expires,
                sender=sender,
            )  # fmt: skip
        else:
            receipt = registry.attest(
                org, report, VERDICTS[verdict], mask, evidence_digest, checked, expires,
                sender=sender,
            )  # fmt: skip
        click.echo(f"attested {what}: {receipt.gas_used} gas, tx {receipt.txn_hash}")
        return
    if nonce is None:
        record = registry.verifier(account.address)
        nonce = signed_attestations.free_nonces(int(record.nonce_base), int(record.used_nonces))[0]
    common = {
        "verifier": account.address,
        "organisation": org,
        "verdict": VERDICTS[verdict],
        "fields": mask,
        "evidence": evidence_digest,
        "verified_at": checked,
        "expires_at": expires,
        "nonce": nonce,
        "deadline": parse_time(deadline, "--deadline") if deadline else now + 7 * 86400,
    }
    if is_batch:
        kind = signed_attestations.BATCH_ATTESTATION
        message = signed_attestations.batch_attestation_message(batch=report, size=size, **common)
    else:
        kind = signed_attestations.ATTESTATION
        message = signed_attestations.attestation_message(report=report, **common)
    signature = sender.sign_message(signed_attestations.signable_message(domain, kind, message))
    if signature is None:
        raise InputError(f"account {account.alias} declined to sign")
    signed = signed_attestations.from_signature(domain, kind, message, signature.encode_rsv())
    signed_attestations.save(out, signed)
    click.echo(f"attestation of {what} by {account.address} signed into {out}")
