"""Independent cross-check: OpenZeppelin's own merkle-tree library rebuilds our vectors.

Runs tests/report/oz_crosscheck.mjs with node against tests/vectors/report-vectors.json
(``@openzeppelin/merkle-tree`` 1.0.8, pinned in package.json and installed by ``npm ci``)
and compares its roots, trees, leaf hashes and multiproofs with ours, the organisation
leaf (type bytes32) included.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from .helpers import ROOT, VECTORS_DIR

SCRIPT = ROOT / "tests" / "report" / "oz_crosscheck.mjs"
MODULE = ROOT / "node_modules" / "@openzeppelin" / "merkle-tree" / "package.json"


@pytest.fixture(scope="module")
def openzeppelin() -> dict[str, Any]:
    node = shutil.which("node")
    # `make test` installs both; a missing one is a broken setup, not a reason to skip.
    assert node is not None, "the OpenZeppelin cross-check needs node on PATH"
    assert MODULE.exists(), "run `npm ci` (node_modules/@openzeppelin/merkle-tree is missing)"
    assert json.loads(MODULE.read_text("utf-8"))["version"] == "1.0.8"
    completed = subprocess.run(
        [node, str(SCRIPT), str(VECTORS_DIR / "report-vectors.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def _ours() -> list[dict[str, Any]]:
    vectors: list[dict[str, Any]] = json.loads(
        (VECTORS_DIR / "report-vectors.json").read_text("utf-8")
    )["vectors"]
    return vectors


def test_openzeppelin_rebuilds_the_same_trees(openzeppelin: dict[str, Any]) -> None:
    theirs = openzeppelin["vectors"]
    ours = _ours()
    assert [v["name"] for v in theirs] == [v["name"] for v in ours]
    for them, us in zip(theirs, ours, strict=True):
        assert them["root"] == us["root"]
        assert them["tree"] == us["tree"]
        assert len(us["fields"]) == 13
        for field in us["fields"]:
            assert them["leafHashes"][field["name"]] == field["leafHash"]
            assert them["encodedValues"][field["name"]] == field["encodedValue"]
        # The organisation leaf: abi.encode(["bytes32"], [id]) is the 32 bytes of the id.
        assert them["organisation"] == {"type": "bytes32", "id": us["organisation"]["id"]}
        assert them["encodedValues"]["organisation"] == us["organisation"]["id"]


def test_openzeppelin_makes_and_accepts_the_same_multiproofs(openzeppelin: dict[str, Any]) -> None:
    for them, us in zip(openzeppelin["vectors"], _ours(), strict=True):
        for their_proof, our_proof in zip(them["multiproofs"], us["multiproofs"], strict=True):
            assert their_proof["fields"] == our_proof["fields"]
            assert their_proof["leafNames"] == [leaf["name"] for leaf in our_proof["leaves"]]
            assert "organisation" in their_proof["leafNames"]
            assert their_proof["proof"] == our_proof["proof"]
            assert their_proof["proofFlags"] == our_proof["proofFlags"]
            assert their_proof["oursVerifies"] is True
