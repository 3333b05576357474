# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Misbehaving EIP-1271 wallet (tests only)
@notice A contract signer that accepts its owner's ECDSA signature over the
        digest (mode 0), or misbehaves when asked: reverts (mode 1), burns
        all the gas it is given (mode 2), or answers a wrong value (mode 3).
        The relayer's screening (`bci_registry.exporter.relay`) must name it
        and leave it out.
"""

from snekmate.utils import signature_checker

HONEST: constant(uint8) = 0
REVERTS: constant(uint8) = 1
BURNS_GAS: constant(uint8) = 2
WRONG_ANSWER: constant(uint8) = 3

owner: public(address)
mode: public(uint8)


@deploy
def __init__(owner_: address, mode_: uint8):
    """
    @dev Sets the wallet's owner and how it behaves.
    @param owner_ The EOA whose signatures the wallet accepts in mode 0.
    @param mode_ 0 honest, 1 reverts, 2 burns gas, 3 answers a wrong value.
    """
    self.owner = owner_
    self.mode = mode_


@external
@view
def isValidSignature(hash: bytes32, signature: Bytes[65]) -> bytes4:
    """
    @dev EIP-1271, or a misbehaviour chosen at deployment.
    @param hash The digest that was signed.
    @param signature The owner's 65-byte signature.
    @return bytes4 0x1626ba7e when valid (mode 0).
    """
    if self.mode == REVERTS:
        raise "wallet: refuses to answer"
    if self.mode == BURNS_GAS:
        digest: bytes32 = hash
        for i: uint256 in range(1000000):
            digest = keccak256(digest)
        return convert(slice(digest, 0, 4), bytes4)
    if self.mode == WRONG_ANSWER:
        return 0xDEADBEEF
    if signature_checker._is_valid_signature_now(self.owner, hash, signature):
        return 0x1626BA7E
    return 0xFFFFFFFF
