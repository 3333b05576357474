"""Issue 12's round trip on anvil, every sample: Battery Pass payload + supplement ->
`bci-report import` -> sealed -> anchored (2-of-3) and attested -> `bci-report export`
(UNTP DCC, EPCIS) -> the official schemas, JSON-LD expansion -> `bci-verify` on the DCC.

The run is the one `python -m bci_registry.interop.exports_run` makes for
samples/exports/ (fixed keys, salts and block times), so it also checks that the
committed exports are in step. Then the failures: a changed value, a wrong signer,
a revoked attestation (and the status list synced from the chain).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bci_registry import devnode
from bci_registry.interop import exports_run
from bci_registry.interop.dcc import sign_credential
from bci_registry.interop.did import VerifierKey, did_document
from bci_registry.interop.epcis import document_problems
from bci_registry.interop.jsonld import dropped_terms
from bci_registry.interop.verify import schema_problems

sys.path.insert(0, str(devnode.PROJECT_ROOT / "tests"))
from interop.test_batterypass import payload_for, supplement_for

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
WORKDIR = devnode.PROJECT_ROOT / ".devnet" / "e2e" / "test_interop_roundtrip"
NAMES = exports_run.SAMPLE_NAMES
OTHER_KEY = VerifierKey(bytes.fromhex("3c" * 32))


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _imported(workdir: Path) -> dict[str, dict[str, Any]]:
    """Each sample through its Battery Pass payload and supplement and `bci-report import`."""
    reports = {}
    for name in NAMES:
        report = json.loads((exports_run.SAMPLES / f"{name}.json").read_text())
        payload, supplement = workdir / f"{name}.bp.json", workdir / f"{name}.supplement.json"
        payload.write_text(json.dumps(payload_for(report)))
        supplement.write_text(json.dumps(supplement_for(report)))
        out = workdir / f"{name}.imported.json"
        result = _run(str(BIN / "bci-report"), "import", "--from", "batterypass", str(payload),
                      "--supplement", str(supplement), "-o", str(out))  # fmt: skip
        assert result.returncode == 0, result.stderr
        reports[name] = json.loads(out.read_text())
        assert reports[name] == report  # the import gives back the sample
    return reports


def _payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


class Story:
    """What the run leaves for the checks (filled while the node is alive)."""

    def __init__(self, workdir: Path, exports: Path) -> None:
        self.workdir, self.exports = workdir, exports
        self.results: dict[str, Any] = {}


def _verify(run: exports_run.Run, delivery: int, *args: str) -> subprocess.CompletedProcess[str]:
    return _run(str(BIN / "bci-verify"), "--manifest", str(run.manifest), "--rpc-url",
                run.node.url, "--delivery", str(delivery), *args)  # fmt: skip


def _checks(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    (report,) = json.loads(result.stdout)["reports"]
    return {check["id"]: check for check in report["checks"]}


def _on_chain(story: Story, run: exports_run.Run) -> None:
    out, work = story.exports, story.workdir
    results = story.results
    for name in NAMES:
        did = out / f"{name}.did.json"
        prepared = run.prepared[name]
        results[f"pass:{name}"] = _verify(
            run,
            prepared.delivery,
            "--did-document",
            str(did),
            "--json",
            str(out / f"{name}.dcc.jwt"),
        )
    name = NAMES[0]
    did, delivery = out / f"{name}.did.json", run.prepared[name].delivery
    results["decoded"] = _verify(
        run, delivery, "--did-document", str(did), str(out / f"{name}.dcc.json")
    )
    token = (out / f"{name}.dcc.jwt").read_text().strip()
    credential = _payload(token)
    verifier_key = VerifierKey(bytes(run.verifier.key))
    kid = f"did:web:{exports_run.VERIFIER_DOMAIN}#key-1"

    # 1. one changed value, signed again by the real verifier: the root does not agree
    changed = json.loads(json.dumps(credential))
    (recycled,) = [a for a in changed["credentialSubject"]["assessment"]
                   if a["id"].endswith("#recycledContent")]  # fmt: skip
    value = json.loads(recycled["description"])
    value["cobalt"]["postConsumerPercent"] = 42
    recycled["description"] = json.dumps(value, separators=(",", ":"), sort_keys=True)
    path = work / "changed.dcc.jwt"
    path.write_text(sign_credential(changed, verifier_key, kid))
    results["changed"] = _verify(run, delivery, "--did-document", str(did), "--json", str(path))
    # ... and the same change in the JWT without signing again: the signature fails
    head, _, rest = token.partition(".")
    forged = work / "forged.dcc.jwt"
    body = base64.urlsafe_b64encode(json.dumps(changed).encode()).rstrip(b"=").decode()
    forged.write_text(f"{head}.{body}.{rest.partition('.')[2]}")
    results["forged"] = _verify(run, delivery, "--did-document", str(did), "--json", str(forged))

    # 2. a wrong signer: another key, its own DID document under the same did:web
    other_did = work / "other.did.json"
    other_did.write_text(json.dumps(did_document(exports_run.VERIFIER_DOMAIN, OTHER_KEY, 84532)))
    wrong = work / "wrong-signer.dcc.jwt"
    wrong.write_text(sign_credential(credential, OTHER_KEY, kid))
    results["wrong"] = _verify(
        run, delivery, "--did-document", str(other_did), "--json", str(wrong)
    )

    # 3. the verifier revokes on chain: FAIL; the list synced from the chain sets the bit
    run.revoke(name)
    results["revoked"] = _verify(run, delivery, "--did-document", str(did), "--json",
                                 str(out / f"{name}.dcc.jwt"))  # fmt: skip
    state = work / "status-allocations.json"
    state.write_text((out / "status-allocations.json").read_text())
    results["sync"] = _run(str(BIN / "bci-report"), "status-sync", "--manifest", str(run.manifest),
                           "--rpc-url", run.node.url, "--status-state", str(state), "--key-file",
                           str(run.key_file), "--verifier-domain", exports_run.VERIFIER_DOMAIN,
                           "-o", str(work / "status"))  # fmt: skip
    results["listed"] = _verify(run, delivery, "--did-document", str(did), "--json",
                                "--status-list", str(work / "status" / "status-list.jwt"),
                                str(out / f"{name}.dcc.jwt"))  # fmt: skip
    results["state"] = json.loads(state.read_text())


@pytest.fixture(scope="module")
def story() -> Story:
    import shutil

    shutil.rmtree(WORKDIR, ignore_errors=True)
    WORKDIR.mkdir(parents=True)
    story = Story(WORKDIR, WORKDIR / "exports")
    reports = _imported(WORKDIR)
    exports_run.produce(
        story.exports, reports, workdir=WORKDIR / "chain", then=lambda run: _on_chain(story, run)
    )
    return story


def test_the_committed_sample_exports_are_in_step(story: Story) -> None:
    assert exports_run.differences(story.exports, exports_run.OUT_DIR) == []


@pytest.mark.parametrize("name", NAMES)
def test_exports_are_valid_against_the_official_schemas(story: Story, name: str) -> None:
    credential = json.loads((story.exports / f"{name}.dcc.json").read_text())
    assert schema_problems(credential) == []
    assert _payload((story.exports / f"{name}.dcc.jwt").read_text().strip()) == credential
    assert dropped_terms(credential) == []
    epcis = json.loads((story.exports / f"{name}.epcis.json").read_text())
    assert document_problems(epcis, check_hashes=True) == []
    assert dropped_terms(epcis) == []
    assert [e["bizStep"] for e in epcis["epcisBody"]["eventList"]][1:] == ["inspecting"]


@pytest.mark.parametrize("name", NAMES)
def test_bci_verify_passes_each_dcc(story: Story, name: str) -> None:
    result = story.results[f"pass:{name}"]
    assert result.returncode == 0, result.stdout + result.stderr
    (report,) = json.loads(result.stdout)["reports"]
    assert report["verdict"] == "PASS" and report["kind"] == "UNTP DCC"
    assert report["disclosed_fields"] == [
        "recycledContent", "batteryIdentifiers", "shipment", "batteryCarbonFootprint"
    ]  # fmt: skip
    checks = {c["id"] for c in report["checks"]}
    assert {"dcc_signature", "dcc_verifier", "dcc_status"} <= checks


def test_the_decoded_credential_with_its_jwt_beside_it_passes(story: Story) -> None:
    result = story.results["decoded"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("PASS")


def test_a_changed_value_fails_against_the_root(story: Story) -> None:
    result = story.results["changed"]
    assert result.returncode == 1, result.stdout + result.stderr
    checks = _checks(result)
    assert not checks["file"]["ok"]
    assert "recycledContent: the value differs from the disclosed leaf" in checks["file"]["detail"]
    assert checks["dcc_signature"]["ok"]  # the verifier signed it: only the root disagrees
    forged = _checks(story.results["forged"])
    assert not forged["dcc_signature"]["ok"]
    assert "signature" in forged["dcc_signature"]["detail"]


def test_a_wrong_signer_fails(story: Story) -> None:
    result = story.results["wrong"]
    assert result.returncode == 1, result.stdout + result.stderr
    checks = _checks(result)
    assert not checks["dcc_verifier"]["ok"]
    assert (
        f"account {OTHER_KEY.address} has no attestation of this report"
        in (checks["dcc_verifier"]["detail"])
    )


def test_a_revoked_attestation_fails_and_the_status_list_follows(story: Story) -> None:
    result = story.results["revoked"]
    assert result.returncode == 1, result.stdout + result.stderr
    checks = _checks(result)
    assert not checks["dcc_status"]["ok"]
    assert "revoked on chain" in checks["dcc_status"]["detail"]
    sync = story.results["sync"]
    assert sync.returncode == 0, sync.stderr
    assert "bit" in sync.stdout and "set" in sync.stdout
    revoked = [e for e in story.results["state"]["entries"] if e["revoked"]]
    assert len(revoked) == 1 and f"/{NAMES[0]}" not in revoked[0]["credential"]
    listed = _checks(story.results["listed"])
    assert not listed["dcc_status"]["ok"]
