"""Customs reads a batch member through its proof file (issue 10, item 3).

A report anchored inside a batch and one anchored alone read the same to
customs; the verdict names the batch; one eth_call per report, one multicall
for many.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak

from bci_registry.customs.batch_proofs import find_proofs, proof_path_for
from bci_registry.customs.chain import ChainReader
from bci_registry.customs.errors import CustomsInputError
from bci_registry.customs.evidence import expand, load_evidence
from bci_registry.customs.policy import Policy
from bci_registry.customs.verify import verify
from bci_registry.eip712 import Domain
from bci_registry.exporter.batch_tree import BatchTree, batch_approval_message
from bci_registry.signatures import pack, sign

from .conftest import FAR_FUTURE, ORGANISATION, CountingNode
from .helpers import write_sample

NO_ATTESTATION = Policy(require_attestation=False)


def later(chain: Any) -> int:
    return int(chain.pending_timestamp) + 3_600


def failed(verdict: Any) -> dict[str, str]:
    return {c.id: c.detail for c in verdict.checks if not c.ok}


@pytest.fixture(scope="module")
def members(
    tmp_path_factory: pytest.TempPathFactory,
    sample: Any,
    contracts: dict[str, Any],
    signers: list[Any],
    relayer: Any,
    chain: Any,
) -> tuple[Path, BatchTree, list[tuple[bytes, Path]]]:
    """Three sealed reports anchored as one batch, each with its proof file beside it."""
    folder = tmp_path_factory.mktemp("batch-members")
    written = []
    for i in range(3):
        sub = folder / f"m{i}"
        sub.mkdir()
        root, sealed, _ = write_sample(sub, ORGANISATION)
        target = folder / f"member-{i}.json"
        sealed.rename(target)
        written.append((root, target))
    tree = BatchTree(ORGANISATION, [root for root, _ in written])
    registry = contracts["registry"]
    domain = Domain(chain_id=chain.chain_id, verifying_contract=registry.address)
    blob = pack(
        (
            sign(
                s.private_key,
                domain,
                "BatchApproval",
                batch_approval_message(
                    s.address, ORGANISATION, tree.root, tree.size, 1, FAR_FUTURE
                ),
            )
            for s in signers[:2]
        ),
        [s.address for s in signers],
    )
    registry.anchor_batch(ORGANISATION, tree.root, tree.size, FAR_FUTURE, blob, sender=relayer)
    for root, path in written:
        proof_path_for(path).write_text(tree.proof(root).to_json())
    return folder, tree, written


def test_a_member_passes_in_one_eth_call_and_names_its_batch(
    members: Any, reader: ChainReader, node: CountingNode, chain: Any
) -> None:
    _folder, tree, written = members
    _root, path = written[0]
    outcome = verify([path], reader, NO_ATTESTATION, later(chain))
    (verdict,) = outcome.verdicts
    assert verdict.passed, failed(verdict)
    assert node.eth_calls == 1
    anchored = next(c for c in verdict.checks if c.id == "anchored")
    assert f"batch 0x{tree.root.hex()} (3 reports)" in anchored.detail
    assert "member-0.batch-proof.json" in anchored.detail
    assert verdict.to_json()["chain"]["batch"]["root"] == "0x" + tree.root.hex()
    # Without an attestation (neither its own nor its batch's) the default policy fails it.
    strict = verify([path], reader, Policy(), later(chain)).verdicts[0]
    assert set(failed(strict)) == {"attestation"}


def test_a_member_reads_as_a_report_anchored_alone(
    members: Any, sample: Any, reader: ChainReader, chain: Any
) -> None:
    _, _, written = members
    alone = reader.view(ORGANISATION, sample[0]).report
    member = verify([written[1][1]], reader, NO_ATTESTATION, later(chain)).verdicts[0].view.report
    same = ("state", "organisation", "organisation_status", "approvals", "threshold", "paused")
    assert [getattr(member, f) for f in same] == [getattr(alone, f) for f in same]


def test_a_folder_is_one_multicall_and_proofs_are_not_reports(
    members: Any, sample: Any, reader: ChainReader, node: CountingNode, chain: Any
) -> None:
    folder, _, _written = members
    files = expand([folder])
    assert [p.name for p in files] == [f"member-{i}.json" for i in range(3)]
    # Three members and a report anchored alone, one multicall (7 calls).
    outcome = verify([folder, sample[1]], reader, NO_ATTESTATION, later(chain))
    assert outcome.passed and len(outcome.verdicts) == 4
    assert node.eth_calls == 1  # one multicall: 1 customs view and 3 member customs views
    views = [v.view for v in outcome.verdicts]
    assert [v.batch is not None for v in views] == [True, True, True, False]


def test_a_revoked_member_fails(
    members: Any, contracts: dict[str, Any], governance: Any, reader: ChainReader, chain: Any
) -> None:
    _, tree, written = members
    root, path = written[2]
    proof = tree.proof(root)
    contracts["registry"].revoke_member_for_cause(
        ORGANISATION, root, 7, tree.root, list(proof.proof), sender=governance
    )
    verdict = verify([path], reader, NO_ATTESTATION, later(chain)).verdicts[0]
    assert set(failed(verdict)) == {"not_revoked"}
    assert "reason code 7" in failed(verdict)["not_revoked"]
    # The others are untouched.
    assert verify([written[0][1]], reader, NO_ATTESTATION, later(chain)).passed


def test_a_member_without_its_proof_is_unknown_and_a_wrong_proof_says_so(
    members: Any, reader: ChainReader, chain: Any, tmp_path: Path
) -> None:
    _, tree, written = members
    root, path = written[0]
    alone = tmp_path / "member.json"
    alone.write_text(path.read_text())
    verdict = verify([alone], reader, NO_ATTESTATION, later(chain)).verdicts[0]
    assert "anchored" in failed(verdict) and verdict.view.batch is None
    # Another member's proof path with this member's name: matched by root, so rejected.
    wrong = tree.proof(written[1][0])
    bad = dict(json.loads(wrong.to_json()), report="0x" + root.hex())
    proof_path_for(alone).write_text(json.dumps(bad))
    verdict = verify([alone], reader, NO_ATTESTATION, later(chain)).verdicts[0]
    assert "does not lead from this report" in failed(verdict)["anchored"]


def test_explicit_batch_proof_must_match_a_report(
    members: Any, sample: Any, tmp_path: Path
) -> None:
    _, tree, written = members
    stray = tmp_path / "x.batch-proof.json"
    stray.write_text(tree.proof(written[0][0]).to_json())
    evidence = [load_evidence(sample[1])]
    with pytest.raises(CustomsInputError, match="none of the report files"):
        find_proofs(evidence, [stray])
    garbage = tmp_path / "y.json"
    garbage.write_text("{}")
    with pytest.raises(CustomsInputError, match="not a batch proof"):
        find_proofs(evidence, [garbage])
    # Found beside a report under any name, matched by (organisation, root).
    other = tmp_path / "disclosure-of-member.json"
    other.write_text(written[0][1].read_text())
    found = find_proofs([load_evidence(other)], [stray])
    assert found[(ORGANISATION, written[0][0])][0].batch == tree.root
    assert keccak(b"") not in {k[1] for k in found}


def test_a_member_attested_via_its_batch_passes_the_default_policy(
    members: Any,
    contracts: dict[str, Any],
    verifier: Any,
    reader: ChainReader,
    node: CountingNode,
    chain: Any,
) -> None:
    """Issue 10, item 2: one batch attestation covers every member; a member the
    verifier revokes alone fails, the others still pass; all in one eth_call."""
    folder, tree, written = members
    attestations = contracts["attestations"]
    now = chain.pending_timestamp
    attestations.attest_batch(
        ORGANISATION,
        tree.root,
        tree.size,
        1,
        0xFFF,
        keccak(text="batch evidence"),
        now - 60,
        now + 30 * 86_400,
        sender=verifier,
    )
    outcome = verify([folder], reader, Policy(), later(chain))
    assert outcome.passed, [failed(v) for v in outcome.verdicts]
    assert node.eth_calls == 1
    root, path = written[1]
    proof = tree.proof(root)
    attestations.revoke_member_attestation(
        ORGANISATION, root, tree.root, list(proof.proof), 5, sender=verifier
    )
    verdict = verify([path], reader, Policy(), later(chain)).verdicts[0]
    assert set(failed(verdict)) == {"attestation"}
    assert "reason code 5" in failed(verdict)["attestation"]
    assert verify([written[0][1]], reader, Policy(), later(chain)).passed
    # The whole batch attestation revoked: no member passes the default policy.
    attestations.revoke_attestation(ORGANISATION, tree.root, 9, sender=verifier)
    assert not any(v.passed for v in verify([folder], reader, Policy(), later(chain)).verdicts)
