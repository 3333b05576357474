"""Gas and calldata of verifier accreditation and attestations (issue 4).

Registered in ``bench.gas.EXTRA_MEASUREMENTS``; runs after ``measure_registry``
on the same anvil, against a fresh ``AttestationRegistry`` bound to that
report registry. Peers (same node): EAS 1.4 ``attest`` 296,961 gas / 484 B,
``attestByDelegation`` 313,104 / 644, ``revoke`` 75,153 / 100.
"""

from __future__ import annotations

from typing import Any

from eth_utils import keccak

from bci_registry.attestations import (
    AttestationDomain,
    attestation_message,
    revocation_message,
)
from bci_registry.attestations import sign as sign_attestation
from bci_registry.eip712 import Domain
from bci_registry.registry import approval_message
from bci_registry.signatures import pack, sign

FAR_FUTURE = 2**40 - 1
DAY, YEAR = 86_400, 365 * 86_400
ALL_FIELDS = 0xFFF


def measure_attestations(
    project: Any, accounts: list[Any], chain_id: int, registry: Any, rec: Any
) -> None:
    """Accredit a verifier, attest directly and by signature, revoke both ways."""
    from ape import chain

    governance, relayer, submitter = accounts[0], accounts[1], accounts[2]
    signers, verifier = accounts[3:6], accounts[8]
    attestations = governance.deploy(project.AttestationRegistry, registry)
    domain = AttestationDomain(chain_id=chain_id, verifying_contract=attestations.address)

    # Two anchored reports of a bench organisation.
    org = b"BENCH-ATTEST".ljust(32, b"\0")
    registry.register_organisation(
        org, [s.address for s in signers], 2, [submitter], sender=governance
    )
    registry_domain = Domain(chain_id=chain_id, verifying_contract=registry.address)
    roots = [keccak(text=f"bench:attest:{i}") for i in range(2)]
    members = [s.address for s in signers]
    for root in roots:
        blob = pack(
            (
                sign(
                    s.private_key,
                    registry_domain,
                    "Approval",
                    approval_message(s.address, org, root, bytes(32), 1, FAR_FUTURE),
                )
                for s in signers[:2]
            ),
            members,
        )
        registry.anchor(org, root, FAR_FUTURE, blob, sender=relayer)

    now = chain.blocks.head.timestamp
    rec.measure(
        "accredit_verifier",
        attestations.accredit_verifier(
            verifier, keccak(text="bench:verifier"), ALL_FIELDS, now - DAY, now + YEAR,
            sender=governance,
        ),
    )  # fmt: skip
    evidence = keccak(text="bench:audit-certificate")
    direct = attestations.attest(
        org, roots[0], 1, ALL_FIELDS, evidence, now - DAY, now + YEAR, sender=verifier
    )
    rec.measure("attest_direct", direct)

    message = attestation_message(
        verifier=verifier.address, organisation=org, report=roots[1], verdict=1,
        fields=ALL_FIELDS,
        evidence=evidence, verified_at=now - DAY, expires_at=now + YEAR, nonce=0,
        deadline=FAR_FUTURE,
    )  # fmt: skip
    signed = sign_attestation(verifier.private_key, domain, "Attestation", message)
    relayed = attestations.attest_by_signature(*signed.call_args(), sender=relayer)
    rec.measure("attest_by_signature", relayed)

    rec.measure(
        "revoke_attestation", attestations.revoke_attestation(org, roots[0], 1, sender=verifier)
    )
    revocation = revocation_message(
        verifier=verifier.address, organisation=org, report=roots[1],
        attested_at=relayed.timestamp, reason=1,
        nonce=1, deadline=FAR_FUTURE,
    )  # fmt: skip
    signed = sign_attestation(verifier.private_key, domain, "AttestationRevocation", revocation)
    rec.measure(
        "revoke_attestation_by_signature",
        attestations.revoke_attestation_by_signature(*signed.call_args(), sender=relayer),
    )
    rec.measure(
        "suspend_verifier_for_cause",
        attestations.suspend_verifier_for_cause(verifier, now, sender=governance),
    )


#: Members of the measured batch attestation (issue 10: ≤ 1,000 gas per report).
BATCH_ATTESTATION_SIZE = 100


def measure_batch_attestations(
    project: Any, accounts: list[Any], chain_id: int, registry: Any, rec: Any
) -> None:
    """A batch of 100 anchored 2-of-3, attested by one verifier in one transaction
    (directly and by signature); one member's coverage revoked alone. Records
    ``attest_batch_100_per_report`` (gas and calldata / 100; compared with EAS
    ``multiAttest`` of 100 per item), the whole transactions, and
    ``revoke_member_attestation``."""
    from ape import chain

    from bci_registry.attestations import batch_attestation_message
    from bci_registry.exporter.batch_tree import BatchTree, batch_approval_message
    from bench.gas import GasRecord

    governance, relayer, submitter = accounts[0], accounts[1], accounts[2]
    signers, verifier = accounts[3:6], accounts[7]
    attestations = governance.deploy(project.AttestationRegistry, registry)
    domain = AttestationDomain(chain_id=chain_id, verifying_contract=attestations.address)
    registry_domain = Domain(chain_id=chain_id, verifying_contract=registry.address)
    org = b"BENCH-BATCH-ATTEST".ljust(32, b"\0")
    registry.register_organisation(
        org, [s.address for s in signers], 2, [submitter], sender=governance
    )
    n = BATCH_ATTESTATION_SIZE
    trees = []
    for label in ("direct", "signed"):
        tree = BatchTree(org, [keccak(text=f"bench:batch-attest:{label}:{i}") for i in range(n)])
        blob = pack(
            (
                sign(
                    s.private_key,
                    registry_domain,
                    "BatchApproval",
                    batch_approval_message(s.address, org, tree.root, n, 1, FAR_FUTURE),
                )
                for s in signers[:2]
            ),
            [s.address for s in signers],
        )
        registry.anchor_batch(org, tree.root, n, FAR_FUTURE, blob, sender=relayer)
        trees.append(tree)

    now = chain.blocks.head.timestamp
    attestations.accredit_verifier(
        verifier, keccak(text="bench:batch-verifier"), ALL_FIELDS, now - DAY, now + YEAR,
        sender=governance,
    )  # fmt: skip
    evidence = keccak(text="bench:batch-audit-certificate")

    def per_report(name: str, receipt: Any) -> None:
        gas, calldata = int(receipt.gas_used), len(bytes(receipt.transaction.data))
        rec.records.append(GasRecord(name, gas, calldata))
        rec.records.append(GasRecord(f"{name}_per_report", round(gas / n), round(calldata / n, 2)))  # type: ignore[arg-type]

    direct = attestations.attest_batch(
        org, trees[0].root, n, 1, ALL_FIELDS, evidence, now - DAY, now + YEAR, sender=verifier
    )
    per_report(f"attest_batch_{n}", direct)
    message = batch_attestation_message(
        verifier=verifier.address, organisation=org, batch=trees[1].root, size=n, verdict=1,
        fields=ALL_FIELDS, evidence=evidence, verified_at=now - DAY, expires_at=now + YEAR,
        nonce=0, deadline=FAR_FUTURE,
    )  # fmt: skip
    signed = sign_attestation(verifier.private_key, domain, "BatchAttestation", message)
    per_report(
        f"attest_batch_by_signature_{n}",
        attestations.attest_batch_by_signature(*signed.call_args(), sender=relayer),
    )
    proof = trees[0].proof(trees[0].reports[0])
    rec.measure(
        "revoke_member_attestation",
        attestations.revoke_member_attestation(
            org, proof.report, proof.batch, list(proof.proof), 1, sender=verifier
        ),
    )
