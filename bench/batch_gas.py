"""Batch anchoring and the on-chain field check, measured from receipts (issue 10).

For `make bench`: `measure_batches(project, accounts, chain_id, registry, rec)` has
the signature of `bench.gas.EXTRA_MEASUREMENTS` entries (wire it with
`EXTRA_MEASUREMENTS.append(measure_batches)`). It records:

- `anchor_batch_{N}_2of3` (the whole transaction) and
  `anchor_batch_{N}_2of3_per_report` (gas and calldata bytes divided by N) for
  N = 10, 100, 1,000 reports, approved 2-of-3 by `BatchApproval` signatures;
- `field_check_3_fields_from_contract`: the gas of one
  `DisclosureCheck.check_fields` call made by a consumer contract (an escrow,
  `tests/contracts/EscrowExample.vy`) for a disclosure of three fields and the
  organisation leaf, as the consumer saw it (`msg.gas` before and after, from
  its `Released` event); calldata bytes are those of the release transaction;
- `escrow_release_3_fields`: the consumer's whole release transaction.

Issue 10's goals: ≤ 700 gas per report for 100, ≤ 100 for 1,000, ≤ 30,000 for the
field check.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_utils import keccak

from bci_registry.ape_support import compile_contract_file
from bci_registry.eip712 import Domain
from bci_registry.exporter.batch_tree import BatchTree, batch_approval_message
from bci_registry.field_check import disclosure_args, onchain_leaf
from bci_registry.registry import approval_message
from bci_registry.report import disclose, seal_report
from bci_registry.signatures import pack, sign
from bench.gas import GasRecord, Recorder

FAR_FUTURE = 2**40 - 1
ZERO_ADDRESS = "0x" + "00" * 20
BATCH_SIZES = (10, 100, 1000)
# The example consumer lives with the tests' contracts: it is never deployed for real.
ESCROW = Path(__file__).resolve().parents[1] / "tests" / "contracts" / "EscrowExample.vy"
ORGANISATION = b"BENCH-BATCH".ljust(32, b"\0")
SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "lfp-ess-cn-to-jp.json"
AGREED_FIELDS = ("shipment", "transportEmissions", "batteryIdentifiers")

#: Goals of issue 10 per operation (for the table; None: no goal).
GOALS: dict[str, int] = {
    "anchor_batch_100_2of3_per_report": 700,
    "anchor_batch_1000_2of3_per_report": 100,
    "field_check_3_fields_from_contract": 30_000,
}


def _calldata(receipt: Any) -> int:
    return len(bytes(receipt.transaction.data))


def measure_batches(
    project: Any, accounts: list[Any], chain_id: int, registry: Any, rec: Recorder
) -> None:
    """Anchor batches of 10, 100 and 1,000 reports and check 3 fields from a contract."""
    governance, relayer, submitter = accounts[0], accounts[1], accounts[2]
    signers = accounts[3:6]
    domain = Domain(chain_id=chain_id, verifying_contract=registry.address)
    registry.register_organisation(
        ORGANISATION, [s.address for s in signers], 2, [submitter], sender=governance
    )
    order = [s.address for s in signers]

    def batch_blob(tree: BatchTree) -> bytes:
        return pack(
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
            order,
        )

    for size in BATCH_SIZES:
        reports = [keccak(text=f"bench-batch:{size}:{i}") for i in range(size)]
        tree = BatchTree(ORGANISATION, reports)
        receipt = registry.anchor_batch(
            ORGANISATION, tree.root, size, FAR_FUTURE, batch_blob(tree), sender=relayer
        )
        gas, calldata = int(receipt.gas_used), _calldata(receipt)
        rec.records.append(GasRecord(f"anchor_batch_{size}_2of3", gas, calldata))
        rec.records.append(
            GasRecord(
                f"anchor_batch_{size}_2of3_per_report",
                round(gas / size),
                round(calldata / size, 2),  # type: ignore[arg-type]
            )
        )

    # The field check, called by a consumer contract.
    sealed = seal_report(json.loads(SAMPLE.read_text()), organisation=ORGANISATION)
    message = approval_message(ZERO_ADDRESS, ORGANISATION, sealed.root, bytes(32), 1, FAR_FUTURE)
    del message["signer"]
    blob = pack(
        (
            sign(s.private_key, domain, "Approval", {**message, "signer": s.address})
            for s in signers[:2]
        ),
        order,
    )
    registry.anchor(ORGANISATION, sealed.root, FAR_FUTURE, blob, sender=relayer)
    checker = governance.deploy(project.DisclosureCheck, registry)
    agreed = []
    for name in AGREED_FIELDS:
        kind, field, value, _salt = onchain_leaf(sealed.field(name))
        agreed.append(keccak(abi_encode(["string", "string", "bytes"], [kind, field, value])))
    escrow = governance.deploy(
        compile_contract_file(ESCROW), checker, ORGANISATION, accounts[9], agreed, value=10**15
    )
    args = disclosure_args(disclose(sealed, AGREED_FIELDS)).as_args()
    leaves = sorted(args[4], key=lambda leaf: AGREED_FIELDS.index(leaf[1]))
    receipt = escrow.release(args[1], args[2], args[3], leaves, *args[5:], sender=relayer)
    released = next(log for log in receipt.events if log.event_name == "Released")
    rec.records.append(
        GasRecord("field_check_3_fields_from_contract", int(released.check_gas), _calldata(receipt))
    )
    rec.records.append(
        GasRecord("escrow_release_3_fields", int(receipt.gas_used), _calldata(receipt))
    )
