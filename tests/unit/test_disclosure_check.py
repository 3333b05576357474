"""Fields checked on chain (issue 10, item 4): `DisclosureCheck` and a consumer.

The contract checks an EAS-`PrivateData` multiproof of disclosed leaves against a
report in force in the registry (anchored alone or as a batch member), so that an
escrow can release a payment on a disclosed, anchored delivery with no oracle.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import encode as abi_encode
from eth_utils import keccak

from bci_registry.exporter.batch_tree import BatchTree, batch_approval_message
from bci_registry.field_check import FieldCheckError, disclosure_args, fields_args, onchain_leaf
from bci_registry.report import disclose, seal_report
from bci_registry.signatures import pack, sign
from conftest import FAR_FUTURE, ORG, OTHER_ORG, approval

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "lfp-ess-cn-to-jp.json"
AGREED = ("shipment", "transportEmissions", "batteryIdentifiers")
#: Issue 10's goal is 30,000 gas for three fields checked from another contract;
#: measured about 33,000-34,000 (see "Fields checked on chain" in the spec). This
#: bound catches regressions.
CHECK_GAS_BOUND = 36_000
ZERO = bytes(32)


@pytest.fixture
def sealed() -> Any:
    return seal_report(json.loads(SAMPLE.read_text()), organisation=ORG)


@pytest.fixture
def checker(project: Any, registry: Any, governance: Any) -> Any:
    return governance.deploy(project.DisclosureCheck, registry)


@pytest.fixture
def anchored_report(
    registry: Any, org: bytes, sealed: Any, signers: list[Any], approvals: Any, outsider: Any
) -> Any:
    registry.anchor(
        org, sealed.root, FAR_FUTURE, approvals(signers[:2], approval(org, sealed.root)),
        sender=outsider,
    )  # fmt: skip
    return sealed


def with_leaf(args: list[Any], index: int, **change: Any) -> list[Any]:
    """`args` with leaf `index` changed (type/name/value/salt by position)."""
    positions = {"type": 0, "name": 1, "value": 2, "salt": 3}
    leaves = [list(leaf) for leaf in args[4]]
    for key, value in change.items():
        leaves[index][positions[key]] = value
    return [*args[:4], leaves, *args[5:]]


# ------------------------------------------------------------ the check


def test_leaf_hash_matches_the_report_package(checker: Any, sealed: Any) -> None:
    for leaf in sealed.leaves:  # 12 string fields and the bytes32 organisation leaf
        assert bytes(checker.leaf_hash(list(onchain_leaf(leaf)))) == leaf.hash


def test_disclosure_is_checked_true(checker: Any, anchored_report: Any) -> None:
    disclosure = disclose(anchored_report, AGREED)
    args = disclosure_args(disclosure).as_args()
    assert len(args[4]) == 3 and len(args[5]) == 1  # the organisation leaf as a hash
    assert checker.check_fields(*args)


def test_leaves_in_any_order(checker: Any, anchored_report: Any) -> None:
    args = disclosure_args(disclose(anchored_report, AGREED)).as_args()
    shuffled = list(args[4])
    random.Random(7).shuffle(shuffled)
    shuffled.reverse()
    assert checker.check_fields(*args[:4], shuffled, *args[5:])


def test_minimal_proof_of_exactly_the_fields(checker: Any, anchored_report: Any) -> None:
    args = fields_args(anchored_report, AGREED).as_args()
    assert len(args[4]) == 3
    assert checker.check_fields(*args)
    four = fields_args(anchored_report, [*AGREED, "recycledContent"]).as_args()
    assert checker.check_fields(*four)
    # More than MAX_CHECKED values: refused before sending; the rest go as hashes.
    with pytest.raises(FieldCheckError, match="1 to 4"):
        fields_args(anchored_report, [leaf.name for leaf in anchored_report.fields])
    every = disclose(anchored_report, [leaf.name for leaf in anchored_report.fields])
    assert checker.check_fields(*disclosure_args(every, checked=AGREED).as_args())


def test_tampered_value_salt_name_or_proof_is_false(checker: Any, anchored_report: Any) -> None:
    args = disclosure_args(disclose(anchored_report, AGREED)).as_args()
    value = bytes(args[4][0][2])
    forged = value.replace(b"2", b"3", 1) if b"2" in value else value + b"\x00"
    assert not checker.check_fields(*with_leaf(args, 0, value=forged))
    assert not checker.check_fields(*with_leaf(args, 1, salt=keccak(b"other salt")))
    assert not checker.check_fields(*with_leaf(args, 2, name="recycledContent"))
    assert not checker.check_fields(*with_leaf(args, 0, type="bytes"))
    bad_proof = list(args[6])
    bad_proof[0] = keccak(bytes(bad_proof[0]))
    assert not checker.check_fields(*args[:6], bad_proof, args[7])
    # The organisation leaf's hash is part of the proof too.
    assert not checker.check_fields(*args[:5], [keccak(b"x")], *args[6:])
    # Malformed multiproofs return False, they do not revert.
    assert not checker.check_fields(*args[:6], args[6][:-1], args[7])
    assert not checker.check_fields(*args[:6], args[6], [not f for f in args[7]])
    assert not checker.check_fields(*args[:6], args[6], [True] * len(args[7]))
    assert not checker.check_fields(*args[:4], [], [], [], [])
    assert not checker.check_fields(*args[:4], [], args[5], args[6], args[7])
    # A leaf left out, with the same proof.
    assert not checker.check_fields(*args[:4], args[4][1:], *args[5:])
    # A checked leaf given as a bare hash only: nothing is checked.
    hashed = [bytes(checker.leaf_hash(leaf)) for leaf in args[4]]
    assert not checker.check_fields(*args[:4], [], [*args[5], *hashed], *args[6:])


def test_another_value_for_the_same_field_is_false(checker: Any, anchored_report: Any) -> None:
    """The check answers "has this field this value": a different value is False."""
    args = fields_args(anchored_report, ["transportEmissions"]).as_args()
    leaf = anchored_report.field("transportEmissions")
    emissions = json.loads(leaf.value)
    emissions["kgCO2e"] = emissions.get("kgCO2e", 0) + 1 if isinstance(emissions, dict) else 1
    other = json.dumps(emissions, separators=(",", ":"), sort_keys=True)
    assert not checker.check_fields(*with_leaf(args, 0, value=abi_encode(["string"], [other])))


def test_report_must_be_in_force(
    checker: Any, registry: Any, org: bytes, anchored_report: Any, signers: list[Any],
    approvals: Any, outsider: Any, governance: Any, pauser: Any,
) -> None:  # fmt: skip
    args = disclosure_args(disclose(anchored_report, AGREED)).as_args()
    assert checker.check_fields(*args)
    # Under another organisation: not its report.
    assert not checker.check_fields(OTHER_ORG, *args[1:])
    registry.pause(sender=pauser)
    assert not checker.check_fields(*args)
    registry.unpause(sender=governance)
    registry.suspend_organisation(org, sender=governance)
    assert not checker.check_fields(*args)
    registry.reinstate_organisation(org, sender=governance)
    registry.revoke_for_cause(org, anchored_report.root, 100, sender=governance)
    assert not checker.check_fields(*args)
    # The proof itself still holds: it is the report's state that fails.
    assert disclose(anchored_report, AGREED).root == anchored_report.root


def test_unanchored_report_is_false(checker: Any, org: bytes, sealed: Any) -> None:
    assert not checker.check_fields(*disclosure_args(disclose(sealed, AGREED)).as_args())


@pytest.fixture
def batch_of_sealed(
    registry: Any, org: bytes, signers: list[Any], outsider: Any, domain: Any
) -> tuple[list[Any], BatchTree]:
    """Five sealed reports anchored as one batch."""
    report = json.loads(SAMPLE.read_text())
    reports = [seal_report(report, organisation=org) for _ in range(5)]
    tree = BatchTree(org, [s.root for s in reports])
    order = [str(a) for a in registry.organisation(org).signers]
    blob = pack(
        (
            sign(s.private_key, domain, "BatchApproval",
                 batch_approval_message(s.address, org, tree.root, tree.size, 1, FAR_FUTURE))
            for s in signers[:2]
        ),
        order,
    )  # fmt: skip
    registry.anchor_batch(org, tree.root, tree.size, FAR_FUTURE, blob, sender=outsider)
    return reports, tree


def test_batch_member_is_checked_with_its_batch_proof(
    checker: Any, batch_of_sealed: tuple[list[Any], BatchTree]
) -> None:
    reports, tree = batch_of_sealed
    member = reports[3]
    proof = tree.proof(member.root)
    args = disclosure_args(disclose(member, AGREED), proof).as_args()
    assert checker.check_fields(*args)
    # Without the batch proof, or with another member's, it is not anchored.
    assert not checker.check_fields(*args[:2], ZERO, [], *args[4:])
    other = tree.proof(reports[0].root)
    assert not checker.check_fields(*args[:3], list(other.proof), *args[4:])


# ------------------------------------------------------------ a consumer


def agreed_hash(leaf: Any) -> bytes:
    kind, name, value, _salt = onchain_leaf(leaf)
    return keccak(abi_encode(["string", "string", "bytes"], [kind, name, value]))


@pytest.fixture
def escrow(mocks: Any, checker: Any, governance: Any, sealed: Any, accounts: Any) -> Any:
    payee = accounts[9]
    agreed = [agreed_hash(sealed.field(name)) for name in AGREED]
    return governance.deploy(mocks.EscrowExample, checker, ORG, payee, agreed, value=10**18)


def escrow_args(args: list[Any]) -> list[Any]:
    """`check_fields` args for the escrow: the agreed fields first, then the rest."""
    leaves = sorted(args[4], key=lambda leaf: AGREED.index(leaf[1]) if leaf[1] in AGREED else 99)
    return [args[1], args[2], args[3], leaves, *args[5:]]


def test_escrow_releases_only_with_the_agreed_disclosed_value(
    escrow: Any, anchored_report: Any, accounts: Any, outsider: Any, reverts: Any,
    registry: Any, governance: Any, capsys: Any,
) -> None:  # fmt: skip
    payee = accounts[9]
    args = escrow_args(disclosure_args(disclose(anchored_report, AGREED)).as_args())
    # A disclosure of other fields does not carry the agreed ones.
    wrong = escrow_args(
        disclosure_args(disclose(anchored_report, ["recycledContent", *AGREED[1:]])).as_args()
    )
    with reverts("escrow: not the agreed value"):
        escrow.release(*wrong, sender=outsider)
    # The agreed value with a forged salt: the check fails.
    forged = [*args[:3], [list(leaf) for leaf in args[3]], *args[4:]]
    forged[3][0][3] = keccak(b"forged")
    with reverts("escrow: delivery not proven"):
        escrow.release(*forged, sender=outsider)
    before = payee.balance
    tx = escrow.release(*args, sender=outsider)
    event = tx.events[-1]
    assert event.event_name == "Released" and payee.balance == before + 10**18
    assert escrow.released()
    with capsys.disabled():
        print(
            f"\nfield check, 3 fields + organisation leaf, from a contract: "
            f"{event.check_gas:,} gas (escrow release transaction {tx.gas_used:,} gas, "
            f"{len(bytes(tx.transaction.data))} calldata bytes)"
        )
    assert event.check_gas <= CHECK_GAS_BOUND
    with reverts("escrow: already released"):
        escrow.release(*args, sender=outsider)


def test_escrow_refuses_a_revoked_report(
    escrow: Any, anchored_report: Any, registry: Any, governance: Any, outsider: Any, reverts: Any
) -> None:
    registry.revoke_for_cause(ORG, anchored_report.root, 100, sender=governance)
    args = escrow_args(disclosure_args(disclose(anchored_report, AGREED)).as_args())
    with reverts("escrow: delivery not proven"):
        escrow.release(*args, sender=outsider)


def test_escrow_gas_with_exactly_three_fields(
    escrow: Any, anchored_report: Any, outsider: Any, capsys: Any
) -> None:
    args = escrow_args(fields_args(anchored_report, AGREED).as_args())
    tx = escrow.release(*args, sender=outsider)
    with capsys.disabled():
        print(
            f"\nfield check, exactly 3 fields, from a contract: {tx.events[-1].check_gas:,} gas "
            f"(escrow release transaction {tx.gas_used:,} gas)"
        )
    assert tx.events[-1].check_gas <= CHECK_GAS_BOUND
