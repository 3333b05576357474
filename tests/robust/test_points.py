"""Issue 9, points 4-11: one test (or a few) per point, each failing on the code before it.

Points 1-3 (deadlines, nesting, node answers) are in test_bad_node.py and
test_readers.py; the fuzzing in test_fuzz_readers.py.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bci_registry import outputs
from bci_registry.customs.cli import main as verify_main
from bci_registry.registry import InputError
from bci_registry.report.cli import main as report_main
from bci_registry.timeargs import parse_deadline, parse_time

from .conftest import ORG_ARGS, ROOT, SAMPLE, manifest_data

# --------------------------------------------------------------- 4. time arguments


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("²", "U+00B2 SUPERSCRIPT TWO"),
        ("١٧٦٧", "U+0661 ARABIC-INDIC DIGIT ONE"),
        ("12345678901234567890", "out of range"),
        ("", "is empty"),
        ("2026-12-01", "a date without a time"),
        ("2026-12-01T10:00:00", "has no time zone"),
        ("tomorrow", "neither unix seconds nor an RFC 3339 time"),
        ("2026-02-30T00:00:00Z", "not a valid time"),
    ],
)
def test_delivery_is_ascii_digits_or_rfc3339_in_range(
    value: str, message: str, manifest_file: Path, sealed_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    code = verify_main(["--manifest", str(manifest_file), "--delivery", value, str(sealed_file)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    with pytest.raises(InputError, match=re.escape(message)):
        parse_time(value, "--deadline")


def test_time_arguments_accept_the_documented_forms() -> None:
    assert parse_time("1767225600", "t") == 1767225600
    assert parse_time("2026-01-01T00:00:00Z", "t") == 1767225600
    assert parse_time("2026-01-01T01:00:00+01:00", "t") == 1767225600
    assert parse_time("2026-01-01T00:00:00.5Z", "t") == 1767225600


def test_a_deadline_already_past_is_refused() -> None:
    with pytest.raises(InputError, match="has already passed"):
        parse_deadline("2020-01-01T00:00:00Z", "--deadline")
    assert parse_deadline("2999-01-01T00:00:00Z", "--deadline") > 0
    # approve and submit --request-out use it
    for script in ("approve.py", "submit.py"):
        assert "parse_deadline(deadline" in (ROOT / "scripts" / script).read_text()


# --------------------------------------------------------------- 6. memory


def test_validate_of_a_15_mb_report_stays_within_a_small_multiple_of_its_size(
    tmp_path: Path,
) -> None:
    report = json.loads(SAMPLE.read_text())
    origin = dict(report["cathodeMaterialOrigin"][0], mineName="x" * 15_000_000)
    report["cathodeMaterialOrigin"] = [origin]
    big = tmp_path / "big.json"
    big.write_text(json.dumps(report))
    size = big.stat().st_size
    probe = (
        "import resource, subprocess, sys;"
        "r = subprocess.run([sys.argv[1], 'validate', sys.argv[2]], capture_output=True);"
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    bci_report = Path(sys.executable).with_name("bci-report")
    result = subprocess.run(
        [sys.executable, "-c", probe, str(bci_report), str(big)],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    code, peak_kib = (int(x) for x in result.stdout.split())
    peak = peak_kib * 1024
    print(f"validate of a {size / 1e6:.1f} MB report: peak RSS {peak / 1e6:.0f} MB")
    assert code == 1  # the 15 MB mine name is too long: a verdict, not a crash
    # Before: 1.84 GB (the nesting-depth regex). Interpreter and schema: ~60 MB.
    assert peak < 6 * size + 100_000_000


# --------------------------------------------------------------- 7. writing files


def test_output_over_a_symlink_is_refused_and_the_link_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "target.txt"
    target.write_text("keep")
    link = tmp_path / "out.json"
    link.symlink_to(target)
    code = report_main(["seal", str(SAMPLE), *ORG_ARGS, "-o", str(link), "--force"])
    assert code == 2 and "symbolic link" in capsys.readouterr().err
    assert link.is_symlink() and target.read_text() == "keep"


def test_output_onto_a_device_is_refused_even_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    device = tmp_path / "full"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # like /dev/full
    except PermissionError:
        # Without root no device node can be made; /dev/null is one that exists
        # everywhere (and that a non-root writer could not replace anyway).
        device = Path("/dev/null")
    code = report_main(["seal", str(SAMPLE), *ORG_ARGS, "-o", str(device), "--force"])
    assert code == 2 and "a device" in capsys.readouterr().err
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_a_missing_output_folder_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no-such-folder" / "sealed.json"
    assert report_main(["seal", str(SAMPLE), *ORG_ARGS, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"the output folder {out.parent} does not exist" in err and "/." not in err


def test_sigterm_while_writing_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def terminate(fd: int) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(os, "fsync", terminate)
    with pytest.raises(BaseException) as caught:
        outputs.write_text(tmp_path / "sealed.json", "{}", private=True)
    assert type(caught.value).__name__ == "Terminated"
    assert list(tmp_path.iterdir()) == []


def test_a_killed_seal_process_leaves_no_temporary_file(tmp_path: Path) -> None:
    """A real `bci-report seal` SIGTERMed in the middle of writing: exit 143, no stray file."""
    probe = (
        "import os, signal, sys\n"
        "os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGTERM)\n"
        "from bci_registry.report.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    out = tmp_path / "sealed.json"
    result = subprocess.run(
        [sys.executable, "-c", probe, "seal", str(SAMPLE), *ORG_ARGS, "-o", str(out)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 143, result.stderr
    assert list(tmp_path.iterdir()) == []
    assert "Traceback" not in result.stderr


def test_no_overwrite_never_replaces_a_file(tmp_path: Path) -> None:
    path = tmp_path / "sealed.json"
    path.write_text("salts")
    with pytest.raises(FileExistsError):
        outputs.write_text(path, "new", overwrite=False)
    assert path.read_text() == "salts" and len(list(tmp_path.iterdir())) == 1


# --------------------------------------------------------------- 8. exit codes


def test_an_unexpected_error_in_bci_verify_exits_3_with_one_line(
    manifest_file: Path, sealed_file: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    import bci_registry.customs.verify as verify_module

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(verify_module, "verify", broken)
    args = ["--manifest", str(manifest_file), str(sealed_file)]
    assert verify_main(args) == 3
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "RuntimeError: a bug" in err
    assert "Traceback" not in err
    assert verify_main(["--debug", *args]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_an_unexpected_error_in_bci_report_exits_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bci_registry.report.cli as report_cli

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(report_cli, "load_report", broken)
    assert report_main(["validate", str(SAMPLE)]) == 3
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert report_main(["--debug", "validate", str(SAMPLE)]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_an_unexpected_error_in_a_script_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    from bci_registry.ape_support import script_errors

    @script_errors
    def command() -> None:
        raise KeyError("a bug")

    with pytest.raises(SystemExit) as caught:
        command()
    assert caught.value.code == 3
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "KeyError" in err


# --------------------------------------------------------------- 9. messages


def test_a_manifest_chain_id_string_is_named(
    tmp_path: Path, sealed_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(manifest_data(chain_id="84532")))
    assert verify_main(["--manifest", str(manifest), str(sealed_file)]) == 2
    err = capsys.readouterr().err
    assert "chain_id: expected a whole number, got the string '84532'" in err


def test_no_contract_says_what_is_wrong() -> None:
    from bci_registry.ape_support import _no_contract_reason
    from bci_registry.deployment import Deployment

    deployment = Deployment.from_json(manifest_data())
    deployment = Deployment.from_json(
        {**deployment.to_json(), "report_registry": {**deployment.to_json()["report_registry"],
                                                     "block": 100}}
    )  # fmt: skip
    reset = _no_contract_reason(deployment, height=5)
    assert "before the deployment's block 100" in reset and "reset" in reset
    wrong = _no_contract_reason(deployment, height=5000)
    assert "no contract at the manifest's address" in wrong


def test_a_read_that_reverts_is_a_wrong_contract_not_a_refusal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import click
    from ape.exceptions import ContractLogicError

    from bci_registry.ape_support import script_errors

    @click.command("status")
    @script_errors
    def status() -> None:
        raise ContractLogicError("execution reverted")

    with pytest.raises(SystemExit) as caught:
        status.main([], prog_name="status", standalone_mode=False)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "reverted a read" in err and "refused the transaction" not in err


def test_submit_root_of_an_anchored_report_is_skipped() -> None:
    from bci_registry.exporter.anchoring import submit_root

    class Status:
        state, anchored_block = 2, 7

    class Registry:
        sent = False

        def report_status(self, *args: Any) -> Status:
            return Status()

        def submit(self, *args: Any, **kwargs: Any) -> None:
            Registry.sent = True
            raise AssertionError("an anchored report must not be sent again")

    class Contracts:
        registry = Registry()

    message = submit_root(Contracts(), object(), b"o" * 32, b"r" * 32, bytes(32), [])  # type: ignore[arg-type]
    assert "is already anchored under" in message and "nothing sent" in message
    assert not Registry.sent


# --------------------------------------------------------------- 10. secrets at rest


def test_keystore_is_created_owner_only_never_widened_then_restricted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bci_registry import keys

    chmods: list[Any] = []
    monkeypatch.setattr(Path, "chmod", lambda self, mode: chmods.append(mode))
    monkeypatch.setattr(os, "chmod", lambda *args, **kwargs: chmods.append(args))
    old_umask = os.umask(0)  # the most permissive umask: the mode must come from creation
    try:
        keys.create_throwaway_keystore(tmp_path, "signer")
    finally:
        os.umask(old_umask)
    path = keys.accounts_folder(tmp_path) / "signer.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and chmods == []


def test_demo_writes_the_tampered_copy_owner_only() -> None:
    source = (ROOT / "src" / "bci_registry" / "demo.py").read_text()
    assert "tampered.write_text(" not in source
    assert re.search(r"write_text\(tampered, .*private=True\)", source)


# --------------------------------------------------------------- 11. what a newcomer sees


def test_pydantic_settings_warning_is_filtered_for_scripts() -> None:
    """Every script imports ape_support; after that the two-line warning is not printed."""
    probe = (
        "import warnings\n"
        "import bci_registry.ape_support\n"
        "from pydantic_settings.exceptions import IncompleteFieldDefinitionWarning as W\n"
        "warnings.warn_explicit(\"Field 'import_remapping' has an incomplete definition: x\", "
        "W, 'utils.py', 51, module='pydantic_settings.sources.utils')\n"
        "print('done')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "done"
    assert "incomplete definition" not in result.stderr, result.stderr


def test_autosign_does_not_print_danger(capsys: pytest.CaptureFixture[str]) -> None:
    from ape.logging import logger

    from bci_registry.keys import PASSPHRASE_ENV, unlock

    class Account:
        alias = "signer"

        def set_autosign(self, enabled: bool, passphrase: str | None = None) -> None:
            logger.warning("Danger! This account will now sign any transaction it's given.")

    os.environ[PASSPHRASE_ENV] = "x"
    try:
        unlock(Account())
    finally:
        del os.environ[PASSPHRASE_ENV]
    captured = capsys.readouterr()
    assert "Danger" not in captured.err + captured.out
    logging.getLogger().handlers  # noqa: B018 - nothing else to check


def test_pass_and_fail_end_with_the_same_line_shape() -> None:
    from bci_registry.customs.render import final_line

    shape = re.compile(r"(PASS|FAIL): \d+ of \d+ reports? pass(es)? \(.+\)\Z")
    assert shape.match(final_line(True, 1, 1, "chain 84532"))
    assert shape.match(final_line(False, 0, 1, "chain 84532"))
    assert shape.match(final_line(False, 2, 3, "chain 84532"))
    source = (ROOT / "src" / "bci_registry" / "customs" / "render.py").read_text()
    assert 'f"PASS ({where})"' not in source


def test_the_readme_customs_example_fits_a_report_anchored_today() -> None:
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"```sh\n(bci-verify .*?)```", readme, re.S)
    assert example is not None
    delivery = re.search(r"--delivery (\S+)", example.group(1))
    assert delivery is not None
    import time

    # A report anchored a moment ago must count as anchored by this delivery time.
    assert parse_time(delivery.group(1), "--delivery", allow_now=True) >= int(time.time()) - 1
