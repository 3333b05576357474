"""The customs check through Ape's web3 against the real contracts on the in-process chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak

from bci_registry.customs.chain import ChainReader
from bci_registry.customs.policy import Policy
from bci_registry.customs.verify import verify

from .conftest import ORGANISATION, CountingNode

Sample = tuple[bytes, Path, Path]


def failed(outcome: Any) -> dict[str, str]:
    (verdict,) = outcome.verdicts
    return {c.id: c.detail for c in verdict.checks if not c.ok}


def later(chain: Any) -> int:
    return int(chain.pending_timestamp) + 3_600


def test_sealed_report_passes_in_one_call(
    sample: Sample, reader: ChainReader, node: CountingNode, chain: Any
) -> None:
    root, sealed, _ = sample
    outcome = verify([sealed], reader, Policy(), later(chain))
    assert outcome.passed and outcome.exit_code == 0
    assert outcome.verdicts[0].evidence.root == root
    assert node.eth_calls == 1


def test_disclosure_of_three_fields_passes(sample: Sample, reader: ChainReader, chain: Any) -> None:
    outcome = verify([sample[2]], reader, Policy(), later(chain))
    assert outcome.passed
    strict = verify([sample[2]], reader, Policy(require_disclosed_fields=True), later(chain))
    assert set(failed(strict)) == {"disclosed_fields"}


def test_decoded_view_is_the_contracts(
    sample: Sample, reader: ChainReader, contracts: dict[str, Any], verifier: Any
) -> None:
    root = sample[0]
    ours = reader.view(root)
    theirs = contracts["attestations"].customs_view(root)
    assert ours.checked_at == theirs.checked_at
    assert ours.report.state == theirs.report.state == 2
    assert ours.report.organisation == bytes(theirs.report.organisation) == ORGANISATION
    assert (ours.report.approvals, ours.report.anchored_at) == (
        theirs.report.approvals,
        theirs.report.anchored_at,
    )
    (attestation,) = ours.attestations
    assert attestation.verifier == verifier.address
    assert (attestation.fields, attestation.valid) == (0xFFF, True)


def test_a_batch_is_one_multicall_with_the_same_answers(
    sample: Sample, reader: ChainReader, node: CountingNode, anchor: Any, chain: Any
) -> None:
    other = keccak(text="customs:another anchored report")
    anchor(other)
    roots = [sample[0], other, keccak(text="customs:unknown")]
    batch = reader.views(roots)
    assert node.eth_calls == 1
    assert batch == {root: reader.view(root) for root in roots}
    assert [batch[r].report.state for r in roots] == [2, 2, 0]


def test_revoked_attestation_fails(
    sample: Sample, reader: ChainReader, contracts: dict[str, Any], verifier: Any, chain: Any
) -> None:
    contracts["attestations"].revoke_attestation(sample[0], 7, sender=verifier)
    reasons = failed(verify([sample[1]], reader, Policy(), later(chain)))
    assert list(reasons) == ["attestation"]
    assert "(reason code 7)" in reasons["attestation"]


def test_suspended_organisation_and_revocation_for_cause_fail(
    sample: Sample, reader: ChainReader, contracts: dict[str, Any], governance: Any, chain: Any
) -> None:
    registry = contracts["registry"]
    registry.suspend_organisation(ORGANISATION, sender=governance)
    registry.revoke_for_cause(sample[0], 101, sender=governance)
    reasons = failed(verify([sample[1]], reader, Policy(), later(chain)))
    assert reasons == {
        "organisation": "organisation KR-EORI-KR1234567890123 is suspended by governance",
        "not_revoked": "revoked (reason code 101)",
    }


def test_superseded_report_names_its_correction(
    sample: Sample, reader: ChainReader, anchor: Any, chain: Any
) -> None:
    correction = keccak(text="customs:corrected report")
    anchor(correction, supersedes=sample[0])
    reasons = failed(verify([sample[1]], reader, Policy(), later(chain)))
    assert reasons == {
        "not_superseded": f"superseded by 0x{correction.hex()}: check that correction instead"
    }


def test_anchored_after_delivery_fails(sample: Sample, reader: ChainReader, chain: Any) -> None:
    reasons = failed(verify([sample[1]], reader, Policy(), 1_000_000_000))
    assert list(reasons) == ["delivery"]


def test_multicall_reports_a_failed_call_or_reverts(
    contracts: dict[str, Any], deployment: Any
) -> None:
    multicall, registry = contracts["multicall"], contracts["registry"]
    no_such_function = b"\xde\xad\xbe\xef"
    (result,) = multicall.aggregate3([(registry.address, True, no_such_function)])
    assert result.success is False
    with pytest.raises(Exception, match="multicall: call failed"):
        multicall.aggregate3([(registry.address, False, no_such_function)])
