"""A verifier attests an anchored report: signs offline into a file, or sends it; relays a file."""

import hashlib
from pathlib import Path

import click
from ape.cli import account_option

from bci_registry import attestations as signed_attestations
from bci_registry.ape_support import RegistryCommand, registry_for, script_errors
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


def evidence_digest_of(evidence: Path | None, evidence_hash_hex: str | None) -> bytes:
    """sha256 of the audit certificate, the usual digest for documents."""
    if bool(evidence) == bool(evidence_hash_hex):
        raise InputError("give either --evidence FILE or --evidence-hash")
    if evidence:
        return hashlib.sha256(evidence.read_bytes()).digest()
    return report_root(evidence_hash_hex)


@click.command(cls=RegistryCommand, short_help="Attest a report")
@account_option()
@click.option("--organisation", help="The report's organisation (with --root).")
@click.option("--root", help="The report root (0x + 64 hex).")
@click.option("--sealed", type=click.Path(exists=True, dir_okay=False, path_type=Path))
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
    help="Relay a verifier's signed file (any account pays the gas).",
)
@script_errors
def cli(network, account, organisation, root, sealed, verdict, fields, all_fields, evidence,
        evidence_hash, verified_at, expires_at, out, nonce, deadline, relay):  # fmt: skip
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
        if signed.primary_type != signed_attestations.ATTESTATION:
            raise InputError(f"{relay}: not an attestation")
        receipt = registry.attest_by_signature(*signed.call_args(), sender=sender)
        click.echo(
            f"relayed the attestation of {signed.signer} on 0x{signed.message['report'].hex()} "
            f"of {organisation_label(signed.message['organisation'])}: "
            f"{receipt.gas_used} gas, tx {receipt.txn_hash}"
        )
        return
    org, report = report_from(organisation, root, sealed)
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
    if out is None:
        receipt = registry.attest(
            org, report, VERDICTS[verdict], mask, evidence_digest, checked, expires, sender=sender
        )
        click.echo(f"attested 0x{report.hex()}: {receipt.gas_used} gas, tx {receipt.txn_hash}")
        return
    if nonce is None:
        record = registry.verifier(account.address)
        nonce = signed_attestations.free_nonces(int(record.nonce_base), int(record.used_nonces))[0]
    message = signed_attestations.attestation_message(
        verifier=account.address,
        organisation=org,
        report=report,
        verdict=VERDICTS[verdict],
        fields=mask,
        evidence=evidence_digest,
        verified_at=checked,
        expires_at=expires,
        nonce=nonce,
        deadline=parse_time(deadline, "--deadline") if deadline else now + 7 * 86400,
    )
    signature = sender.sign_message(
        signed_attestations.signable_message(domain, signed_attestations.ATTESTATION, message)
    )
    if signature is None:
        raise InputError(f"account {account.alias} declined to sign")
    signed = signed_attestations.from_signature(
        domain, signed_attestations.ATTESTATION, message, signature.encode_rsv()
    )
    signed_attestations.save(out, signed)
    click.echo(f"attestation of 0x{report.hex()} by {account.address} signed into {out}")
