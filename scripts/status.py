"""Read a report's status from the registry (one view call)."""

import json

import click

from bci_registry.ape_support import RegistryCommand, registry_for, script_errors
from bci_registry.customs.view import ReportRecord
from bci_registry.registry import organisation_id, report_root


@click.command(cls=RegistryCommand, short_help="Show a report's status")
@click.option("--organisation", required=True, help="The organisation's id.")
@click.option("--root", "root", required=True, help="The report root (0x + 64 hex).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@script_errors
def cli(network, organisation, root, as_json):
    registry = registry_for(network).registry
    report = report_root(root)
    org = organisation_id(organisation)
    status = ReportRecord.from_struct(registry.report_status(org, report))
    if as_json:
        click.echo(json.dumps({"report": "0x" + report.hex(), **status.to_json()}, indent=2))
    else:
        click.echo(status.summary("0x" + report.hex(), org))
