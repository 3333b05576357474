"""Arguments for the on-chain field check (``DisclosureCheck.check_fields``).

A disclosure (``bci_registry.report.disclose``) already holds everything the
contract needs: EAS ``PrivateData`` leaves (type, name, value, salt) and the
OpenZeppelin multiproof. On chain a leaf's ``value`` is the ABI encoding the
leaf hash is taken over (``abi.encode([type], [value])``, what
``bci_registry.report.leaves.encode_value`` makes), so a leaf travels as the
tuple ``(type, name, value bytes, salt)``.

At most ``MAX_CHECKED`` leaves travel with their values (the leaves checked);
the multiproof's other leaves (a disclosure's organisation leaf, fields not
checked) travel as bare hashes in ``others``: values cost calldata and, in the
contract, memory for their largest possible size.

A report anchored in a batch adds its batch root and inclusion proof
(``bci_registry.exporter.batch_tree.BatchProof``); a report anchored alone
passes a zero batch root and an empty proof.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bci_registry.exporter.batch_tree import BatchProof
from bci_registry.report.disclosure import Disclosure
from bci_registry.report.leaves import FieldLeaf, encode_value
from bci_registry.report.sealing import SealedReport

#: The contract's bounds (``DisclosureCheck.MAX_*``).
MAX_CHECKED = 4
MAX_LEAVES = 13
MAX_MULTIPROOF = 16
MAX_VALUE_BYTES = 1024

OnChainLeaf = tuple[str, str, bytes, bytes]


class FieldCheckError(ValueError):
    """A disclosure that does not fit the on-chain check's bounds."""


def onchain_leaf(leaf: FieldLeaf) -> OnChainLeaf:
    """``(type, name, abi.encode([type], [value]), salt)``: a ``DisclosedLeaf``."""
    value = encode_value(leaf.type, leaf.value)
    if len(value) > MAX_VALUE_BYTES:
        raise FieldCheckError(
            f"field {leaf.name}: its encoded value is {len(value)} bytes, the on-chain check "
            f"takes at most {MAX_VALUE_BYTES}"
        )
    return (leaf.type, leaf.name, value, leaf.salt)


@dataclass(frozen=True)
class FieldCheckArgs:
    """The arguments of ``check_fields``, in order (``as_args``)."""

    organisation: bytes
    report: bytes
    batch: bytes
    batch_proof: tuple[bytes, ...]
    leaves: tuple[OnChainLeaf, ...]
    others: tuple[bytes, ...]
    proof: tuple[bytes, ...]
    proof_flags: tuple[bool, ...]

    def as_args(self) -> list[object]:
        return [
            self.organisation,
            self.report,
            self.batch,
            list(self.batch_proof),
            [list(leaf) for leaf in self.leaves],
            list(self.others),
            list(self.proof),
            list(self.proof_flags),
        ]


def check_args(
    organisation: bytes,
    report: bytes,
    leaves: Iterable[FieldLeaf],
    proof: Sequence[bytes],
    proof_flags: Sequence[bool],
    batch: BatchProof | None = None,
    checked: Iterable[str] | None = None,
) -> FieldCheckArgs:
    """Arguments for the multiproof of ``leaves`` against ``report``.

    ``checked`` names the leaves sent with their values (default: every
    report field among ``leaves``; never the organisation leaf, which the
    registry binds anyway); the others are sent as hashes.
    """
    leaves = list(leaves)
    if checked is None:
        wanted = {leaf.name for leaf in leaves if not leaf.is_organisation}
    else:
        wanted = set(checked)
        missing = wanted - {leaf.name for leaf in leaves}
        if missing:
            raise FieldCheckError(f"not among the disclosed leaves: {sorted(missing)}")
    chain_leaves = tuple(onchain_leaf(leaf) for leaf in leaves if leaf.name in wanted)
    others = tuple(leaf.hash for leaf in leaves if leaf.name not in wanted)
    if not 1 <= len(chain_leaves) <= MAX_CHECKED:
        raise FieldCheckError(f"the on-chain check takes 1 to {MAX_CHECKED} leaves with values")
    if len(chain_leaves) + len(others) > MAX_LEAVES:
        raise FieldCheckError(f"the on-chain check takes at most {MAX_LEAVES} leaves in all")
    if len(proof) > MAX_MULTIPROOF or len(proof_flags) > MAX_MULTIPROOF:
        raise FieldCheckError(f"the on-chain check takes at most {MAX_MULTIPROOF} proof hashes")
    if batch is not None and (batch.organisation != organisation or batch.report != report):
        raise FieldCheckError("the batch proof is for another report or organisation")
    return FieldCheckArgs(
        organisation=organisation,
        report=report,
        batch=batch.batch if batch is not None else bytes(32),
        batch_proof=batch.proof if batch is not None else (),
        leaves=chain_leaves,
        others=others,
        proof=tuple(proof),
        proof_flags=tuple(proof_flags),
    )


def disclosure_args(
    disclosure: Disclosure, batch: BatchProof | None = None, checked: Iterable[str] | None = None
) -> FieldCheckArgs:
    """A disclosure file as it is: its fields checked (or ``checked``), the rest as hashes."""
    return check_args(
        disclosure.organisation,
        disclosure.root,
        disclosure.leaves,
        disclosure.proof,
        disclosure.proof_flags,
        batch,
        checked,
    )


def fields_args(
    sealed: SealedReport, names: Iterable[str], batch: BatchProof | None = None
) -> FieldCheckArgs:
    """The smallest proof for exactly the fields ``names`` of a sealed report.

    Unlike a disclosure it leaves out the organisation leaf: on chain the
    registry binds the report to its organisation (the check reads the
    report under the organisation it is given).
    """
    leaves = [sealed.field(name) for name in dict.fromkeys(names)]
    multiproof = sealed.tree().multiproof([leaf.hash for leaf in leaves])
    by_hash = {leaf.hash: leaf for leaf in leaves}
    return check_args(
        sealed.organisation,
        sealed.root,
        [by_hash[h] for h in multiproof.leaves],
        multiproof.proof,
        multiproof.proof_flags,
        batch,
    )
