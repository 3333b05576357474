"""The OpenZeppelin tree algorithms: layout, single proofs, multiproofs, tampering."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode as abi_encode
from hypothesis import given, settings
from hypothesis import strategies as st

from bci_registry.report.hashing import keccak
from bci_registry.report.merkle import (
    MerkleError,
    StandardMerkleTree,
    get_multiproof,
    hash_pair,
    make_tree,
    process_multiproof,
    process_proof,
    standard_leaf_hash,
)

nodes = st.binary(min_size=32, max_size=32)


@st.composite
def tree_and_subset(draw: st.DrawFn) -> tuple[list[bytes], list[bytes]]:
    leaves = draw(st.lists(nodes, min_size=1, max_size=24, unique=True))
    subset = draw(st.lists(st.sampled_from(leaves), min_size=1, unique=True))
    return leaves, subset


def test_pair_hash_is_commutative_keccak_of_sorted_pair() -> None:
    a, b = b"\x01" * 32, b"\x02" * 32
    assert hash_pair(a, b) == hash_pair(b, a) == keccak(a + b)


def test_array_layout_matches_openzeppelin() -> None:
    leaves = [bytes([i]) * 32 for i in range(1, 4)]
    tree = make_tree(leaves)
    # Leaf k sits at len-1-k; node i has children 2i+1 and 2i+2.
    assert tree[4] == leaves[0] and tree[3] == leaves[1] and tree[2] == leaves[2]
    assert tree[1] == hash_pair(tree[3], tree[4])
    assert tree[0] == hash_pair(tree[1], tree[2])


def test_standard_leaf_hash_is_double_keccak_of_abi_encoding() -> None:
    value = ["0x" + "11" * 20, 5]
    encoded = abi_encode(["address", "uint256"], value)
    assert standard_leaf_hash(["address", "uint256"], value) == keccak(keccak(encoded))


@settings(max_examples=150, deadline=None)
@given(tree_and_subset())
def test_multiproof_of_any_subset_proves_the_root(case: tuple[list[bytes], list[bytes]]) -> None:
    leaves, subset = case
    tree = StandardMerkleTree(leaves)
    proof = tree.multiproof(subset)
    assert sorted(proof.leaves) == sorted(subset)
    assert list(proof.leaves) == sorted(subset)  # proof order is ascending leaf hash
    assert process_multiproof(proof.leaves, proof.proof, proof.proof_flags) == tree.root
    for leaf in subset:
        assert process_proof(leaf, tree.proof(leaf)) == tree.root


@settings(max_examples=150, deadline=None)
@given(tree_and_subset(), st.data())
def test_a_changed_leaf_or_proof_hash_gives_another_root(
    case: tuple[list[bytes], list[bytes]], data: st.DataObject
) -> None:
    leaves, subset = case
    tree = StandardMerkleTree(leaves)
    proof = tree.multiproof(subset)
    forged = data.draw(nodes.filter(lambda n: n not in leaves))
    i = data.draw(st.integers(0, len(proof.leaves) - 1))
    changed = list(proof.leaves)
    changed[i] = forged
    assert process_multiproof(changed, proof.proof, proof.proof_flags) != tree.root
    if proof.proof:
        j = data.draw(st.integers(0, len(proof.proof) - 1))
        hashes = list(proof.proof)
        hashes[j] = forged
        assert process_multiproof(proof.leaves, hashes, proof.proof_flags) != tree.root


def test_malformed_multiproofs_are_refused() -> None:
    tree = StandardMerkleTree([bytes([i]) * 32 for i in range(1, 6)])
    proof = tree.multiproof([bytes([1]) * 32, bytes([4]) * 32])
    with pytest.raises(MerkleError, match="one more than proofFlags"):
        process_multiproof(proof.leaves, proof.proof, (*proof.proof_flags, True))
    with pytest.raises(MerkleError, match="32 bytes"):
        process_multiproof([b"\x00" * 31], [], [])
    with pytest.raises(MerkleError, match="fewer proof hashes"):
        process_multiproof(proof.leaves, (), (False,) * (len(proof.leaves) - 1))


def test_tree_errors() -> None:
    with pytest.raises(MerkleError, match="at least one leaf"):
        make_tree([])
    with pytest.raises(MerkleError, match="duplicate"):
        StandardMerkleTree([b"\x01" * 32, b"\x01" * 32])
    tree = StandardMerkleTree([b"\x01" * 32, b"\x02" * 32])
    with pytest.raises(MerkleError, match="not in the tree"):
        tree.multiproof([b"\x03" * 32])
    with pytest.raises(MerkleError, match="twice"):
        get_multiproof(tree.tree, [1, 1])
    with pytest.raises(MerkleError, match="not a leaf"):
        get_multiproof(tree.tree, [0])


def test_single_leaf_tree_root_is_the_leaf() -> None:
    leaf = b"\x07" * 32
    tree = StandardMerkleTree([leaf])
    assert tree.root == leaf
    proof = tree.multiproof([leaf])
    assert proof.proof == () and proof.proof_flags == ()
    assert process_multiproof(proof.leaves, proof.proof, proof.proof_flags) == leaf
