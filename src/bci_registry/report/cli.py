"""``bci-report``: validate, seal and disclose bci-report/1 reports from the command line.

Exit codes:

- 0: done (valid report, sealed, disclosed, disclosure verified)
- 1: the document was read and fails the check asked for (``validate``: the report is
  invalid; ``check-disclosure``: the disclosure does not prove its fields and organisation
  against the root, is for another organisation than ``--organisation``, or has no
  organisation leaf)
- 2: bad input: unreadable file, not the kind of document expected, invalid report to
  seal, unknown field name, or a usage error
- 3: an unexpected error (a bug): one line on stderr; ``--debug`` shows the traceback

Library code raises; this module is the only place that turns exceptions into messages
and exit codes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from bci_registry.interop.cli import import_command
from bci_registry.interop.export_cli import export_command, status_sync_command
from bci_registry.registry import InputError, text_id
from bci_registry.report.disclosure import disclose, disclosure_problems
from bci_registry.report.errors import (
    DisclosureInvalid,
    InputFileError,
    ReportError,
    ReportInvalid,
)
from bci_registry.report.fields import REPORT_FIELDS, SCHEMA_ID, UnknownFieldError
from bci_registry.report.files import (
    load_disclosure,
    load_report,
    load_sealed_report,
    write_text,
)
from bci_registry.report.leaves import parse_hex32
from bci_registry.report.sealing import seal_report

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

_FILE = click.Path(dir_okay=False, path_type=Path)

_ORGANISATION_HELP = (
    "The exporter's organisation id as registered on chain: 0x + 64 hex digits, or 1 to 32 "
    "bytes of text (an EORI number), zero-padded on the right."
)


def _organisation(value: str, option: str) -> bytes:
    try:
        return text_id(value, "organisation id")
    except InputError as exc:
        _stop(f"{option}: {exc}")


def _stop(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _emit_json(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, indent=2, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error (exit 3).")
def cli(debug: bool) -> None:
    """Validate, seal and disclose bci-report/1 battery traceability reports.

    Exit codes: 0 done, 1 the check fails, 2 bad input, 3 unexpected error (a bug).
    """


@cli.command()
@click.argument("file", type=_FILE)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def validate(file: Path, as_json: bool) -> None:
    """Check FILE against bci-report/1 and list every problem with its JSON path.

    Exit 0 if valid, 1 if not, 2 if FILE cannot be read.
    """
    try:
        load_report(file)
    except InputFileError as exc:
        _stop(str(exc))
    except ReportInvalid as exc:
        if as_json:
            _emit_json({"file": str(file), **exc.to_dict()})
        else:
            click.echo(f"{file}: {exc.summary()}", err=True)
        sys.exit(EXIT_FAILED)
    if as_json:
        _emit_json({"file": str(file), "valid": True, "kind": "report", "problems": []})
    else:
        click.echo(f"{file}: valid {SCHEMA_ID} report")


@cli.command()
@click.argument("file", type=_FILE)
@click.option(
    "--organisation", "organisation", required=True, metavar="ID", help=_ORGANISATION_HELP
)
@click.option("-o", "--output", "output", type=_FILE, required=True, help="Sealed report file.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def seal(file: Path, organisation: str, output: Path, force: bool) -> None:
    """Seal the report FILE for an organisation: salt each field, compute the root to anchor.

    The root commits to the organisation (a 13th leaf): anchor it under that
    organisation only. The sealed report holds the salts; keep it private. It is
    written readable by its owner only, and an existing OUTPUT is kept unless --force
    is given, because losing the salts of an anchored report makes its fields
    impossible to disclose.
    """
    organisation_bytes = _organisation(organisation, "--organisation")
    try:
        report = load_report(file)
        sealed = seal_report(report, organisation=organisation_bytes)
        write_text(output, sealed.to_json(), private=True, overwrite=force)
    except ReportInvalid as exc:
        _stop(f"{file}: {exc.summary()}")
    except FileExistsError:
        _stop(f"{output} already exists; it may hold the salts of an anchored report (use --force)")
    except (InputFileError, OSError) as exc:
        _stop(str(exc))
    click.echo(f"sealed {file} -> {output}")
    click.echo(f"organisation {sealed.organisation_label}")
    click.echo(f"root {sealed.root_hex}")


@cli.command("disclose")
@click.argument("sealed_file", metavar="SEALED", type=_FILE)
@click.option(
    "--field",
    "fields",
    multiple=True,
    required=True,
    metavar="NAME",
    help="A field to disclose; repeat for several. One of: "
    + ", ".join(REPORT_FIELDS)
    + ". The organisation is always disclosed.",
)
@click.option("-o", "--output", "output", type=_FILE, required=True, help="Disclosure file.")
def disclose_command(sealed_file: Path, fields: tuple[str, ...], output: Path) -> None:
    """Write a disclosure of some fields of the sealed report SEALED, with a multiproof.

    The disclosure always carries the organisation of the sealed report, proven by the
    same multiproof.
    """
    try:
        sealed = load_sealed_report(sealed_file)
        disclosure = disclose(sealed, fields)
        write_text(output, disclosure.to_json())
    except ReportInvalid as exc:
        _stop(f"{sealed_file}: {exc.summary()}")
    except UnknownFieldError as exc:
        _stop(str(exc))
    except (InputFileError, OSError) as exc:
        _stop(str(exc))
    click.echo(
        f"disclosed {', '.join(disclosure.names)} (mask {disclosure.mask:#05x}) "
        f"of organisation {disclosure.organisation_label}, root {disclosure.root_hex} -> {output}"
    )


@cli.command("check-disclosure")
@click.argument("file", type=_FILE)
@click.option(
    "--root",
    "root",
    metavar="0x..",
    help="The anchored root to check against (default: the root named in FILE).",
)
@click.option(
    "--organisation",
    "organisation",
    metavar="ID",
    help="The organisation the disclosure must be for (default: any; it is shown). "
    + _ORGANISATION_HELP,
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def check_disclosure(file: Path, root: str | None, organisation: str | None, as_json: bool) -> None:
    """Verify that the disclosure FILE proves its fields and organisation against the root.

    Exit 0 if it does, 1 if it does not, 2 if FILE, --root or --organisation is malformed.
    """
    expected = None
    if root is not None:
        expected = parse_hex32(root)
        if expected is None:
            _stop(f"--root {root!r} is not 0x followed by 64 hex digits")
    expected_organisation = (
        _organisation(organisation, "--organisation") if organisation is not None else None
    )
    try:
        disclosure = load_disclosure(file)
    except ReportError as exc:
        detail = exc.summary() if isinstance(exc, ReportInvalid) else str(exc)
        code = EXIT_FAILED if _only_missing_organisation(exc) else EXIT_BAD_INPUT
        _stop(f"{file}: {detail}", code)
    problems = disclosure_problems(disclosure, expected, expected_organisation)
    result: dict[str, Any] = {
        "file": str(file),
        "valid": not problems,
        "kind": "disclosure",
        "root": disclosure.root_hex,
        "rootChecked": expected is not None,
        "organisation": disclosure.organisation_hex,
        "organisationLabel": disclosure.organisation_label,
        "organisationChecked": expected_organisation is not None,
        "fields": list(disclosure.names),
        "mask": disclosure.mask,
        "problems": [p.to_dict() for p in problems],
    }
    if as_json:
        _emit_json(result)
    elif problems:
        lines = [f"{file}: does not verify: {len(problems)} problem(s)"]
        lines += [f"  {p}" for p in problems]
        click.echo("\n".join(lines), err=True)
    else:
        source = "the given --root" if expected is not None else "the root named in the file"
        click.echo(
            f"{file}: proves {', '.join(disclosure.names)} (mask {disclosure.mask:#05x}) "
            f"and organisation {disclosure.organisation_label} against {source} "
            f"{disclosure.root_hex}"
        )
        if expected is None:
            click.echo("note: pass --root with the anchored root to tie it to the chain")
    sys.exit(EXIT_FAILED if problems else EXIT_OK)


def _only_missing_organisation(exc: ReportError) -> bool:
    """A well-formed disclosure whose only fault is a missing organisation leaf.

    It is a disclosure that fails the check (exit 1: it proves no exporter), not input
    that cannot be read (exit 2).
    """
    return isinstance(exc, DisclosureInvalid) and all(
        p.path == "$.leaves" and p.message.startswith("the organisation leaf is missing")
        for p in exc.problems
    )


# `bci-report import --from batterypass`: Catena-X Battery Pass to bci-report/1.
cli.add_command(import_command)
# `bci-report export --as untp-dcc|epcis` and `bci-report status-sync` (docs/interop.md).
cli.add_command(export_command)
cli.add_command(status_sync_command)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point (``bci-report``): never a traceback, never exit 1 for a bug."""
    from bci_registry.cli_errors import EXIT_INTERRUPTED, guarded

    args = sys.argv[1:] if argv is None else list(argv)

    def run() -> int:
        try:
            cli.main(args, prog_name="bci-report", standalone_mode=False)
        except click.exceptions.Abort:
            click.echo("bci-report: interrupted", err=True)
            return EXIT_INTERRUPTED
        except click.ClickException as exc:
            exc.show()
            return exc.exit_code if exc.exit_code != EXIT_FAILED else EXIT_BAD_INPUT
        return EXIT_OK

    code = guarded("bci-report", run, debug="--debug" in args)
    if argv is None:
        sys.exit(code)
    return code
