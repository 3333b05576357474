"""The customs check through Ape's web3 against the real contracts on the in-process chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak

from bci_registry.customs.chain import ChainReader
from bci_registry.customs.policy import Policy
from bci_registry.customs.verify import verify
from bci_registry.eip712 import Domain
from bci_registry.registry import approval_message
from bci_registry.signatures import pack, sign

from .conftest import FAR_FUTURE, ORGANISATION, CountingNode
from .helpers import write_sample

OTHER_ORGANISATION = b"DE-EORI-DE9876543210".ljust(32, b"\0")

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
    ours = reader.view(ORGANISATION, root)
    theirs = contracts["attestations"].customs_view(ORGANISATION, root)
    assert ours.accepted is theirs.accepted is True
    assert ours.report.paused is False
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
    roots = [(ORGANISATION, r) for r in (sample[0], other, keccak(text="customs:unknown"))]
    batch = reader.views(roots)
    assert node.eth_calls == 1
    assert batch == {key: reader.view(*key) for key in roots}
    assert [batch[r].report.state for r in roots] == [2, 2, 0]


def test_revoked_attestation_fails(
    sample: Sample, reader: ChainReader, contracts: dict[str, Any], verifier: Any, chain: Any
) -> None:
    contracts["attestations"].revoke_attestation(ORGANISATION, sample[0], 7, sender=verifier)
    reasons = failed(verify([sample[1]], reader, Policy(), later(chain)))
    assert list(reasons) == ["attestation"]
    assert "(reason code 7)" in reasons["attestation"]


def test_suspended_organisation_and_revocation_for_cause_fail(
    sample: Sample, reader: ChainReader, contracts: dict[str, Any], governance: Any, chain: Any
) -> None:
    registry = contracts["registry"]
    registry.suspend_organisation(ORGANISATION, sender=governance)
    registry.revoke_for_cause(ORGANISATION, sample[0], 101, sender=governance)
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


def test_a_paused_registry_fails_by_default_and_passes_when_the_policy_allows(
    sample: Sample, reader: ChainReader, contracts: dict[str, Any], governance: Any, chain: Any
) -> None:
    contracts["registry"].pause(sender=governance)
    outcome = verify([sample[1]], reader, Policy(), later(chain))
    assert failed(outcome) == {
        "not_paused": "the registry is PAUSED by governance (an emergency); the policy fails "
        "every report while it is (fail_when_paused: true)"
    }
    assert outcome.verdicts[0].view.report.paused is True
    lenient = verify([sample[1]], reader, Policy(fail_when_paused=False), later(chain))
    assert lenient.passed
    (check,) = [c for c in lenient.verdicts[0].checks if c.id == "not_paused"]
    assert "PAUSED" in check.detail


def test_a_report_sealed_for_one_organisation_fails_when_another_anchored_it(
    tmp_path: Path,
    reader: ChainReader,
    contracts: dict[str, Any],
    governance: Any,
    signers: list[Any],
    relayer: Any,
    chain: Any,
) -> None:
    """Sealed for KR-…, anchored by DE-…: not found under KR-…, the exporter its proof names."""
    root, sealed, disclosure = write_sample(tmp_path, ORGANISATION)
    registry = contracts["registry"]
    other_signers = [signers[2]]
    registry.register_organisation(
        OTHER_ORGANISATION, [s.address for s in other_signers], 1, [governance], sender=governance
    )
    domain = Domain(chain_id=chain.chain_id, verifying_contract=registry.address)
    message = approval_message(
        signers[2].address, OTHER_ORGANISATION, root, bytes(32), 1, FAR_FUTURE
    )
    blob = pack([sign(signers[2].private_key, domain, "Approval", message)], [signers[2].address])
    registry.anchor(OTHER_ORGANISATION, root, FAR_FUTURE, blob, sender=relayer)
    for path in (sealed, disclosure):
        reasons = failed(verify([path], reader, Policy(), later(chain)))
        assert "anchored" in reasons
        assert "under organisation KR-EORI-KR1234567890123" in reasons["anchored"]
        assert "exporter" not in reasons  # the file proves its own organisation
