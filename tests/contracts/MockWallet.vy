# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Mock EIP-1271 wallet (tests only)
@notice A contract signer whose owner's ECDSA signature over the digest is
        accepted, unless the wallet has been told to refuse everything.
"""

from snekmate.utils import signature_checker

owner: public(address)
refuse_all: public(bool)


@deploy
def __init__(owner_: address):
    """
    @dev Sets the wallet's owner.
    @param owner_ The EOA whose signatures the wallet accepts.
    """
    self.owner = owner_


@external
def set_refuse_all(refuse: bool):
    """
    @dev Makes the wallet answer "invalid" to every signature.
    @param refuse True to refuse every signature.
    """
    assert msg.sender == self.owner, "wallet: caller is not the owner"
    self.refuse_all = refuse


@external
@view
def isValidSignature(hash: bytes32, signature: Bytes[65]) -> bytes4:
    """
    @dev EIP-1271: the magic value when the owner signed `hash`.
    @param hash The digest that was signed.
    @param signature The owner's 65-byte signature.
    @return bytes4 0x1626ba7e when valid, 0xffffffff otherwise.
    """
    if not self.refuse_all and signature_checker._is_valid_signature_now(self.owner, hash, signature):
        return 0x1626BA7E
    return 0xFFFFFFFF
