"""Access-control matrix, generated from the ABIs.

Every state-changing function (nonpayable or payable in the compiled ABI) of
`ReportRegistry`, `AttestationRegistry` and `GovernanceTimelock` x every role
x registry paused / not paused. The expected outcome of each cell comes from
the table `ROWS` below — one row per function: who may call it, how the pause
applies, and the revert reason of a refusal. **A function in an ABI without a
row fails the suite**, so a new function must be classified here (and a row
whose function left the ABI fails too).

Each cell is simulated with `eth_call` on the pending block from the role's
address, with arguments valid for an allowed caller (real signatures for the
relayed paths, a real target: an anchored report, a pending one, an anchored
batch with its proof, an attestation, a ready timelock operation, ...). So the
matrix judges the caller alone: an allowed cell must succeed, a denied one must
revert with the row's reason. The admin of the registry is the timelock (as
in production); calls "from" it are simulations only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_tester.exceptions import TransactionFailed
from eth_utils import keccak

from bci_registry.attestations import AttestationDomain
from bci_registry.eip712 import Domain, signable
from bci_registry.signatures import compact

ROOT = Path(__file__).resolve().parents[2]
COUNTS_FILE = ROOT / ".devnet" / "access-matrix.json"

ROLES = (
    "admin",  # DEFAULT_ADMIN_ROLE of the registry: the timelock contract
    "governance",  # GOVERNANCE_ROLE; also the timelock's proposer, canceller, executor
    "pauser",
    "pending_admin",  # named by begin_admin_transfer
    "signer",  # a signer of organisation A
    "submitter",  # a submitter of organisation A
    "verifier",  # an accredited verifier (with attestations)
    "other_member",  # the signer and submitter of organisation B
    "stranger",
)
ANYONE = frozenset(ROLES)

PAUSED = "pausable: contract is paused"
MISSING_ROLE = "access_control: account is missing role"
#: How the registry's pause applies to a function.
PAUSE_FIRST = "refused for everyone while paused"
PAUSE_AFTER_AUTH = "refused while paused, after the caller check"
NO_PAUSE = "works while paused"

FAR = 2**40
DAY = 86_400
YEAR = 365 * DAY
ZERO32 = bytes(32)
ORG_A = keccak(text="matrix:org:A")
ORG_B = keccak(text="matrix:org:B")
ORG_S = keccak(text="matrix:org:suspended")
ORG_NEW = keccak(text="matrix:org:new")
R_ANCHORED = keccak(text="matrix:report:anchored")
R_PENDING = keccak(text="matrix:report:pending")
R_NEW = keccak(text="matrix:report:new")
M1, M2 = keccak(text="matrix:member:1"), keccak(text="matrix:member:2")
EVIDENCE = keccak(text="matrix:evidence")
VERIFIER_ID = keccak(text="matrix:verifier")
GOVERNANCE_ROLE = keccak(text="GOVERNANCE_ROLE")
PAUSER_ROLE = keccak(text="PAUSER_ROLE")


@dataclass(frozen=True)
class Row:
    """Who may call a function, how the pause applies, the refusal's reason."""

    allowed: frozenset[str]
    denied: str | None
    pause: str
    args: Callable[[Any, str], list[Any]]
    #: reason an allowed caller gets when the registry is NOT paused (unpause)
    unpaused: str | None = None
    #: wei sent with the call (payable functions)
    value: int = 0
    #: gas for the simulated call (None: the node's default)
    gas: int | None = None


def only(*roles: str) -> frozenset[str]:
    return frozenset(roles)


# ------------------------------------------------------------------ the table
# `args(world, caller)` builds arguments valid for an allowed caller.

REGISTRY_ROWS: dict[str, Row] = {
    "grantRole": Row(only("admin"), MISSING_ROLE, NO_PAUSE, lambda w, c: [PAUSER_ROLE, w.stranger]),
    "revokeRole": Row(only("admin"), MISSING_ROLE, NO_PAUSE, lambda w, c: [PAUSER_ROLE, w.pauser]),
    "renounceRole": Row(ANYONE, None, NO_PAUSE, lambda w, c: [PAUSER_ROLE, c]),
    "begin_admin_transfer": Row(only("admin"), MISSING_ROLE, NO_PAUSE, lambda w, c: [w.stranger]),
    "accept_admin_transfer": Row(
        only("pending_admin"),
        "registry: caller is not the pending admin",
        NO_PAUSE,
        lambda w, c: [],
    ),
    "pause": Row(
        only("pauser", "governance"),
        "registry: caller may not pause",
        PAUSE_AFTER_AUTH,
        lambda w, c: [],
    ),
    "unpause": Row(
        only("governance"),
        MISSING_ROLE,
        NO_PAUSE,
        lambda w, c: [],
        unpaused="pausable: contract is not paused",
    ),
    "register_organisation": Row(
        only("governance"), MISSING_ROLE, PAUSE_FIRST, lambda w, c: [ORG_NEW, [w.stranger], 1, []]
    ),
    "update_organisation": Row(ANYONE, None, PAUSE_FIRST, lambda w, c: w.update_args),
    "suspend_organisation": Row(only("governance"), MISSING_ROLE, NO_PAUSE, lambda w, c: [ORG_A]),
    "reinstate_organisation": Row(
        only("governance"), MISSING_ROLE, PAUSE_FIRST, lambda w, c: [ORG_S]
    ),
    "anchor": Row(ANYONE, None, PAUSE_FIRST, lambda w, c: w.anchor_args),
    "anchor_correction": Row(ANYONE, None, PAUSE_FIRST, lambda w, c: w.correction_args),
    "submit": Row(
        only("submitter"),
        "registry: caller is not a submitter",
        PAUSE_FIRST,
        lambda w, c: [ORG_A, R_NEW, ZERO32],
    ),
    "approve": Row(
        only("signer"),
        "registry: caller is not a signer",
        PAUSE_FIRST,
        lambda w, c: [ORG_A, R_PENDING, ZERO32],
    ),
    "approve_with_signatures": Row(ANYONE, None, PAUSE_FIRST, lambda w, c: w.approve_args),
    "revoke": Row(ANYONE, None, NO_PAUSE, lambda w, c: w.revoke_args),
    "revoke_for_cause": Row(
        only("governance"), MISSING_ROLE, NO_PAUSE, lambda w, c: [ORG_A, R_ANCHORED, 100]
    ),
    # Batches (issue: batch anchoring).
    "anchor_batch": Row(ANYONE, None, PAUSE_FIRST, lambda w, c: w.anchor_batch_args),
    "submit_batch": Row(
        only("submitter"),
        "registry: caller is not a submitter",
        PAUSE_FIRST,
        lambda w, c: [ORG_A, keccak(text="matrix:batch:new"), 3],
    ),
    "revoke_member": Row(ANYONE, None, NO_PAUSE, lambda w, c: w.revoke_member_args),
    "revoke_member_for_cause": Row(
        only("governance"), MISSING_ROLE, NO_PAUSE, lambda w, c: [ORG_A, M1, 100, w.batch, w.proof]
    ),
    "anchor_member_correction": Row(
        ANYONE, None, PAUSE_FIRST, lambda w, c: w.member_correction_args
    ),
}

ATTESTATION_ROWS: dict[str, Row] = {
    "accredit_verifier": Row(
        only("governance"),
        MISSING_ROLE,
        PAUSE_FIRST,
        lambda w, c: [w.stranger, VERIFIER_ID, 0xFFF, w.now - 1, w.now + YEAR],
    ),
    "extend_accreditation": Row(
        only("governance"), MISSING_ROLE, PAUSE_FIRST, lambda w, c: [w.verifier, w.now + 2 * YEAR]
    ),
    "suspend_verifier": Row(only("governance"), MISSING_ROLE, NO_PAUSE, lambda w, c: [w.verifier]),
    "suspend_verifier_for_cause": Row(
        only("governance"), MISSING_ROLE, NO_PAUSE, lambda w, c: [w.verifier, 0]
    ),
    "attest": Row(
        only("verifier"),
        "attestations: not an accredited verifier",
        PAUSE_AFTER_AUTH,
        lambda w, c: [ORG_A, R_ANCHORED, 1, 0xFFF, EVIDENCE, w.now - 1, w.now + 30 * DAY],
    ),
    "attest_by_signature": Row(ANYONE, None, PAUSE_FIRST, lambda w, c: w.attest_sig_args),
    "revoke_attestation": Row(
        only("verifier"),
        "attestations: no attestation of this report by the verifier",
        NO_PAUSE,
        lambda w, c: [ORG_A, R_ANCHORED, 1],
    ),
    "revoke_attestation_by_signature": Row(
        ANYONE, None, NO_PAUSE, lambda w, c: w.revoke_att_sig_args
    ),
    "cancel_nonces": Row(
        only("verifier"), "attestations: unknown verifier", NO_PAUSE, lambda w, c: [5]
    ),
    "cancel_nonces_by_signature": Row(ANYONE, None, NO_PAUSE, lambda w, c: w.cancel_sig_args),
    # Batch attestations (issue: batch anchoring).
    "attest_batch": Row(
        only("verifier"),
        "attestations: not an accredited verifier",
        PAUSE_AFTER_AUTH,
        lambda w, c: [ORG_A, w.batch, 2, 1, 0xFFF, EVIDENCE, w.now - 1, w.now + 30 * DAY],
    ),
    "attest_batch_by_signature": Row(
        ANYONE, None, PAUSE_FIRST, lambda w, c: w.attest_batch_sig_args
    ),
    "revoke_member_attestation": Row(
        only("verifier"),
        "attestations: no attestation of this batch by the verifier",
        NO_PAUSE,
        lambda w, c: [ORG_A, M1, w.batch, w.proof, 1],
    ),
    "revoke_member_attestation_by_signature": Row(
        ANYONE, None, NO_PAUSE, lambda w, c: w.revoke_member_att_sig_args
    ),
}

# The timelock knows nothing of the registry's pause: every row is NO_PAUSE.
# Its own DEFAULT_ADMIN_ROLE is held by the timelock itself ("admin" here).
TIMELOCK_ROWS: dict[str, Row] = {
    "grantRole": Row(
        only("admin"), MISSING_ROLE, NO_PAUSE, lambda w, c: [w.proposer_role, w.stranger]
    ),
    "revokeRole": Row(
        only("admin"), MISSING_ROLE, NO_PAUSE, lambda w, c: [w.proposer_role, w.governance]
    ),
    "renounceRole": Row(ANYONE, None, NO_PAUSE, lambda w, c: [w.proposer_role, c]),
    "set_role_admin": Row(
        only("admin"), MISSING_ROLE, NO_PAUSE, lambda w, c: [w.proposer_role, ZERO32]
    ),
    "schedule": Row(only("governance"), MISSING_ROLE, NO_PAUSE, lambda w, c: w.schedule_args),
    "schedule_batch": Row(
        only("governance"), MISSING_ROLE, NO_PAUSE, lambda w, c: w.schedule_batch_args
    ),
    "cancel": Row(only("governance"), MISSING_ROLE, NO_PAUSE, lambda w, c: [w.ready_id]),
    "execute": Row(only("governance"), MISSING_ROLE, NO_PAUSE, lambda w, c: w.execute_args),
    "execute_batch": Row(
        only("governance"), MISSING_ROLE, NO_PAUSE, lambda w, c: w.execute_batch_args
    ),
    "update_delay": Row(
        only("admin"), "timelock_controller: caller must be timelock", NO_PAUSE, lambda w, c: [120]
    ),
    # Token-receiver hooks: pure, callable by anyone.
    "onERC721Received": Row(ANYONE, None, NO_PAUSE, lambda w, c: [c, c, 1, b""]),
    "onERC1155Received": Row(ANYONE, None, NO_PAUSE, lambda w, c: [c, c, 1, 1, b""]),
    # snekmate's hook copies two DynArray[uint256, 65535] into memory: out of
    # gas at 29 M whatever the input (more than a 30 M block can give, so it
    # can never succeed in a transaction). Harmless here: the timelock never
    # needs ERC-1155 tokens. Simulated with 60 M gas to check it is open to all.
    "onERC1155BatchReceived": Row(
        ANYONE, None, NO_PAUSE, lambda w, c: [c, c, [1], [1], b""], gas=60_000_000
    ),
}


def expected(row: Row, role: str, paused: bool) -> str | None:
    """None: allowed (the call succeeds); else the revert reason."""
    allowed = role in row.allowed
    if paused and row.pause == PAUSE_FIRST:
        return PAUSED
    if not allowed:
        return row.denied
    if paused and row.pause == PAUSE_AFTER_AUTH:
        return PAUSED
    if not paused and row.unpaused:
        return row.unpaused
    return None


def state_changing(contract: Any) -> set[str]:
    return {
        abi.name
        for abi in contract.contract_type.abi
        if abi.type == "function" and abi.stateMutability in ("nonpayable", "payable")
    }


# ------------------------------------------------------------------ the world


def _sign(key: str, domain: Domain, primary_type: str, message: dict[str, Any]) -> bytes:
    raw = Account.sign_message(signable(domain, primary_type, message), key)
    return compact(bytes(raw.signature))


def _leaf(org: bytes, report: bytes) -> bytes:
    return keccak(keccak(org + report))


class World:
    """Contracts, role accounts and the targets every row's arguments use."""

    def __init__(self, project: Any, accounts: Any, chain: Any) -> None:
        self.chain = chain
        gov, pauser = accounts[0], accounts[1]
        sub_a, sub_b = accounts[2], accounts[3]
        signers_a = [accounts[4], accounts[5], accounts[6]]
        signer_b = accounts[7]
        pending = accounts[8]
        stranger = accounts[9]
        verifier = accounts.generate_test_account()
        gov.transfer(verifier, 10**18)
        self.governance, self.pauser, self.stranger, self.verifier = (
            gov.address,
            pauser.address,
            stranger.address,
            verifier.address,
        )
        self.timelock = gov.deploy(project.GovernanceTimelock, 60, [gov], [gov], "0x" + "00" * 20)
        gov.transfer(self.timelock, 10**18)  # pays for the simulated calls "from" it
        self.registry = gov.deploy(project.ReportRegistry, self.timelock, gov, pauser)
        self.att = gov.deploy(project.AttestationRegistry, self.registry)
        self.callers = {
            "admin": self.timelock.address,
            "governance": gov.address,
            "pauser": pauser.address,
            "pending_admin": pending.address,
            "signer": signers_a[1].address,
            "submitter": sub_a.address,
            "verifier": verifier.address,
            "other_member": signer_b.address,
            "stranger": stranger.address,
        }
        reg, att = self.registry, self.att
        domain = Domain(chain_id=chain.chain_id, verifying_contract=reg.address)
        att_domain = AttestationDomain(chain_id=chain.chain_id, verifying_contract=att.address)
        a = [s.address for s in signers_a]
        reg.register_organisation(ORG_A, a, 2, [sub_a], sender=gov)
        reg.register_organisation(ORG_B, [signer_b], 1, [sub_b], sender=gov)
        reg.register_organisation(ORG_S, [signer_b], 1, [], sender=gov)
        reg.suspend_organisation(ORG_S, sender=gov)

        def blob(primary: str, message: dict[str, Any], who: list[Any]) -> bytes:
            out = b""
            for account in who:
                slot = a.index(account.address) + 1
                out += bytes([slot]) + _sign(
                    account.private_key, domain, primary, {"signer": account.address, **message}
                )
            return out

        def approval(report: bytes, supersedes: bytes = ZERO32) -> dict[str, Any]:
            return {
                "organisation": ORG_A,
                "report": report,
                "supersedes": supersedes,
                "signerSetVersion": 1,
                "deadline": FAR,
            }

        two = signers_a[:2]
        reg.anchor(
            ORG_A, R_ANCHORED, FAR, blob("Approval", approval(R_ANCHORED), two), sender=stranger
        )
        reg.submit(ORG_A, R_PENDING, ZERO32, sender=sub_a)
        # An anchored batch of two members.
        l1, l2 = _leaf(ORG_A, M1), _leaf(ORG_A, M2)
        self.batch = keccak(min(l1, l2) + max(l1, l2))
        self.proof = [l2]
        batch_approval = {
            "organisation": ORG_A,
            "batch": self.batch,
            "size": 2,
            "signerSetVersion": 1,
            "deadline": FAR,
        }
        reg.anchor_batch(
            ORG_A, self.batch, 2, FAR, blob("BatchApproval", batch_approval, two), sender=stranger
        )
        # The relayed paths' arguments, signed by organisation A's signers.
        self.anchor_args = [ORG_A, R_NEW, FAR, blob("Approval", approval(R_NEW), two)]
        self.correction_args = [
            ORG_A,
            R_NEW,
            R_ANCHORED,
            FAR,
            blob("Approval", approval(R_NEW, R_ANCHORED), two),
        ]
        self.approve_args = [ORG_A, R_PENDING, FAR, blob("Approval", approval(R_PENDING), two)]
        revocation = {
            "organisation": ORG_A,
            "report": R_ANCHORED,
            "reason": 1,
            "signerSetVersion": 1,
            "deadline": FAR,
        }
        self.revoke_args = [ORG_A, R_ANCHORED, 1, FAR, blob("Revocation", revocation, two)]
        member_revocation = {**revocation, "report": M1}
        self.revoke_member_args = [
            ORG_A,
            M1,
            1,
            self.batch,
            self.proof,
            FAR,
            blob("Revocation", member_revocation, two),
        ]
        self.member_correction_args = [
            ORG_A,
            R_NEW,
            M1,
            self.batch,
            self.proof,
            FAR,
            blob("Approval", approval(R_NEW, M1), two),
        ]
        new_batch = keccak(text="matrix:batch:2")
        self.anchor_batch_args = [
            ORG_A,
            new_batch,
            5,
            FAR,
            blob("BatchApproval", {**batch_approval, "batch": new_batch, "size": 5}, two),
        ]
        update = {
            "organisation": ORG_A,
            "signers": a[:2],
            "threshold": 1,
            "submitters": [sub_a.address],
            "signerSetVersion": 1,
            "deadline": FAR,
        }
        self.update_args = [
            ORG_A,
            a[:2],
            1,
            [sub_a.address],
            FAR,
            blob("OrganisationUpdate", update, two),
        ]
        # The verifier: accredited, attests the anchored report and the batch.
        now = chain.pending_timestamp
        att.accredit_verifier(verifier, VERIFIER_ID, 0xFFF, now - 1, now + YEAR, sender=gov)
        att.attest(
            ORG_A, R_ANCHORED, 1, 0xFFF, EVIDENCE, now - DAY, now + 60 * DAY, sender=verifier
        )
        att.attest_batch(
            ORG_A, self.batch, 2, 1, 0xFFF, EVIDENCE, now - DAY, now + 60 * DAY, sender=verifier
        )

        # The timelock: the pending admin named through it; one ready
        # operation and one ready batch, neither executed.
        def through_timelock(payload: bytes, salt: bytes) -> None:
            self.timelock.schedule(reg, 0, payload, ZERO32, salt, 60, sender=gov)
            chain.pending_timestamp += 61
            self.timelock.execute(reg, 0, payload, ZERO32, salt, sender=gov)

        through_timelock(
            reg.begin_admin_transfer.encode_input(pending), keccak(text="matrix:salt:0")
        )
        grant = reg.grantRole.encode_input(PAUSER_ROLE, stranger)
        salt = keccak(text="matrix:salt:1")
        self.timelock.schedule(reg, 0, grant, ZERO32, salt, 60, sender=gov)
        batch_salt = keccak(text="matrix:salt:2")
        self.timelock.schedule_batch([reg], [0], [grant], ZERO32, batch_salt, 60, sender=gov)
        chain.pending_timestamp += 61
        self.ready_id = self.timelock.hash_operation(reg, 0, grant, ZERO32, salt)
        self.execute_args = [reg.address, 0, grant, ZERO32, salt]
        self.execute_batch_args = [[reg.address], [0], [grant], ZERO32, batch_salt]
        self.schedule_args = [reg.address, 0, grant, ZERO32, keccak(text="matrix:salt:3"), 60]
        self.schedule_batch_args = [
            [reg.address],
            [0],
            [grant],
            ZERO32,
            keccak(text="matrix:salt:4"),
            60,
        ]
        self.proposer_role = self.timelock.PROPOSER_ROLE()
        self.now = chain.pending_timestamp
        # Relayed attestation-registry paths, signed by the verifier.
        attested_at = att.attestation(ORG_A, R_ANCHORED, verifier).attested_at
        batch_attested_at = att.attestation(ORG_A, self.batch, verifier).attested_at
        terms = {
            "verifier": verifier.address,
            "organisation": ORG_A,
            "verdict": 1,
            "fields": 0xFFF,
            "evidence": EVIDENCE,
            "verifiedAt": self.now - 1,
            "expiresAt": self.now + 30 * DAY,
            "nonce": 0,
            "deadline": FAR,
        }
        message = {**terms, "report": R_ANCHORED}
        self.attest_sig_args = [
            *(
                message[k]
                for k in (
                    "verifier",
                    "organisation",
                    "report",
                    "verdict",
                    "fields",
                    "evidence",
                    "verifiedAt",
                    "expiresAt",
                    "nonce",
                    "deadline",
                )
            ),
            _sign(verifier.private_key, att_domain, "Attestation", message),
        ]
        batch_message = {**terms, "batch": self.batch, "size": 2}
        self.attest_batch_sig_args = [
            *(
                batch_message[k]
                for k in (
                    "verifier",
                    "organisation",
                    "batch",
                    "size",
                    "verdict",
                    "fields",
                    "evidence",
                    "verifiedAt",
                    "expiresAt",
                    "nonce",
                    "deadline",
                )
            ),
            _sign(verifier.private_key, att_domain, "BatchAttestation", batch_message),
        ]
        revocation_message = {
            "verifier": verifier.address,
            "organisation": ORG_A,
            "report": R_ANCHORED,
            "attestedAt": attested_at,
            "reason": 1,
            "nonce": 0,
            "deadline": FAR,
        }
        self.revoke_att_sig_args = [
            *revocation_message.values(),
            _sign(verifier.private_key, att_domain, "AttestationRevocation", revocation_message),
        ]
        member_message = {
            "verifier": verifier.address,
            "organisation": ORG_A,
            "report": M1,
            "batch": self.batch,
            "attestedAt": batch_attested_at,
            "reason": 1,
            "nonce": 0,
            "deadline": FAR,
        }
        self.revoke_member_att_sig_args = [
            verifier.address,
            ORG_A,
            M1,
            self.batch,
            self.proof,
            batch_attested_at,
            1,
            0,
            FAR,
            _sign(verifier.private_key, att_domain, "MemberAttestationRevocation", member_message),
        ]
        cancellation = {"verifier": verifier.address, "below": 5, "deadline": FAR}
        self.cancel_sig_args = [
            verifier.address,
            5,
            FAR,
            _sign(verifier.private_key, att_domain, "NonceCancellation", cancellation),
        ]
        self.pauser_account = pauser

    def simulate(
        self, contract: Any, name: str, args: list[Any], caller: str, row: Row
    ) -> str | None:
        """None if the call succeeds on the pending block, else its revert reason."""
        call = {
            "from": caller,
            "to": contract.address,
            "data": getattr(contract, name).encode_input(*args),
            "value": row.value,
        }
        if row.gas is not None:
            call["gas"] = row.gas
        try:
            self.chain.provider.web3.eth.call(call, "pending")
        except TransactionFailed as error:
            return str(error.args[0] if error.args else error).removeprefix("execution reverted: ")
        return None


# ---------------------------------------------------------------------- tests

MATRICES = {
    "ReportRegistry": ("registry", REGISTRY_ROWS),
    "AttestationRegistry": ("att", ATTESTATION_ROWS),
    "GovernanceTimelock": ("timelock", TIMELOCK_ROWS),
}
CELLS: dict[str, int] = {}


@pytest.fixture
def world(project: Any, accounts: Any, chain: Any) -> World:
    return World(project, accounts, chain)


@pytest.mark.parametrize("name", list(MATRICES))
def test_every_state_changing_function_has_a_row(project: Any, name: str) -> None:
    """A new function must be classified; a row for a removed function is stale."""
    abi_functions = {
        abi.name
        for abi in getattr(project, name).contract_type.abi
        if abi.type == "function" and abi.stateMutability in ("nonpayable", "payable")
    }
    rows = set(MATRICES[name][1])
    assert not abi_functions - rows, (
        f"{name}: no access-matrix row for {sorted(abi_functions - rows)}"
    )
    assert not rows - abi_functions, (
        f"{name}: rows for functions not in the ABI: {sorted(rows - abi_functions)}"
    )


def test_access_matrix(world: World, chain: Any, request: pytest.FixtureRequest) -> None:
    """Every function x role x paused/not: allowed calls succeed, denied ones
    revert with the row's reason."""
    failures: list[str] = []
    cells = 0
    for paused in (False, True):
        if paused:
            world.registry.pause(sender=world.pauser_account)
        for contract_name, (attribute, rows) in MATRICES.items():
            contract = getattr(world, attribute)
            functions = state_changing(contract)
            assert functions == set(rows), f"{contract_name}: rows and ABI differ"
            for function in sorted(functions):
                row = rows[function]
                for role in ROLES:
                    caller = world.callers[role]
                    want = expected(row, role, paused)
                    got = world.simulate(contract, function, row.args(world, caller), caller, row)
                    cells += 1
                    CELLS[contract_name] = CELLS.get(contract_name, 0) + 1
                    if got != want:
                        failures.append(
                            f"{contract_name}.{function} by {role} "
                            f"({'paused' if paused else 'not paused'}): "
                            f"expected {want or 'allowed'}, got {got or 'allowed'}"
                        )
    summary = {
        "cells": cells,
        "per_contract": CELLS,
        "roles": list(ROLES),
        "functions": {name: len(rows) for name, (_, rows) in MATRICES.items()},
        "failures": len(failures),
    }
    COUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    COUNTS_FILE.write_text(json.dumps(summary, indent=2) + "\n")
    _SUMMARY.append(
        f"access matrix: {cells} cells ({', '.join(f'{k} {v}' for k, v in CELLS.items())}; "
        f"{len(ROLES)} roles x paused/not), {len(failures)} mismatches"
    )
    _register_summary(request)
    assert not failures, "\n".join(failures)


_SUMMARY: list[str] = []


class _Summary:
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if _SUMMARY:
            terminalreporter.section("access-control matrix")
            for line in _SUMMARY:
                terminalreporter.write_line(line)


def _register_summary(request: pytest.FixtureRequest) -> None:
    manager = request.config.pluginmanager
    if manager.get_plugin("bci-access-matrix-summary") is None:
        manager.register(_Summary(), "bci-access-matrix-summary")
