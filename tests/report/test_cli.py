"""The bci-report command line: outputs and exit codes (0 ok, 1 fails the check, 2 bad input)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bci_registry.report import REPORT_FIELDS, load_sealed_report
from bci_registry.report.cli import cli

from .helpers import ORG, ORG_TEXT, OTHER_ORG, SAMPLES_DIR, case_report, invalid_cases, sample

SAMPLE = SAMPLES_DIR / "nmc811-module-kr-to-de.json"
ORG_ARGS = ("--organisation", ORG_TEXT)


def run(*args: str | Path) -> Result:
    return CliRunner(mix_stderr=False).invoke(cli, [str(a) for a in args])


@pytest.fixture
def sealed_file(tmp_path: Path) -> Path:
    out = tmp_path / "sealed.json"
    assert run("seal", SAMPLE, *ORG_ARGS, "-o", out).exit_code == 0
    return out


def test_validate_valid(tmp_path: Path) -> None:
    result = run("validate", SAMPLE)
    assert result.exit_code == 0
    assert "valid bci-report/1 report" in result.stdout
    result = run("validate", SAMPLE, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["valid"] is True


def test_validate_lists_every_problem_with_paths(tmp_path: Path) -> None:
    _, case = next((n, c) for n, c in invalid_cases() if n == "many-problems-at-once")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(case_report(case)), encoding="utf-8")
    result = run("validate", path)
    assert result.exit_code == 1
    assert "invalid report: 6 problems" in result.stderr
    for want in case["expect"]:
        assert want["path"] in result.stderr
    result = run("validate", path, "--json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["valid"] is False and out["kind"] == "report"
    assert {p["path"] for p in out["problems"]} == {w["path"] for w in case["expect"]}


def test_validate_bad_input(tmp_path: Path) -> None:
    assert run("validate", tmp_path / "missing.json").exit_code == 2
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{}")
    result = run("validate", binary)
    assert result.exit_code == 2 and "not UTF-8" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema": "bci-report/1",,}', encoding="utf-8")
    result = run("validate", broken)
    assert result.exit_code == 1 and "$: not valid JSON" in result.stderr
    duplicate = tmp_path / "dup.json"
    duplicate.write_text('{"schema": "a", "schema": "b"}', encoding="utf-8")
    assert "duplicate key 'schema'" in run("validate", duplicate).stderr
    assert run("validate").exit_code == 2  # usage error


def test_seal_writes_a_private_file_and_prints_the_root(sealed_file: Path) -> None:
    sealed = load_sealed_report(sealed_file)
    assert sealed.report() == sample("nmc811-module-kr-to-de")
    assert sealed.organisation == ORG
    assert stat.S_IMODE(os.stat(sealed_file).st_mode) == 0o600


def test_seal_needs_an_organisation(tmp_path: Path) -> None:
    out = tmp_path / "sealed.json"
    result = run("seal", SAMPLE, "-o", out)
    assert result.exit_code == 2 and "--organisation" in result.stderr
    for bad, why in (("", "1 to 32 bytes"), ("x" * 33, "1 to 32 bytes"), ("0x12", "32 bytes")):
        result = run("seal", SAMPLE, "--organisation", bad, "-o", out)
        assert result.exit_code == 2 and why in result.stderr, result.stderr
    assert not out.exists()
    hex_id = "0x" + OTHER_ORG.hex()
    result = run("seal", SAMPLE, "--organisation", hex_id, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "organisation NL862345671" in result.stdout  # shown readably
    assert load_sealed_report(out).organisation == OTHER_ORG


def test_seal_keeps_an_existing_file_unless_forced(sealed_file: Path) -> None:
    before = sealed_file.read_text("utf-8")
    result = run("seal", SAMPLE, *ORG_ARGS, "-o", sealed_file)
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert sealed_file.read_text("utf-8") == before
    result = run("seal", SAMPLE, *ORG_ARGS, "-o", sealed_file, "--force")
    assert result.exit_code == 0
    root = load_sealed_report(sealed_file).root_hex
    assert f"root {root}" in result.stdout
    assert sealed_file.read_text("utf-8") != before  # fresh salts


def test_seal_refuses_an_invalid_report(tmp_path: Path) -> None:
    report = sample("lfp-ess-cn-to-jp")
    report["shipment"]["sscc"] = "069012340000678900"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(report), encoding="utf-8")
    out = tmp_path / "out.json"
    result = run("seal", bad, *ORG_ARGS, "-o", out)
    assert result.exit_code == 2
    assert "$.shipment.sscc" in result.stderr and "check digit" in result.stderr
    assert not out.exists()


def test_disclose_and_check(tmp_path: Path, sealed_file: Path) -> None:
    out = tmp_path / "disclosure.json"
    result = run("disclose", sealed_file, "--field", "shipment", "--field", "smelterIds", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "mask 0x108" in result.stdout and f"of organisation {ORG_TEXT}" in result.stdout
    root = load_sealed_report(sealed_file).root_hex
    result = run("check-disclosure", out, "--root", root)
    assert result.exit_code == 0
    assert f"proves smelterIds, shipment (mask 0x108) and organisation {ORG_TEXT}" in result.stdout
    result = run("check-disclosure", out)
    assert result.exit_code == 0 and "pass --root" in result.stdout
    result = run("check-disclosure", out, "--root", root, *ORG_ARGS, "--json")
    assert json.loads(result.stdout) == {
        "file": str(out),
        "valid": True,
        "kind": "disclosure",
        "root": root,
        "rootChecked": True,
        "organisation": "0x" + ORG.hex(),
        "organisationLabel": ORG_TEXT,
        "organisationChecked": True,
        "fields": ["smelterIds", "shipment"],
        "mask": 0x108,
        "problems": [],
    }
    # For another exporter it fails, naming both.
    result = run("check-disclosure", out, "--root", root, "--organisation", "NL862345671")
    assert result.exit_code == 1
    assert (
        f"the disclosure is for organisation {ORG_TEXT}, expected organisation NL862345671"
        in result.stderr
    )


def test_check_disclosure_failures(tmp_path: Path, sealed_file: Path) -> None:
    out = tmp_path / "disclosure.json"
    run("disclose", sealed_file, "--field", "recycledContent", "-o", out)
    result = run("check-disclosure", out, "--root", "0x" + "ab" * 32)
    assert result.exit_code == 1 and "$.root" in result.stderr
    doc = json.loads(out.read_text("utf-8"))
    doc["leaves"][0]["salt"] = "0x" + "00" * 32
    out.write_text(json.dumps(doc), encoding="utf-8")
    result = run("check-disclosure", out)
    assert result.exit_code == 1 and "$.proof" in result.stderr
    result = run("check-disclosure", out, "--json")
    assert result.exit_code == 1 and json.loads(result.stdout)["valid"] is False
    assert run("check-disclosure", out, "--root", "0x12").exit_code == 2
    assert run("check-disclosure", tmp_path / "missing.json").exit_code == 2
    out.write_text('{"schema": "bci-report/1"}', encoding="utf-8")
    result = run("check-disclosure", out)
    assert result.exit_code == 2 and "$.leaves: required field is missing" in result.stderr
    assert run("check-disclosure", out, "--organisation", "").exit_code == 2


def test_check_disclosure_refuses_one_without_the_organisation_leaf(
    tmp_path: Path, sealed_file: Path
) -> None:
    out = tmp_path / "disclosure.json"
    run("disclose", sealed_file, "--field", "recycledContent", "--field", "shipment", "-o", out)
    doc = json.loads(out.read_text("utf-8"))
    doc["leaves"] = [leaf for leaf in doc["leaves"] if leaf["name"] != "organisation"]
    out.write_text(json.dumps(doc), encoding="utf-8")
    result = run("check-disclosure", out)
    assert result.exit_code == 1  # a disclosure that proves no exporter: it fails
    assert "$.leaves: the organisation leaf is missing" in result.stderr


def test_disclose_bad_input(tmp_path: Path, sealed_file: Path) -> None:
    result = run("disclose", sealed_file, "--field", "colour", "-o", tmp_path / "d.json")
    assert result.exit_code == 2 and "unknown report field 'colour'" in result.stderr
    assert run("disclose", sealed_file, "-o", tmp_path / "d.json").exit_code == 2
    tampered = json.loads(sealed_file.read_text("utf-8"))
    tampered["fields"][0]["salt"] = "0x" + "11" * 32
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(tampered), encoding="utf-8")
    result = run("disclose", bad, "--field", "shipment", "-o", tmp_path / "d.json")
    assert result.exit_code == 2 and "$.root: does not match the fields" in result.stderr
    result = run("disclose", sealed_file, "--field", "organisation", "-o", tmp_path / "d.json")
    assert result.exit_code == 2 and "every disclosure includes it" in result.stderr


def test_help_names_every_field() -> None:
    result = run("disclose", "--help")
    assert result.exit_code == 0
    for name in REPORT_FIELDS:
        assert name in result.stdout


def test_console_script_exit_codes(tmp_path: Path) -> None:
    # The installed entry point, as a user runs it.
    command = [sys.executable, "-c", "from bci_registry.report.cli import main; main()"]
    ok = subprocess.run([*command, "validate", str(SAMPLE)], capture_output=True, check=False)
    assert ok.returncode == 0
    missing = subprocess.run(
        [*command, "validate", str(tmp_path / "none.json")], capture_output=True, check=False
    )
    assert missing.returncode == 2
    assert b"cannot read" in missing.stderr
