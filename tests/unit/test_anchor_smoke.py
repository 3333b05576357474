from typing import Any

from conftest import REPORT, approval


def test_anchor_two_of_three(registry: Any, org: bytes, signers: list[Any], approvals: Any, outsider: Any) -> None:
    blob = approvals(signers[:2], approval(org, REPORT))
    tx = registry.anchor(org, REPORT, 2**40, blob, sender=outsider)
    status = registry.report_status(REPORT)
    assert status.state == 2
    assert status.approvals == 2
    print("gas", tx.gas_used, "calldata", len(tx.data))
