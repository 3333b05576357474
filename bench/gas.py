"""Gas and calldata per registry operation, measured from receipts on anvil.

The node is the pinned anvil in OP-stack mode (chain id 84532) on 127.0.0.1,
where `bench.peers` measures the peers in the same run.
Actors are anvil's well-known dev accounts (Ape's test mnemonic).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from eth_utils import keccak

from bci_registry.eip712 import Domain
from bci_registry.registry import approval_message
from bci_registry.signatures import pack, sign

FAR_FUTURE = 2**40 - 1
ZERO_ADDRESS = "0x" + "00" * 20


@dataclass(frozen=True)
class GasRecord:
    operation: str
    gas_used: int
    calldata_bytes: int

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", None)}


class Recorder:
    def __init__(self) -> None:
        self.records: list[GasRecord] = []

    def measure(self, operation: str, receipt: Any) -> None:
        self.records.append(
            GasRecord(
                operation=operation,
                gas_used=int(receipt.gas_used),
                calldata_bytes=len(bytes(receipt.transaction.data)),
            )
        )


def measure_registry(project: Any, accounts: list[Any], chain_id: int, rec: Recorder) -> Any:
    """Deploy and exercise the report registry; returns the deployed registry."""
    governance, relayer, submitter = accounts[0], accounts[1], accounts[2]
    signers = accounts[3:8]
    # admin (the timelock in production), governance, pauser
    registry = governance.deploy(project.ReportRegistry, governance, governance, governance)
    domain = Domain(chain_id=chain_id, verifying_contract=registry.address)

    def approvals_blob(who: list[Any], message: dict[str, Any], kind: str = "Approval") -> bytes:
        """Each signer signs the message naming itself; entries by its slot."""
        members = [str(s) for s in registry.organisation(message["organisation"]).signers]
        return pack(
            (sign(a.private_key, domain, kind, {**message, "signer": a.address}) for a in who),
            members,
        )

    def approval(org: bytes, report: bytes, supersedes: bytes = bytes(32)) -> dict[str, Any]:
        message = approval_message(ZERO_ADDRESS, org, report, supersedes, 1, FAR_FUTURE)
        del message["signer"]  # approvals_blob names each signer
        return message

    def root(label: str) -> bytes:
        return keccak(text=f"bench:{label}")

    org3, org5 = b"BENCH-2-OF-3".ljust(32, b"\0"), b"BENCH-3-OF-5".ljust(32, b"\0")
    rec.measure(
        "register_organisation_3_signers",
        registry.register_organisation(
            org3, [s.address for s in signers[:3]], 2, [submitter], sender=governance
        ),
    )
    registry.register_organisation(
        org5, [s.address for s in signers], 3, [submitter], sender=governance
    )

    def fast(org: bytes, who: list[Any], label: str) -> Any:
        r = root(label)
        blob = approvals_blob(who, approval(org, r))
        return registry.anchor(org, r, FAR_FUTURE, blob, sender=relayer)

    # Warm-up so that the first measured anchor pays no one-off cost the others do not.
    fast(org3, signers[:2], "warm-up")
    rec.measure("anchor_2of3_signatures", fast(org3, signers[:2], "2of3"))
    rec.measure("anchor_3of5_signatures", fast(org5, signers[:3], "3of5"))

    corrected = root("2of3-corrected")
    message = approval(org3, corrected, root("2of3"))
    rec.measure(
        "anchor_correction_2of3_signatures",
        registry.anchor_correction(
            org3,
            corrected,
            root("2of3"),
            FAR_FUTURE,
            approvals_blob(signers[:2], message),
            sender=relayer,
        ),
    )

    pending = root("pending")
    rec.measure("submit_pending", registry.submit(org3, pending, bytes(32), sender=submitter))
    rec.measure("approve_on_chain", registry.approve(org3, pending, bytes(32), sender=signers[0]))
    rec.measure(
        "approve_on_chain_that_anchors",
        registry.approve(org3, pending, bytes(32), sender=signers[1]),
    )

    relayed = root("relayed")
    registry.submit(org3, relayed, bytes(32), sender=submitter)
    rec.measure(
        "approve_with_2_signatures_that_anchors",
        registry.approve_with_signatures(
            org3, relayed, FAR_FUTURE, approvals_blob(signers[:2], approval(org3, relayed)),
            sender=relayer,
        ),
    )  # fmt: skip

    revocation = {
        "organisation": org3,
        "report": corrected,
        "reason": 3,
        "signerSetVersion": 1,
        "deadline": FAR_FUTURE,
    }
    rec.measure(
        "revoke_2of3_signatures",
        registry.revoke(
            org3,
            corrected,
            3,
            FAR_FUTURE,
            approvals_blob(signers[:2], revocation, "Revocation"),
            sender=relayer,
        ),
    )
    rec.measure("revoke_for_cause", registry.revoke_for_cause(org3, relayed, 9, sender=governance))
    return registry


#: Further measurements (e.g. attestations) register here:
#: f(project, accounts, chain_id, registry, recorder).
EXTRA_MEASUREMENTS: list[Callable[[Any, list[Any], int, Any, Recorder], None]] = []


# Attestations (issue 4).
from bench.attestations import measure_attestations  # noqa: E402

EXTRA_MEASUREMENTS.append(measure_attestations)

# Batch anchoring and the on-chain field check (issue 10).
from bench.batch_gas import measure_batches  # noqa: E402

EXTRA_MEASUREMENTS.append(measure_batches)

# Batch attestations (issue 10, item 2).
from bench.attestations import measure_batch_attestations  # noqa: E402

EXTRA_MEASUREMENTS.append(measure_batch_attestations)
