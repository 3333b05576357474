"""``bci-report export --as untp-dcc|epcis`` and ``bci-report status-sync``.

Both read the report file (sealed report or disclosure), the deployment manifest and
the chain (``customs_view`` and the events of the anchoring and the attestations, over
plain JSON-RPC). ``untp-dcc`` also needs the verifier's key (``--key-file``, owner-only,
or ``--keystore ALIAS`` with ``$BCI_KEYSTORE_PASSPHRASE``): it signs the credential and
the verifier's status list, whose bit allocation lives in ``--status-state``.

Files written (``-o DIR``, ``STEM`` from ``--stem`` or the report file's name):

- untp-dcc: ``STEM.dcc.jwt`` (the credential as ``vc+jwt``), ``STEM.dcc.json`` (the
  decoded credential), ``STEM.did.json`` (the verifier's did:web document),
  ``status-list.jwt`` / ``status-list.json`` (the verifier's revocation list);
- epcis: ``STEM.epcis.json`` (an EPCIS 2.0 document: anchoring + each attestation).

Exit codes: 0 written, 1 the export is invalid (e.g. the EPCIS document fails its
schema), 2 bad input or the node cannot answer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from bci_registry.interop.chainfacts import (
    ChainFacts,
    ExportError,
    Naming,
    ReportFile,
    export_input,
    read_chain,
    read_report_file,
)
from bci_registry.interop.cli import EXIT_BAD_INPUT, EXIT_OK, run_export_dcc, run_export_epcis
from bci_registry.interop.dcc import credential_id, kid_for, sign_credential
from bci_registry.interop.did import VerifierKey, did_for_domain
from bci_registry.interop.keysource import KeySourceError, from_key_file, from_keystore
from bci_registry.interop.model import AttestationFacts, ExportInput, ModelError, Verdict
from bci_registry.interop.status_state import StatusState, StatusStateError
from bci_registry.interop.statuslist import default_list_url, status_list_credential
from bci_registry.report.files import write_text

_FILE = click.Path(dir_okay=False, path_type=Path)
_DIR = click.Path(file_okay=False, path_type=Path)
STATUS_LIST_STEM = "status-list"


def _default_rpc() -> str:
    from bci_registry.customs.cli import DEFAULT_RPC_URL

    return DEFAULT_RPC_URL


def _stem(path: Path) -> str:
    name = path.name.removesuffix(".json")
    for suffix in (".sealed", ".disclosure"):
        name = name.removesuffix(suffix)
    return name


def _key(key_file: Path | None, keystore: str | None) -> VerifierKey:
    if bool(key_file) == bool(keystore):
        raise click.UsageError("give the verifier's key: --key-file FILE or --keystore ALIAS")
    return from_key_file(key_file) if key_file else from_keystore(str(keystore))


def _verifier_domains(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        address, sep, domain = pair.partition("=")
        if not sep:
            raise click.UsageError(f"--verifier {pair!r}: expected ADDRESS=DOMAIN")
        out[address] = domain
    return out


def _load(
    file: Path, manifest: Path, rpc_url: str, timeout: float
) -> tuple[ReportFile, ChainFacts]:
    from bci_registry.deployment import load_path

    report = read_report_file(file)
    facts = read_chain(rpc_url, load_path(manifest), report.organisation, report.root, timeout)
    return report, facts


def publish_status_list(
    state: StatusState, key: VerifierKey, domain: str, valid_from: datetime, out_dir: Path
) -> Path:
    """Sign and write the verifier's status list (``status-list.jwt`` and its decoded JSON)."""
    did = did_for_domain(domain)
    listing = status_list_credential(state.list_url, did, state.revoked_indexes, valid_from)
    token = sign_credential(listing, key, kid_for(domain))
    path = out_dir / f"{STATUS_LIST_STEM}.jwt"
    write_text(path, token + "\n")
    write_text(out_dir / f"{STATUS_LIST_STEM}.json", json.dumps(listing, indent=2) + "\n")
    return path


def _anchoring_input(report: ReportFile, facts: ChainFacts, naming: Naming) -> ExportInput:
    """The anchoring event's input: the first attestation's, or a stand-in when there is none
    (the anchoring event reads only the anchor and the product)."""
    records = sorted(facts.view.attestations, key=lambda a: a.attested_at)
    if records:
        return export_input(report, facts, records[0], naming, disclose_fields=())
    from bci_registry.interop.model import AnchorFacts, ProductIds
    from bci_registry.report.leaves import hex32

    moment = facts.anchored_at
    stand_in = AttestationFacts(
        verifier="0x" + "00" * 20,
        verifier_domain="no-attestation.invalid",
        verdict=Verdict.PASS,
        fields_mask=1,
        verified_at=moment,
        expires_at=datetime.fromtimestamp(moment.timestamp() + 1, UTC),
        evidence="0x" + "00" * 32,
    )
    return ExportInput(
        anchor=AnchorFacts(
            facts.deployment.chain_id,
            facts.deployment.registry,
            hex32(report.organisation),
            hex32(report.root),
            facts.anchor_transaction,
        ),
        attestation=stand_in,
        product=ProductIds.from_report(
            report.values, gs1_company_prefix_length=naming.gs1_company_prefix_length
        ),
    )


@click.command("export")
@click.option("--as", "kind", type=click.Choice(["untp-dcc", "epcis"]), required=True)
@click.argument("file", type=_FILE)
@click.option("--manifest", type=_FILE, required=True, help="The deployment manifest.")
@click.option("--rpc-url", default=None, help="The node's JSON-RPC URL (default: the devnet).")
@click.option("--timeout", type=float, default=10.0, show_default=True)
@click.option("-o", "--output-dir", type=_DIR, required=True)
@click.option("--stem", help="Output file name stem (default: FILE's name).")
@click.option("--gs1-prefix-length", type=click.IntRange(6, 12), help="GS1 company prefix length.")
@click.option("--organisation-name", help="The exporter's name in the DCC.")
@click.option("--key-file", type=_FILE, help="untp-dcc: the verifier's hex private key (mode 600).")
@click.option("--keystore", help="untp-dcc: the verifier's Ape keystore alias.")
@click.option("--verifier-domain", help="untp-dcc: the verifier body's domain (did:web).")
@click.option("--verifier-name", help="untp-dcc: the verifier body's name.")
@click.option("--status-state", type=_FILE, help="untp-dcc: the status allocation file "
              "(default: DIR/status-allocations.json).")  # fmt: skip
@click.option("--disclose", "disclose_fields", multiple=True, metavar="FIELD",
              help="untp-dcc: a field to disclose (repeat; default: every attested "
              "field FILE carries).")  # fmt: skip
@click.option("--verifier", "verifiers", multiple=True, metavar="ADDRESS=DOMAIN",
              help="epcis: a verifier's domain (repeat); others get a placeholder "
              ".invalid name.")  # fmt: skip
def export_command(
    kind: str, file: Path, manifest: Path, rpc_url: str | None, timeout: float,
    output_dir: Path, stem: str | None, gs1_prefix_length: int | None,
    organisation_name: str | None, key_file: Path | None, keystore: str | None,
    verifier_domain: str | None, verifier_name: str | None, status_state: Path | None,
    disclose_fields: tuple[str, ...], verifiers: tuple[str, ...],
) -> None:  # fmt: skip
    """Export the attestation of the report FILE (sealed report or disclosure) as a UNTP
    Digital Conformity Credential, or its anchoring and attestations as EPCIS 2.0 events."""
    raise SystemExit(
        _export(
            kind,
            file,
            manifest,
            rpc_url or _default_rpc(),
            timeout,
            output_dir,
            stem or _stem(file),
            gs1_prefix_length,
            organisation_name,
            key_file,
            keystore,
            verifier_domain,
            verifier_name,
            status_state,
            disclose_fields,
            verifiers,
        )
    )


def _export(
    kind: str, file: Path, manifest: Path, rpc_url: str, timeout: float, output_dir: Path,
    stem: str, gs1_prefix_length: int | None, organisation_name: str | None,
    key_file: Path | None, keystore: str | None, verifier_domain: str | None,
    verifier_name: str | None, status_state: Path | None, disclose_fields: tuple[str, ...],
    verifiers: tuple[str, ...],
) -> int:  # fmt: skip
    from bci_registry.customs.errors import ChainUnavailable
    from bci_registry.deployment import DeploymentError
    from bci_registry.jsonrpc import RpcUnreachable
    from bci_registry.report.errors import ReportError

    try:
        if kind == "untp-dcc":
            if not verifier_domain:
                raise click.UsageError("untp-dcc needs --verifier-domain")
            key = _key(key_file, keystore)
            report, facts = _load(file, manifest, rpc_url, timeout)
            naming = Naming(
                {key.address: verifier_domain},
                {key.address: verifier_name} if verifier_name else {},
                gs1_prefix_length,
                organisation_name,
            )
            record = facts.attestation_by(key.address)
            data = export_input(
                report, facts, record, naming, disclose_fields if disclose_fields else None
            )
            state_path = status_state or output_dir / "status-allocations.json"
            state = StatusState.load(
                state_path, key.address, default_list_url(verifier_domain, data.anchor.chain_id)
            )
            status = state.allocate(credential_id(data), data.anchor.organisation, data.anchor.root)
            for entry in state.entries:
                if entry.credential == credential_id(data):
                    entry.revoked = record.revoked_at != 0
            output_dir.mkdir(parents=True, exist_ok=True)
            code = run_export_dcc(data, key, status, output_dir, stem)
            if code != EXIT_OK:
                return code
            state.save(state_path)
            publish_status_list(state, key, verifier_domain, facts.checked_at, output_dir)
            return EXIT_OK
        report, facts = _load(file, manifest, rpc_url, timeout)
        naming = Naming(_verifier_domains(verifiers), {}, gs1_prefix_length, organisation_name)
        records = sorted(facts.view.attestations, key=lambda a: a.attested_at)
        attestations = [export_input(report, facts, r, naming, disclose_fields=()) for r in records]
        output_dir.mkdir(parents=True, exist_ok=True)
        return run_export_epcis(
            _anchoring_input(report, facts, naming),
            facts.anchored_at,
            attestations,
            output_dir / f"{stem}.epcis.json",
            created=facts.checked_at,
        )
    except (ExportError, KeySourceError, StatusStateError, ModelError, ReportError) as exc:
        message = exc.summary() if hasattr(exc, "summary") else str(exc)
        click.echo(f"error: {message}", err=True)
    except (ChainUnavailable, DeploymentError, RpcUnreachable) as exc:
        click.echo(f"error: {exc}", err=True)
    except OSError as exc:
        click.echo(f"error: {exc}", err=True)
    return EXIT_BAD_INPUT


@click.command("status-sync")
@click.option("--manifest", type=_FILE, required=True)
@click.option("--rpc-url", default=None)
@click.option("--timeout", type=float, default=10.0, show_default=True)
@click.option("--status-state", type=_FILE, required=True, help="The verifier's allocation file.")
@click.option("--key-file", type=_FILE)
@click.option("--keystore")
@click.option("--verifier-domain", required=True)
@click.option("-o", "--output-dir", type=_DIR, required=True, help="Where status-list.jwt goes.")
def status_sync_command(
    manifest: Path, rpc_url: str | None, timeout: float, status_state: Path,
    key_file: Path | None, keystore: str | None, verifier_domain: str, output_dir: Path,
) -> None:  # fmt: skip
    """Read every allocated credential's attestation from the chain, set the bits of the
    revoked ones and republish the signed status list."""
    from bci_registry.customs.chain import ChainReader, http_node
    from bci_registry.customs.errors import ChainUnavailable
    from bci_registry.deployment import DeploymentError, load_path
    from bci_registry.jsonrpc import RpcUnreachable

    try:
        key = _key(key_file, keystore)
        deployment = load_path(manifest)
        state = StatusState.load(
            status_state, key.address, default_list_url(verifier_domain, deployment.chain_id)
        )
        reader = ChainReader(http_node(rpc_url or _default_rpc(), timeout), deployment)
        reader.check_chain()
        checked_at = 0
        changed = []
        for entry in state.entries:
            view = reader.view(bytes.fromhex(entry.organisation[2:]), bytes.fromhex(entry.root[2:]))
            checked_at = max(checked_at, view.checked_at)
            mine = [a for a in view.attestations if a.verifier.lower() == key.address.lower()]
            revoked = bool(mine) and all(a.revoked_at != 0 for a in mine)
            if revoked != entry.revoked:
                changed.append(
                    f"bit {entry.index} {'set' if revoked else 'cleared'}: {entry.credential}"
                )
            entry.revoked = revoked or entry.revoked  # a bit once set stays set
        output_dir.mkdir(parents=True, exist_ok=True)
        state.save(status_state)
        path = publish_status_list(
            state, key, verifier_domain, datetime.fromtimestamp(checked_at, UTC), output_dir
        )
    except (KeySourceError, StatusStateError, ModelError) as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_BAD_INPUT) from None
    except (ChainUnavailable, DeploymentError, RpcUnreachable, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_BAD_INPUT) from None
    for line in changed:
        click.echo(line)
    click.echo(
        f"status list: {len(state.revoked_indexes)} of {len(state.entries)} revoked -> {path}"
    )
