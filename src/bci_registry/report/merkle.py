"""OpenZeppelin-compatible Merkle trees: the array layout, proofs and multiproofs.

This follows the algorithm of ``@openzeppelin/merkle-tree`` (``src/core.ts`` and
``StandardMerkleTree``), so roots and proofs made here verify with that library, with
OpenZeppelin's ``MerkleProof.sol`` and with snekmate's ``merkle_proof_verification``:

- Nodes are 32-byte hashes; a parent is ``keccak256`` of its two children sorted as
  byte strings (commutative pair hashing, so proofs carry no left/right bits).
- The tree is one array: ``tree[0]`` is the root, node ``i`` has children ``2i+1`` and
  ``2i+2``, and leaf ``k`` (in leaf order) sits at ``tree[len(tree) - 1 - k]``.
- A *standard* tree hashes each value as ``keccak256(keccak256(abi.encode(types, value)))``
  (hashing twice keeps a leaf from ever being mistaken for an inner node) and sorts the
  leaf hashes before building, so the root does not depend on input order.
- A multiproof proves several leaves at once: ``proof`` holds the sibling hashes that are
  not computed from the leaves themselves, and ``proofFlags[k]`` says whether step ``k``
  hashes two computed nodes (True) or a computed node with the next proof hash (False).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import encode as abi_encode

from bci_registry.report.hashing import keccak

NODE_SIZE = 32


class MerkleError(ValueError):
    """A tree, index or proof that cannot be used (wrong sizes, unknown leaf, bad format)."""


def hash_pair(a: bytes, b: bytes) -> bytes:
    """Parent of two nodes: keccak256 of the two sorted as byte strings (OpenZeppelin order)."""
    return keccak(a + b if a <= b else b + a)


def standard_leaf_hash(types: Sequence[str], value: Sequence[Any]) -> bytes:
    """OpenZeppelin StandardMerkleTree leaf: ``keccak256(keccak256(abi.encode(types, value)))``."""
    return keccak(keccak(abi_encode(list(types), list(value))))


def _check_node(node: bytes, what: str) -> None:
    if not isinstance(node, bytes) or len(node) != NODE_SIZE:
        raise MerkleError(f"{what} must be {NODE_SIZE} bytes")


def make_tree(leaves: Sequence[bytes]) -> list[bytes]:
    """Build the array tree over ``leaves`` in the given order (a standard tree sorts first)."""
    if not leaves:
        raise MerkleError("a Merkle tree needs at least one leaf")
    for leaf in leaves:
        _check_node(leaf, "a leaf")
    size = 2 * len(leaves) - 1
    tree: list[bytes] = [b""] * size
    for k, leaf in enumerate(leaves):
        tree[size - 1 - k] = leaf
    for i in range(size - 1 - len(leaves), -1, -1):
        tree[i] = hash_pair(tree[2 * i + 1], tree[2 * i + 2])
    return tree


def _is_leaf_index(tree: Sequence[bytes], i: int) -> bool:
    return 0 <= i < len(tree) and 2 * i + 1 >= len(tree)


def _sibling(i: int) -> int:
    # Odd indices are left children, their sibling is to the right; even ones the reverse.
    return i + 1 if i % 2 == 1 else i - 1


def get_proof(tree: Sequence[bytes], index: int) -> list[bytes]:
    """Sibling hashes from the leaf at tree index ``index`` up to the root."""
    if not _is_leaf_index(tree, index):
        raise MerkleError(f"tree index {index} is not a leaf")
    proof = []
    while index > 0:
        proof.append(tree[_sibling(index)])
        index = (index - 1) // 2
    return proof


def process_proof(leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """Root implied by ``leaf`` and its single-leaf ``proof``."""
    _check_node(leaf, "a leaf")
    node = leaf
    for sibling in proof:
        _check_node(sibling, "a proof hash")
        node = hash_pair(node, sibling)
    return node


@dataclass(frozen=True)
class MultiProof:
    """Leaves (hashes, in proof order), the proof hashes and the flags that combine them."""

    leaves: tuple[bytes, ...]
    proof: tuple[bytes, ...]
    proof_flags: tuple[bool, ...]


def get_multiproof(tree: Sequence[bytes], indices: Sequence[int]) -> tuple[list[int], MultiProof]:
    """Multiproof for the leaves at tree ``indices``.

    Returns the tree indices in proof order (descending, as OpenZeppelin orders them) and
    the proof; ``MultiProof.leaves[k]`` is ``tree[order[k]]``.
    """
    for i in indices:
        if not _is_leaf_index(tree, i):
            raise MerkleError(f"tree index {i} is not a leaf")
    order = sorted(indices, reverse=True)
    if len(set(order)) != len(order):
        raise MerkleError("cannot prove the same leaf twice")
    stack = deque(order)
    proof: list[bytes] = []
    flags: list[bool] = []
    while stack and stack[0] > 0:
        j = stack.popleft()
        s = _sibling(j)
        if stack and stack[0] == s:
            flags.append(True)
            stack.popleft()
        else:
            flags.append(False)
            proof.append(tree[s])
        stack.append((j - 1) // 2)
    if not order:
        proof.append(tree[0])
    return order, MultiProof(tuple(tree[i] for i in order), tuple(proof), tuple(flags))


def process_multiproof(
    leaves: Sequence[bytes], proof: Sequence[bytes], proof_flags: Sequence[bool]
) -> bytes:
    """Root implied by a multiproof (OpenZeppelin ``processMultiProof``).

    Raises MerkleError if the parts do not fit together; a well-formed proof for other
    leaves simply yields another root, which the caller compares.
    """
    for leaf in leaves:
        _check_node(leaf, "a leaf")
    for node in proof:
        _check_node(node, "a proof hash")
    if len(proof) < sum(1 for flag in proof_flags if not flag):
        raise MerkleError("invalid multiproof: fewer proof hashes than false proofFlags")
    if len(leaves) + len(proof) != len(proof_flags) + 1:
        raise MerkleError(
            "invalid multiproof: leaves + proof hashes must be one more than proofFlags "
            f"({len(leaves)} + {len(proof)} != {len(proof_flags)} + 1)"
        )
    stack = deque(leaves)
    hashes = deque(proof)
    for flag in proof_flags:
        if not stack:
            raise MerkleError("invalid multiproof: ran out of nodes")
        a = stack.popleft()
        if flag:
            if not stack:
                raise MerkleError("invalid multiproof: ran out of nodes")
            b = stack.popleft()
        else:
            b = hashes.popleft()
        stack.append(hash_pair(a, b))
    if len(stack) + len(hashes) != 1:
        raise MerkleError("invalid multiproof: does not end in a single root")
    return stack.pop() if stack else hashes.popleft()


class StandardMerkleTree:
    """A tree over leaf hashes sorted ascending, as ``StandardMerkleTree.of`` builds it.

    Built from leaf *hashes*, so callers choose the leaf encoding (``standard_leaf_hash``
    or the report field leaves of ``bci_registry.report.sealing``).
    """

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self.leaves: tuple[bytes, ...] = tuple(sorted(leaf_hashes))
        if len(set(self.leaves)) != len(self.leaves):
            raise MerkleError("duplicate leaves: every leaf of a standard tree must differ")
        self.tree: list[bytes] = make_tree(self.leaves)
        size = len(self.tree)
        self._tree_index = {leaf: size - 1 - k for k, leaf in enumerate(self.leaves)}

    @property
    def root(self) -> bytes:
        """The 32-byte root."""
        return self.tree[0]

    def tree_index(self, leaf_hash: bytes) -> int:
        """Array index of a leaf hash; MerkleError if it is not in the tree."""
        try:
            return self._tree_index[leaf_hash]
        except KeyError:
            raise MerkleError(f"leaf 0x{leaf_hash.hex()} is not in the tree") from None

    def proof(self, leaf_hash: bytes) -> list[bytes]:
        """Single-leaf proof (for OpenZeppelin ``MerkleProof.verify``)."""
        return get_proof(self.tree, self.tree_index(leaf_hash))

    def multiproof(self, leaf_hashes: Sequence[bytes]) -> MultiProof:
        """Multiproof of several leaves; ``MultiProof.leaves`` comes back in proof order."""
        _, proof = get_multiproof(self.tree, [self.tree_index(h) for h in leaf_hashes])
        return proof
