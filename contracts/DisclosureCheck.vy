# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title BCI Disclosure Check
@custom:contract-name DisclosureCheck
@license Apache-2.0
@notice Lets another contract (an escrow that releases payment on delivery,
        a green-loan covenant) check on chain, with no oracle, that fields
        of an exporter's anchored report have given values. The input is
        the disclosure the report package writes: EAS-SDK `PrivateData`
        leaves (type, name, value, salt) and an OpenZeppelin multiproof
        (`proof`, `proofFlags`) against the report root. The report must be
        in force in the `ReportRegistry`: anchored alone, or as a member of
        an anchored batch with its inclusion proof; not superseded or
        revoked; its organisation active; the registry not paused.
        Stateless: it holds only the registry's address. Specification:
        "Fields checked on chain" in `docs/registry-spec.md`.
@dev Leaf hash, as OpenZeppelin's `StandardMerkleTree` with leaf encoding
     ["string", "string", "bytes", "bytes32"] (the EAS SDK's):
     keccak256(keccak256(abi.encode(type, name, value, salt))). The leaves
     may be given in any order: the field tree is a standard tree (leaves
     sorted by hash), so the multiproof's leaf order is ascending hash
     order, which this contract restores by sorting. The multiproof is
     processed by snekmate's `merkle_proof_verification` algorithm
     (`_process_multi_proof`, with the same length check) and its
     `_hash_pair`; the loop is written here with memory bounds sized for a
     field tree, as snekmate advises, instead of its 255-element arrays,
     whose memory would cost more than the whole check. For the same
     reason at most `MAX_CHECKED` leaves come with their values; further
     disclosed leaves of the multiproof (e.g. the organisation leaf, or
     fields the caller does not check) may come as bare hashes in `others`.
"""

from interfaces import IDisclosureCheck
from interfaces import IReportRegistry

implements: IDisclosureCheck

from snekmate.utils import merkle_proof_verification as merkle


# A field tree has 13 leaves (12 fields and the organisation leaf): a
# multiproof of any of them has at most 12 flags and 12 proof hashes.
MAX_CHECKED: public(constant(uint256)) = 4
MAX_LEAVES: public(constant(uint256)) = 13
MAX_MULTIPROOF: public(constant(uint256)) = 16
MAX_BATCH_PROOF: public(constant(uint256)) = 32
MAX_VALUE_BYTES: public(constant(uint256)) = 1024

registry: public(immutable(address))


@deploy
def __init__(registry_: address):
    """
    @param registry_ The `ReportRegistry` whose reports are checked.
    """
    registry = registry_


@external
@view
def check_fields(
    organisation: bytes32,
    report: bytes32,
    batch: bytes32,
    batch_proof: DynArray[bytes32, MAX_BATCH_PROOF],
    leaves: DynArray[IDisclosureCheck.DisclosedLeaf, MAX_CHECKED],
    others: DynArray[bytes32, MAX_LEAVES],
    proof: DynArray[bytes32, MAX_MULTIPROOF],
    proof_flags: DynArray[bool, MAX_MULTIPROOF],
) -> bool:
    """
    @dev True iff every leaf in `leaves` is a leaf of the report root
         `report` (the multiproof over `leaves` and `others` holds) and the
         organisation's report is in force in the registry
         (`ReportRegistry.in_force`). A caller that builds the leaves from
         the values it expects learns that each of those fields has that
         value. Never reverts on a false claim: a malformed or failing
         proof, an unknown, pending, superseded or revoked report, a
         suspended organisation or a paused registry return False.
    @param organisation The exporter's organisation id.
    @param report The report root.
    @param batch The batch root if the report was anchored in a batch,
           else zero.
    @param batch_proof The report's inclusion proof in the batch (empty
           for a report anchored alone).
    @param leaves The leaves checked, with their values (1 to 4), any order.
    @param others Hashes of the multiproof's further leaves (not checked:
           e.g. the organisation leaf of a disclosure), any order.
    @param proof The multiproof's sibling hashes.
    @param proof_flags The multiproof's flags.
    @return bool Whether every leaf is proven in a report in force.
    """
    count: uint256 = len(leaves)
    # The empty set would "prove" `proof[0]` (see snekmate's note).
    if count == 0:
        return False
    total_leaves: uint256 = count + len(others)
    if total_leaves > MAX_LEAVES:
        return False
    # Leaf hashes sorted ascending (insertion sort, at most 13): the order of
    # a standard tree's multiproof. Indices stay below 32: unsafe math.
    hashes: bytes32[MAX_LEAVES] = empty(bytes32[MAX_LEAVES])
    for i: uint256 in range(MAX_LEAVES):
        if i == total_leaves:
            break
        h: bytes32 = empty(bytes32)
        if i < count:
            h = keccak256(keccak256(abi_encode(leaves[i].leaf_type, leaves[i].name, leaves[i].value, leaves[i].salt)))
        else:
            h = others[unsafe_sub(i, count)]
        j: uint256 = i
        for _: uint256 in range(MAX_LEAVES):
            if j == 0:
                break
            previous: bytes32 = hashes[unsafe_sub(j, 1)]
            if convert(previous, uint256) <= convert(h, uint256):
                break
            hashes[j] = previous
            j = unsafe_sub(j, 1)
        hashes[j] = h
    # snekmate `_process_multi_proof`, bounded for a field tree, returning
    # False instead of reverting on a malformed proof.
    total: uint256 = len(proof_flags)
    proof_length: uint256 = len(proof)
    if total_leaves + proof_length != total + 1:
        return False
    nodes: bytes32[MAX_MULTIPROOF] = empty(bytes32[MAX_MULTIPROOF])
    leaf_pos: uint256 = 0
    node_pos: uint256 = 0
    proof_pos: uint256 = 0
    a: bytes32 = empty(bytes32)
    b: bytes32 = empty(bytes32)
    step: uint256 = 0
    for flag: bool in proof_flags:
        if leaf_pos < total_leaves:
            a = hashes[leaf_pos]
            leaf_pos = unsafe_add(leaf_pos, 1)
        else:
            if node_pos >= step:
                return False
            a = nodes[node_pos]
            node_pos = unsafe_add(node_pos, 1)
        if flag:
            if leaf_pos < total_leaves:
                b = hashes[leaf_pos]
                leaf_pos = unsafe_add(leaf_pos, 1)
            else:
                if node_pos >= step:
                    return False
                b = nodes[node_pos]
                node_pos = unsafe_add(node_pos, 1)
        else:
            if proof_pos >= proof_length:
                return False
            b = proof[proof_pos]
            proof_pos = unsafe_add(proof_pos, 1)
        # snekmate `_hash_pair`, inline (an internal call per pair costs more
        # than the hashing).
        if convert(a, uint256) < convert(b, uint256):
            nodes[step] = keccak256(concat(a, b))
        else:
            nodes[step] = keccak256(concat(b, a))
        step = unsafe_add(step, 1)
    root: bytes32 = hashes[0]  # no flags: one leaf and no proof hash
    if total != 0:
        root = nodes[unsafe_sub(total, 1)]
    if root != report:
        return False
    return staticcall IReportRegistry(registry).in_force(organisation, report, batch, batch_proof)


@external
@pure
def leaf_hash(leaf: IDisclosureCheck.DisclosedLeaf) -> bytes32:
    """
    @dev The field-tree leaf hash of a disclosed leaf:
         keccak256(keccak256(abi.encode(type, name, value, salt))).
    @param leaf The leaf.
    @return bytes32 Its hash.
    """
    return keccak256(keccak256(abi_encode(leaf.leaf_type, leaf.name, leaf.value, leaf.salt)))
