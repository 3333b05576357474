"""Functions behind ``bci-report import`` and ``bci-report export``, for the report CLI to wire.

Each returns an exit code (0 done, 1 the check failed, 2 bad input) and prints
nothing itself except through ``click.echo``; see docs/interop.md for the commands.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from bci_registry.interop.batterypass import ImportInvalid, dumps, import_files
from bci_registry.interop.dcc import export_dcc
from bci_registry.interop.did import VerifierKey, did_document
from bci_registry.interop.epcis import document_problems, epcis_document
from bci_registry.interop.model import ExportInput, ModelError
from bci_registry.interop.statuslist import StatusEntry
from bci_registry.report.files import write_text

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def run_import(payload: Path, supplement: Path | None, output: Path, force: bool = False) -> int:
    """``bci-report import --from batterypass PAYLOAD [--supplement FILE] -o REPORT``.

    Writes REPORT and ``REPORT.provenance.json`` beside it (source path of each value,
    fields the payload lacks). Exit 1 with every path-named problem if it cannot.
    """
    try:
        imported, provenance = import_files(payload, supplement)
    except ImportInvalid as exc:
        click.echo(exc.summary(), err=True)
        return EXIT_FAILED
    try:
        write_text(output, dumps(imported.report), overwrite=force)
        write_text(provenance_path(output), dumps(provenance), overwrite=force)
    except (OSError, FileExistsError) as exc:
        click.echo(f"error: {exc}", err=True)
        return EXIT_BAD_INPUT
    click.echo(f"imported {payload} -> {output} (provenance {provenance_path(output)})")
    for name, reason in imported.lacking.items():
        click.echo(f"  {name}: from the supplement ({reason})")
    return EXIT_OK


def provenance_path(report_path: Path) -> Path:
    """``report.json`` -> ``report.provenance.json``."""
    return report_path.with_name(report_path.stem + ".provenance.json")


def run_export_dcc(
    data: ExportInput, key: VerifierKey, status: StatusEntry, output_dir: Path, stem: str
) -> int:
    """``bci-report export --as untp-dcc``: writes ``<stem>.dcc.jwt``, ``<stem>.dcc.json``
    (the decoded credential) and ``<stem>.did.json`` (the verifier's DID document)."""
    try:
        exported = export_dcc(data, key, status)
    except ModelError as exc:
        click.echo(f"error: {exc}", err=True)
        return EXIT_BAD_INPUT
    write_text(output_dir / f"{stem}.dcc.jwt", exported.jwt + "\n")
    write_text(output_dir / f"{stem}.dcc.json", dumps(exported.credential))
    doc = did_document(data.attestation.verifier_domain, key, data.anchor.chain_id)
    write_text(output_dir / f"{stem}.did.json", dumps(doc))
    click.echo(f"exported DCC {exported.credential['id']} -> {output_dir / (stem + '.dcc.jwt')}")
    return EXIT_OK


def run_export_epcis(
    anchoring: ExportInput,
    anchored_at: datetime,
    attestations: list[ExportInput],
    output: Path,
    created: datetime,
) -> int:
    """``bci-report export --as epcis``: one EPCIS document, validated before it is written."""
    try:
        document: dict[str, Any] = epcis_document(
            anchoring, anchored_at, attestations, created=created
        )
    except ModelError as exc:
        click.echo(f"error: {exc}", err=True)
        return EXIT_BAD_INPUT
    problems = document_problems(document, check_hashes=True)
    if problems:
        click.echo("\n".join(["EPCIS document invalid:", *problems]), err=True)
        return EXIT_FAILED
    write_text(output, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    click.echo(f"exported {len(document['epcisBody']['eventList'])} EPCIS events -> {output}")
    return EXIT_OK


@click.command("import")
@click.option("--from", "source", type=click.Choice(["batterypass"]), required=True)
@click.argument("payload", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--supplement", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def import_command(
    source: str, payload: Path, supplement: Path | None, output: Path, force: bool
) -> None:
    """Import a Catena-X BatteryPass 6.1.0 PAYLOAD as a bci-report/1 report."""
    raise SystemExit(run_import(payload, supplement, output, force))
