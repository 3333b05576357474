"""Governance and verifier scripts over JSON-RPC: accredit, attest, relay, suspend, pause."""

from __future__ import annotations

import json
import time

import pytest

from bci_registry.demo import seal_sample
from conftest import ORGANISATION, Devnet

pytestmark = pytest.mark.e2e

DEADLINE = str(int(time.time()) + 3600)


def anchor_sample(devnet: Devnet) -> tuple[str, str]:
    root, sealed = seal_sample(devnet.cast.workdir)
    approvals: list[str] = []
    for i in (0, 1):
        path = devnet.cast.workdir / f"approval-{root[2:10]}-{i}.json"
        devnet.cast.run(
            devnet.signers[i], "approve", "--organisation", ORGANISATION, "--root", root,
            "--deadline", DEADLINE, "--out", str(path),
        )  # fmt: skip
        approvals += ["--approval", str(path)]
    devnet.cast.run(
        devnet.erp, "submit", "--organisation", ORGANISATION, "--root", root, *approvals
    )
    return root, str(sealed)


def test_accredit_attest_offline_relay_then_suspend_and_pause(devnet: Devnet) -> None:
    cast = devnet.cast
    root, sealed = anchor_sample(devnet)
    year = str(int(time.time()) + 365 * 86400)
    out = cast.run(
        devnet.governance, "accredit", "--verifier", devnet.verifier.address, "--id", "TUV-E2E",
        "--field", "shipment", "--field", "recycledContent", "--valid-until", year,
    ).stdout  # fmt: skip
    assert "accredited for recycledContent, shipment" in out

    # Outside its scope: refused by the chain, exit 1.
    refused = cast.run(
        devnet.verifier, "attest", "--organisation", ORGANISATION, "--root", root, "--all-fields",
        "--evidence-hash",
        "0x" + "ee" * 32, check=False,
    )  # fmt: skip
    assert refused.returncode == 1 and "scope" in refused.stderr

    signed = cast.workdir / "attestation.json"
    cast.run(
        devnet.verifier, "attest", "--sealed", sealed, "--field", "shipment", "--evidence-hash",
        "0x" + "ee" * 32, "--out", str(signed),
    )  # fmt: skip
    document = json.loads(signed.read_text())
    assert document["format"] == "bci-attestation/2"
    assert document["message"]["report"] == root
    assert bytes.fromhex(document["message"]["organisation"][2:]).rstrip(b"\0").decode() == (
        ORGANISATION
    )
    assert (
        "relayed the attestation"
        in cast.run(devnet.relayer, "attest", "--relay", str(signed)).stdout
    )
    # The nonce is spent: the same file cannot be relayed twice.
    again = cast.run(devnet.relayer, "attest", "--relay", str(signed), check=False)
    assert again.returncode == 1

    # A tampered file is bad input, refused before anything is sent.
    document["message"]["fields"] = 0xFFF
    tampered = cast.workdir / "tampered.json"
    tampered.write_text(json.dumps(document))
    bad = cast.run(devnet.relayer, "attest", "--relay", str(tampered), check=False)
    assert bad.returncode == 2 and str(tampered) in bad.stderr

    cast.run(
        devnet.governance,
        "suspend",
        "--verifier",
        devnet.verifier.address,
        "--for-cause-since",
        "0",
    )
    cast.run(devnet.governance, "suspend", "--organisation", ORGANISATION)
    suspended = json.loads(
        cast.run(None, "status", "--organisation", ORGANISATION, "--root", root, "--json").stdout
    )
    assert suspended["organisation_status"] == "suspended"
    cast.run(devnet.governance, "suspend", "--organisation", ORGANISATION, "--reinstate")

    cast.run(devnet.governance, "pause")
    paused = cast.run(
        devnet.erp,
        "submit",
        "--organisation",
        ORGANISATION,
        "--root",
        "0x" + "12" * 32,
        check=False,
    )
    assert paused.returncode == 1 and "paused" in paused.stderr
    cast.run(devnet.governance, "pause", "--unpause")
    cast.run(devnet.erp, "submit", "--organisation", ORGANISATION, "--root", "0x" + "12" * 32)


def test_governance_scripts_refuse_outsiders_and_bad_input(devnet: Devnet) -> None:
    cast = devnet.cast
    outsider = cast.run(devnet.relayer, "pause", check=False)
    assert outsider.returncode == 1 and "may not pause" in outsider.stderr
    both = cast.run(
        devnet.governance,
        "suspend",
        "--organisation",
        ORGANISATION,
        "--verifier",
        devnet.verifier.address,
        check=False,
    )
    assert both.returncode == 2 and "either --organisation or --verifier" in both.stderr
    unknown = cast.run(
        devnet.governance,
        "accredit",
        "--verifier",
        devnet.verifier.address,
        "--id",
        "X",
        "--field",
        "colour",
        "--valid-until",
        "2030-01-01T00:00:00Z",
        check=False,
    )
    assert unknown.returncode == 2 and "colour" in unknown.stderr
