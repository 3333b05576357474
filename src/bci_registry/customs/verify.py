"""The customs check of one or more report files, shared by ``bci-verify`` and ``ape run verify``.

Order matters for a clear failure: every file and the policy are read and
checked first (bad input stops before the chain is asked anything), then the
node is checked to be the manifest's chain, then all customs views are read
(one ``eth_call`` per report, one per batch of up to 100), then judged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bci_registry.customs.batch_proofs import find_proofs
from bci_registry.customs.chain import ChainReader
from bci_registry.customs.checks import ReportVerdict, delivery_for, judge
from bci_registry.customs.evidence import Evidence, expand, load_evidence
from bci_registry.customs.policy import Policy
from bci_registry.deployment import Deployment

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_BAD_INPUT = 2


@dataclass(frozen=True)
class Outcome:
    """The verdicts of a run, with what they were judged against."""

    verdicts: tuple[ReportVerdict, ...]
    policy: Policy
    deployment: Deployment
    chain_id: int

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)

    @property
    def exit_code(self) -> int:
        return EXIT_PASS if self.passed else EXIT_FAIL

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": "PASS" if self.passed else "FAIL",
            "passed": sum(v.passed for v in self.verdicts),
            "failed": sum(not v.passed for v in self.verdicts),
            "network": self.deployment.network,
            "chain_id": self.chain_id,
            "attestation_registry": self.deployment.attestations,
            "policy": self.policy.to_json(),
            "reports": [v.to_json() for v in self.verdicts],
        }


def report_key(evidence: Evidence) -> tuple[bytes, bytes]:
    """(organisation, root) as the file proves them: the report customs looks up.

    A file naming no organisation is looked up under the zero id, which the
    registry never gives, so it is found nowhere (and its checks say why).
    """
    return (evidence.organisation or bytes(32), evidence.root)


def verify(
    paths: Sequence[Path],
    reader: ChainReader,
    policy: Policy,
    delivery: int | None = None,
    batch_proofs: Sequence[Path] = (),
    dcc_options: Any = None,
) -> Outcome:
    """Check every file (directories: their ``*.json``) against the chain and the policy.

    ``delivery`` (unix seconds) applies to every file; without it each file's
    disclosed shipment delivery date is used. Raises CustomsInputError for bad
    input and ChainUnavailable if the chain cannot answer; a failing report is
    a verdict, not an error. ``dcc_options``: what UNTP DCC files need
    (``bci_registry.interop.customs_dcc.DccOptions``).
    """
    evidence = [load_evidence(path, dcc_options) for path in expand(paths)]
    deliveries = [delivery_for(e, delivery) for e in evidence]
    # A batch member is read through its proof file (``<name>.batch-proof.json``).
    found = find_proofs(evidence, batch_proofs)
    evidence = [
        dataclasses.replace(e, batch_proof_file=found[report_key(e)][1])
        if report_key(e) in found
        else e
        for e in evidence
    ]
    chain_id = reader.check_chain()
    views = reader.views(
        [report_key(e) for e in evidence], {key: proof for key, (proof, _) in found.items()}
    )
    verdicts = tuple(
        judge(e, views[report_key(e)], policy, d) for e, d in zip(evidence, deliveries, strict=True)
    )
    return Outcome(
        verdicts=verdicts, policy=policy, deployment=reader.deployment, chain_id=chain_id
    )
