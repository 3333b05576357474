# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Escrow example: pays on a disclosed, anchored delivery
@custom:contract-name EscrowExample
@license Apache-2.0
@notice A test consumer of `DisclosureCheck` (not part of the registry):
        a buyer locks a payment for an exporter; it is released to the
        exporter only when a report of the exporter's organisation, in
        force in the registry, proves that three agreed fields have the
        agreed values (e.g. the shipment with its SSCC and consignee). The
        agreed values are fixed at deployment as hashes; whoever releases
        brings the values, their salts and the multiproof (the exporter's
        disclosure). No oracle.
"""

from interfaces import IDisclosureCheck

AGREED_FIELDS: constant(uint256) = 3

checker: public(immutable(IDisclosureCheck))
organisation: public(immutable(bytes32))
payee: public(immutable(address))
# keccak256(abi.encode(type, name, value)) of each agreed field, in the
# order `release` takes them first in `leaves`.
agreed: public(immutable(bytes32[AGREED_FIELDS]))

released: public(bool)


event Released:
    report: indexed(bytes32)
    payee: indexed(address)
    amount: uint256
    check_gas: uint256  # gas of the `check_fields` call, as this contract saw it


@deploy
@payable
def __init__(checker_: IDisclosureCheck, organisation_: bytes32, payee_: address, agreed_: bytes32[AGREED_FIELDS]):
    checker = checker_
    organisation = organisation_
    payee = payee_
    agreed = agreed_


@external
def release(
    report: bytes32,
    batch: bytes32,
    batch_proof: DynArray[bytes32, 32],
    leaves: DynArray[IDisclosureCheck.DisclosedLeaf, 4],
    others: DynArray[bytes32, 13],
    proof: DynArray[bytes32, 16],
    proof_flags: DynArray[bool, 16],
):
    """
    @dev Releases the payment if `leaves` start with the three agreed
         fields (values as agreed, any salt) and `check_fields` proves them
         (with `others`, the hashes of any further disclosed leaves) in the
         organisation's report in force.
    """
    assert not self.released, "escrow: already released"
    assert len(leaves) >= AGREED_FIELDS, "escrow: the agreed fields are missing"
    for i: uint256 in range(AGREED_FIELDS):
        assert keccak256(abi_encode(leaves[i].leaf_type, leaves[i].name, leaves[i].value)) == agreed[i], "escrow: not the agreed value"
    before: uint256 = msg.gas
    proven: bool = staticcall checker.check_fields(
        organisation, report, batch, batch_proof, leaves, others, proof, proof_flags
    )
    used: uint256 = before - msg.gas
    assert proven, "escrow: delivery not proven"
    self.released = True
    amount: uint256 = self.balance
    send(payee, amount)
    log Released(report=report, payee=payee, amount=amount, check_gas=used)
