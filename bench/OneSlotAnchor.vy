# pragma version 0.4.3
"""
@title One-slot anchor (benchmark peer, not part of the registry)
@notice The cheapest useful anchor: one storage slot per root and one event.
    `make bench` calls it from a plain account, from Safe 1.4.1 multisigs and,
    with the Merkle root of 100 hashes, as the bare-root floor of batch anchoring.
"""

event Anchored:
    root: indexed(bytes32)
    anchorer: indexed(address)

anchored_at: public(HashMap[bytes32, uint256])


@external
def anchor(root: bytes32):
    self.anchored_at[root] = block.timestamp
    log Anchored(root=root, anchorer=msg.sender)
