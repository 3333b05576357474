"""Stateful property tests over both registries, checked step by step against a model.

A hypothesis `RuleBasedStateMachine` drives random sequences of every
state-changing action of `ReportRegistry` and `AttestationRegistry` —
onboard and update organisations, submit, approve (on chain and by
signatures), anchor, anchor corrections, revoke (by signatures and for
cause), suspend and reinstate, pause and unpause, accredit, extend and
suspend verifiers (also for cause), attest and revoke attestations (directly
and by signature), cancel nonces (directly and by signature), and time
travel — by random actors: the organisation's own signers and submitters,
other organisations' members, verifiers, governance, the pauser, strangers.
Signature blobs are mostly valid, sometimes tampered (wrong key, stale
signer-set version, other organisation, expired, unsorted, trailing byte,
wrong predecessor, empty).

After every action the Python model (`model.py`) must agree with the chain:
success or failure, the exact revert reason, and the views it touched
(`customs_view`, which embeds `report_status`; `organisation`; `verifier`).
Invariants checked independently of the model, from what the chain shows:

- an anchored report never returns to pending (allowed state transitions only);
- another organisation never changes a report's state;
- approvals never exceed the signers of the set they were gathered under;
- an attestation is made only on a report that was anchored at that moment;
- a revoked attestation never becomes valid again;
- attestations at or after a for-cause cut-off are never valid;
- trust-reducing actions are never refused for the pause;
- the state rebuilt from the event log (`bci_registry.audit.rebuild`) equals
  the views, at the end of every example;
- `customs_view` (including `accepted`) agrees with the model.

Size: `make test` runs a small campaign; `HYPOTHESIS_PROFILE=fuzz` (`make
fuzz`) runs batches until at least 10,000 steps. `BCI_STATEFUL_EXAMPLES`,
`BCI_STATEFUL_STEPS` and `BCI_STATEFUL_MIN_STEPS` override the sizes. The
counts are printed in the session summary and written to
`.devnet/stateful-counts.json`. Each example starts from a chain snapshot
(restored at its end), so examples are independent and cheap.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections import Counter, namedtuple
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from ape.exceptions import ContractLogicError
from ape.logging import logger
from eth_abi import decode, encode
from eth_keys import keys
from eth_tester.exceptions import TransactionFailed
from eth_utils import keccak, to_checksum_address
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    rule,
    run_state_machine_as_test,
)
from model import (
    ANCHORED,
    MASK32,
    MASK40,
    NONCE_WINDOW,
    PENDING,
    REVOKED,
    SUPERSEDED,
    ZERO32,
    Entry,
    Model,
    Revert,
)

from bci_registry.attestations import AttestationDomain
from bci_registry.audit import LoggedEvent, rebuild
from bci_registry.eip712 import Domain, digest, type_hash

ROOT = Path(__file__).resolve().parents[2]
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
FUZZ = PROFILE == "fuzz"
EXAMPLES = int(os.environ.get("BCI_STATEFUL_EXAMPLES") or (200 if FUZZ else 10))
STEPS = int(os.environ.get("BCI_STATEFUL_STEPS") or (60 if FUZZ else 40))
MIN_STEPS = int(os.environ.get("BCI_STATEFUL_MIN_STEPS") or (10_000 if FUZZ else 0))
SHRINK = os.environ.get("BCI_STATEFUL_SHRINK") == "1"
COUNTS_FILE = ROOT / ".devnet" / "stateful-counts.json"

DAY = 86_400
YEAR = 365 * DAY
HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0
CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

ORG_IDS = [keccak(text=f"stateful:org:{name}") for name in "ABC"]
ROOTS = [keccak(text=f"stateful:report:{i}") for i in range(5)]
EVIDENCE = [keccak(text=f"stateful:evidence:{i}") for i in range(3)]
VERIFIER_IDS = [keccak(text=f"stateful:verifier:{i}") for i in range(3)]
ALLOWED_TRANSITIONS = {
    (0, PENDING),
    (0, ANCHORED),
    (PENDING, ANCHORED),
    (PENDING, REVOKED),
    (ANCHORED, SUPERSEDED),
    (ANCHORED, REVOKED),
    (SUPERSEDED, REVOKED),
}
#: Actions that only reduce trust: never refused because of the pause.
TRUST_REDUCING = {
    "revoke",
    "revoke_for_cause",
    "suspend_organisation",
    "suspend_verifier",
    "suspend_verifier_for_cause",
    "revoke_attestation",
    "revoke_attestation_by_signature",
    "cancel_nonces",
    "cancel_nonces_by_signature",
}
ROLES = ["gov", "pauser", "submitter", "signer", "other_member", "verifier", "stranger"]
TAMPERS = ["none"] * 10 + [
    "wrong_key",
    "stale_version",
    "other_org",
    "expired",
    "unsorted",
    "trailing",
    "wrong_predecessor",
    "empty",
    "deadline_now",
]

#: Totals over the session (printed in the summary, written to COUNTS_FILE).
COUNTS: Counter[str] = Counter()
OUTCOMES: Counter[str] = Counter()
REASONS: Counter[str] = Counter()


# ------------------------------------------------------------------- signing

_WORD_TYPES = {
    "Approval": ("address", "bytes32", "bytes32", "bytes32", "uint32", "uint64"),
    "Revocation": ("address", "bytes32", "bytes32", "uint16", "uint32", "uint64"),
    "Attestation": (
        "address",
        "bytes32",
        "bytes32",
        "uint8",
        "uint16",
        "bytes32",
        "uint64",
        "uint64",
        "uint64",
        "uint64",
    ),
    "AttestationRevocation": (
        "address",
        "bytes32",
        "bytes32",
        "uint64",
        "uint16",
        "uint64",
        "uint64",
    ),
    "NonceCancellation": ("address", "uint64", "uint64"),
}


def _struct_hash(message: tuple) -> bytes:
    kind, values = message[0], list(message[1:])
    if kind == "OrganisationUpdate":
        signer, org, signers, threshold, submitters, version, deadline = values
        return keccak(
            encode(
                [
                    "bytes32",
                    "address",
                    "bytes32",
                    "bytes32",
                    "uint8",
                    "bytes32",
                    "uint32",
                    "uint64",
                ],
                [
                    type_hash(kind),
                    signer,
                    org,
                    keccak(b"".join(encode(["address"], [a]) for a in signers)),
                    threshold,
                    keccak(b"".join(encode(["address"], [a]) for a in submitters)),
                    version,
                    deadline,
                ],
            )
        )
    return keccak(encode(["bytes32", *_WORD_TYPES[kind]], [type_hash(kind), *values]))


DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"


def _domain_separator(name: str, contract: str, chain_id: int) -> bytes:
    return keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                keccak(text=DOMAIN_TYPE),
                keccak(text=name),
                keccak(text="1"),
                chain_id,
                contract,
            ],
        )
    )


def _python_message(message: tuple) -> dict[str, Any]:
    """The same message as `bci_registry.eip712` takes it (for the cross-check)."""
    from bci_registry.eip712 import TYPES

    values = [list(v) if isinstance(v, tuple) else v for v in message[1:]]
    return dict(zip([name for name, _ in TYPES[message[0]]], values, strict=True))


class Signer:
    """Signs model messages as the contracts check them (fast: no typed-data JSON)."""

    def __init__(self, registry: Any, attestations: Any, chain_id: int, keys_by_address: dict):
        self.keys = keys_by_address
        self.separators = {
            "registry": _domain_separator("BCI Report Registry", registry.address, chain_id),
            "attestations": _domain_separator(
                "BCI Attestation Registry", attestations.address, chain_id
            ),
        }
        self.domains = {
            "registry": Domain(chain_id=chain_id, verifying_contract=registry.address),
            "attestations": AttestationDomain(
                chain_id=chain_id, verifying_contract=attestations.address
            ),
        }

    @staticmethod
    def _where(message: tuple) -> str:
        kind = message[0]
        return (
            "attestations"
            if kind in _WORD_TYPES and kind not in ("Approval", "Revocation")
            else "registry"
        )

    def digest(self, message: tuple) -> bytes:
        return keccak(b"\x19\x01" + self.separators[self._where(message)] + _struct_hash(message))

    def check_against_python(self, message: tuple) -> None:
        """Our digest equals the project's EIP-712 code (which the contracts are tested against)."""
        where = self._where(message)
        assert self.digest(message) == digest(
            self.domains[where], message[0], _python_message(message)
        ), message[0]

    def compact(self, key_address: str, message: tuple) -> bytes:
        signature = keys.PrivateKey(self.keys[key_address]).sign_msg_hash(self.digest(message))
        r, s, v = signature.r, signature.s, signature.v
        if s > HALF_ORDER:  # keep the canonical low-s form
            s, v = CURVE_ORDER - s, v ^ 1
        return r.to_bytes(32, "big") + ((v << 255) | s).to_bytes(32, "big")


# --------------------------------------------------------------- environment


class Env:
    """Contracts, accounts and the baseline (model + chain snapshot) of the campaign."""

    def __init__(self, project: Any, accounts: Any, chain: Any) -> None:
        self.chain = chain
        self.gov, self.pauser = accounts[0], accounts[1]
        self.submitters = [accounts[2], accounts[3]]
        funded = []
        for _ in range(4):
            account = accounts.generate_test_account()
            self.gov.transfer(account, 10**20)
            funded.append(account)
        self.signer_pool = [accounts[i] for i in range(4, 9)] + [funded[0]]
        self.stranger = accounts[9]
        self.verifiers = funded[1:4]
        self.registry = self.gov.deploy(project.ReportRegistry, self.gov, self.gov, self.pauser)
        self.first_block = chain.blocks.height
        self.attestations = self.gov.deploy(project.AttestationRegistry, self.registry)
        everyone = [
            self.gov,
            self.pauser,
            *self.submitters,
            *self.signer_pool,
            self.stranger,
            *self.verifiers,
        ]
        self.by_address = {a.address: a for a in everyone}
        self.signer = Signer(
            self.registry,
            self.attestations,
            chain.chain_id,
            {a.address: bytes.fromhex(str(a.private_key).removeprefix("0x")) for a in everyone},
        )
        self.model = Model(governance={self.gov.address}, pausers={self.pauser.address})
        # Baseline: organisations A (2-of-3) and B (1-of-2); verifiers 0 and 1
        # accredited for a year (1 for fields 0-5 only); verifier 2 unknown.
        s = [a.address for a in self.signer_pool]
        baseline = [
            (ORG_IDS[0], s[:3], 2, [self.submitters[0].address]),
            (ORG_IDS[1], s[3:5], 1, [self.submitters[1].address]),
        ]
        for org, signers, threshold, submitters in baseline:
            self.registry.register_organisation(
                org, signers, threshold, submitters, sender=self.gov
            )
            self.model.register_organisation(self.gov.address, org, signers, threshold, submitters)
        for verifier, verifier_id, scope in (
            (self.verifiers[0], VERIFIER_IDS[0], 0xFFF),
            (self.verifiers[1], VERIFIER_IDS[1], 0x03F),
        ):
            now = chain.pending_timestamp
            self.attestations.accredit_verifier(
                verifier, verifier_id, scope, now - 1, now + YEAR, sender=self.gov
            )
            self.model.accredit_verifier(
                now, self.gov.address, verifier.address, verifier_id, scope, now - 1, now + YEAR
            )
        # Reports to work on from the first step: R0 anchored by A and by B (one
        # root, two reports), R1 anchored by A, R2 pending at A; verifier 0's
        # pass on A's R0.
        for org, root in ((ORG_IDS[0], ROOTS[0]), (ORG_IDS[1], ROOTS[0]), (ORG_IDS[0], ROOTS[1])):
            record = self.model.orgs[org]
            deadline = chain.pending_timestamp + YEAR
            entries, blob = [], b""
            for slot in range(1, record.threshold + 1):
                signer = record.signers[slot - 1]
                message = Model.approval_message(
                    signer, org, root, ZERO32, record.version, deadline
                )
                entries.append(Entry(slot, signer, message))
                blob += bytes([slot]) + self.signer.compact(signer, message)
            now, block = _now_and_block(chain)
            self.model.anchor(now, block, org, root, ZERO32, deadline, entries, False)
            self.registry.anchor(org, root, deadline, blob, sender=self.stranger)
        self.registry.submit(ORG_IDS[0], ROOTS[2], ZERO32, sender=self.submitters[0])
        self.model.submit(self.submitters[0].address, ORG_IDS[0], ROOTS[2], ZERO32)
        now = chain.pending_timestamp
        terms = (ORG_IDS[0], ROOTS[0], 1, 0xFFF, EVIDENCE[0], now - DAY, now + 90 * DAY)
        self.attestations.attest(*terms, sender=self.verifiers[0])
        self.model.attest(now, self.verifiers[0].address, *terms[:4], *terms[5:], terms[4])
        # Our fast digests equal the project's EIP-712 code for every type.
        a = s[0]
        for message in (
            Model.approval_message(a, ORG_IDS[0], ROOTS[0], ROOTS[1], 1, 99),
            Model.revocation_message(a, ORG_IDS[0], ROOTS[0], 3, 1, 99),
            Model.update_message(a, ORG_IDS[0], s[:2], 1, s[2:3], 1, 99),
            ("Attestation", a, ORG_IDS[0], ROOTS[0], 1, 5, EVIDENCE[0], 7, 8, 9, 99),
            ("AttestationRevocation", a, ORG_IDS[0], ROOTS[0], 7, 2, 9, 99),
            ("NonceCancellation", a, 7, 99),
        ):
            self.signer.check_against_python(message)


ENV: Env | None = None


def _abi_type(param: Any) -> str:
    kind = str(param.type)
    if kind.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in param.components) + ")" + kind[5:]
    return kind


_RECORDS: dict[tuple[str, ...], Any] = {}


def _wrap(param: Any, value: Any) -> Any:
    """eth-abi output as attribute-access records, checksummed addresses."""
    kind = str(param.type)
    if kind.startswith("tuple"):
        if kind.endswith("[]"):
            inner = param.model_copy(update={"type": kind[:-2]})
            return [_wrap(inner, v) for v in value]
        names = tuple(c.name for c in param.components)
        record = _RECORDS.setdefault(names, namedtuple("Record", names))  # type: ignore[misc]
        return record(*(_wrap(c, v) for c, v in zip(param.components, value, strict=True)))
    if kind == "address":
        return to_checksum_address(value)
    if kind == "address[]":
        return [to_checksum_address(v) for v in value]
    return value


class FastViews:
    """View calls by raw `eth_call` + eth-abi (Ape's decoding of these structs
    costs ~50 ms a call; this ~10 ms)."""

    def __init__(self, contract: Any, chain: Any) -> None:
        self.contract, self.web3 = contract, chain.provider.web3
        self.abis = {m.name: m for m in contract.contract_type.view_methods}

    def __getattr__(self, name: str) -> Callable[..., Any]:
        abi = self.abis[name]

        def call(*args: Any) -> Any:
            data = getattr(self.contract, name).encode_input(*args)
            out = self.web3.eth.call({"to": self.contract.address, "data": data}, "latest")
            values = decode([_abi_type(o) for o in abi.outputs], out)
            return _wrap(abi.outputs[0], values[0])

        return call


def _now_and_block(chain: Any) -> tuple[int, int]:
    return chain.pending_timestamp, chain.blocks.height + 1


# ------------------------------------------------------------- state machine


class RegistriesMachine(RuleBasedStateMachine):
    """Both registries against the model. `ENV` is set by the test."""

    def __init__(self) -> None:
        super().__init__()
        assert ENV is not None
        self.env = ENV
        self.chain = ENV.chain
        self.registry, self.att = ENV.registry, ENV.attestations
        self.registry_views = FastViews(ENV.registry, ENV.chain)
        self.att_views = FastViews(ENV.attestations, ENV.chain)
        self.model: Model = copy.deepcopy(ENV.model)
        self.snapshot = self.chain.snapshot()
        #: last state seen on chain per report, for the transition invariant
        self.seen: dict[tuple[bytes, bytes], int] = {
            k: r.state for k, r in self.model.reports.items()
        }
        #: (org, root, verifier) -> the latest verified_at that was revoked
        self.revoked_verification: dict[tuple[bytes, bytes, str], int] = {}
        #: verifier -> for-cause cut-off seen succeed
        self.cutoffs: dict[str, int] = {}
        self.steps = 0
        COUNTS["examples"] += 1

    def teardown(self) -> None:
        try:
            if self.steps:
                self._full_sweep()
        finally:
            self.chain.restore(self.snapshot)

    # ------------------------------------------------------ helpers

    def _account(self, role: str, pick: int, org: bytes | None = None) -> Any:
        env, model = self.env, self.model
        record = model.orgs.get(org) if org is not None else None
        if role == "gov":
            return env.gov
        if role == "pauser":
            return env.pauser
        if role == "verifier":
            return env.verifiers[pick % len(env.verifiers)]
        if role == "submitter" and record and record.submitters:
            return env.by_address[record.submitters[pick % len(record.submitters)]]
        if role == "signer" and record and record.signers:
            return env.by_address[record.signers[pick % len(record.signers)]]
        if role in ("other_member", "submitter", "signer"):
            mine = set(record.signers + record.submitters) if record else set()
            others = sorted(
                {
                    a
                    for o, r in model.orgs.items()
                    if o != org
                    for a in r.signers + r.submitters
                    if a not in mine
                }
            )
            if others:
                return env.by_address[others[pick % len(others)]]
        return env.stranger

    def _draw_actor(self, data: Any, org: bytes | None, preferred: str) -> Any:
        role = data.draw(st.sampled_from([preferred] * 3 * len(ROLES) + ROLES), label="role")
        return self._account(role, data.draw(st.integers(0, 15), label="pick"), org)

    def _draw_report(self, data: Any, prefer: Sequence[int] = ()) -> tuple[bytes, bytes]:
        """A report key: mostly one in a preferred state, else any org x root."""
        candidates = sorted(k for k, r in self.model.reports.items() if r.state in prefer)
        if candidates and data.draw(st.integers(0, 9), label="prefer") < 8:
            return data.draw(st.sampled_from(candidates), label="report")
        return (
            data.draw(st.sampled_from(ORG_IDS[:2] * 2 + ORG_IDS), label="org"),
            data.draw(st.sampled_from(ROOTS), label="root"),
        )

    def _blob(
        self,
        data: Any,
        org: bytes,
        message_for: Callable[[str, dict[str, Any]], tuple],
        deadline_now: int,
    ) -> tuple[list[Entry], bytes, int, bool, str]:
        """Draw a signature blob for `message_for(signer, overrides)`.
        Returns (model entries, blob bytes, deadline, trailing byte, tamper)."""
        record = self.model.orgs.get(org)
        signers = record.signers if record else [a.address for a in self.env.signer_pool[:3]]
        threshold = record.threshold if record else 1
        tamper = data.draw(st.sampled_from(TAMPERS), label="tamper")
        mode = data.draw(
            st.sampled_from(["threshold"] * 4 + ["random", "all", "one"]), label="mode"
        )
        n = len(signers)
        if mode == "threshold":
            slots = sorted(data.draw(st.permutations(range(1, n + 1)))[:threshold])
        elif mode == "all":
            slots = list(range(1, n + 1))
        elif mode == "one":
            slots = [data.draw(st.integers(0, n + 1), label="slot")]
        else:
            slots = sorted(set(data.draw(st.lists(st.integers(1, n), max_size=n), label="slots")))
        if tamper == "empty":
            slots = []
        if tamper == "unsorted" and len(slots) >= 2:
            slots = slots[::-1]
        deadline = deadline_now + 3600
        if tamper == "expired":
            deadline = deadline_now - 1
        elif tamper == "deadline_now":
            deadline = deadline_now
        overrides: dict[str, Any] = {"deadline": deadline}
        if tamper == "stale_version" and record:
            overrides["version"] = record.version - 1
        if tamper == "other_org":
            overrides["org"] = next(o for o in ORG_IDS if o != org)
        if tamper == "wrong_predecessor":
            overrides["supersedes"] = ROOTS[data.draw(st.integers(0, len(ROOTS) - 1))]
        entries, blob = [], b""
        for position, slot in enumerate(slots):
            signer = signers[slot - 1] if 1 <= slot <= n else self.env.stranger.address
            key = signer
            if tamper == "wrong_key" and position == len(slots) - 1:
                key = (
                    self.env.stranger.address
                    if signer != self.env.stranger.address
                    else self.env.gov.address
                )
            message = message_for(signer, overrides)
            entries.append(Entry(slot, key, message))
            blob += bytes([slot]) + self.env.signer.compact(key, message)
        trailing = tamper == "trailing"
        if trailing:
            blob += b"\x01"
        return entries, blob, deadline, trailing, tamper

    def _execute(
        self,
        name: str,
        predict: Callable[[int, int], Any],
        call: tuple[Any, str, list[Any], Any],
        org: bytes | None = None,
        reports: Sequence[tuple[bytes, bytes]] = (),
        orgs: Sequence[bytes] = (),
        verifiers: Sequence[str] = (),
    ) -> bool:
        """Predict with the model, run on chain, compare, check what was touched.

        The call is first simulated on the pending block (same timestamp and
        number as the transaction would get): a refusal is read from there,
        which is ~40x cheaper than Ape's failed-transaction path; an accepted
        call is then sent as a transaction through Ape."""
        now, block = _now_and_block(self.chain)
        before = {k: r.state for k, r in self.model.reports.items()}
        states_before = {k: self.seen.get(k, 0) for k in reports}
        expected: str | None = None
        try:
            predict(now, block)
        except Revert as refusal:
            expected = refusal.reason
        contract, method, args, sender = call
        args = [getattr(a, "address", a) for a in args]
        actual: str | None = None
        receipt = None
        try:
            self.chain.provider.web3.eth.call(
                {
                    "from": sender.address,
                    "to": contract.address,
                    "data": getattr(contract, method).encode_input(*args),
                },
                "pending",
            )
        except TransactionFailed as error:
            actual = str(error.args[0] if error.args else error).removeprefix(
                "execution reverted: "
            )
        else:
            try:
                with logger.disabled():
                    receipt = getattr(contract, method)(*args, sender=sender)
            except ContractLogicError as error:
                actual = f"(simulation passed, transaction reverted) {error.revert_message}"
        self.steps += 1
        COUNTS["steps"] += 1
        OUTCOMES[f"{name}:{'ok' if actual is None else 'revert'}"] += 1
        if actual is not None:
            REASONS[actual] += 1
        if self.model.paused and actual is None and name in TRUST_REDUCING:
            OUTCOMES[f"{name}:ok-while-paused"] += 1
        context = f"{name}: expected {expected or 'success'}, chain said {actual or 'success'}"
        if name in TRUST_REDUCING:
            assert actual != "pausable: contract is paused", (
                f"trust-reducing {name} refused by the pause"
            )
        assert actual == expected, context
        if receipt is not None:
            assert (receipt.timestamp, receipt.block_number) == (now, block), (
                f"{name}: mined at ({receipt.timestamp}, {receipt.block_number}), "
                f"the model assumed ({now}, {block})"
            )
        # Another organisation never changes a report's state: a successful
        # action on `org` changes reports of `org` only.
        changed = {k for k, r in self.model.reports.items() if before.get(k) != r.state}
        if org is not None:
            assert all(k[0] == org for k in changed), (
                f"{name} on one organisation changed another's report"
            )
        else:
            assert not changed, f"{name} changed a report's state"
        if name in ("attest", "attest_by_signature") and actual is None:
            # Only anchored reports get attestations.
            assert states_before[reports[0]] == ANCHORED, "attested a report not anchored"
        touched = set(reports) | changed
        for key in list(touched):
            # The same root under every other organisation: untouched, still as modelled.
            touched |= {(o, key[1]) for o in ORG_IDS}
        for key in sorted(touched):
            self._check_report(key)
        for org_id in sorted(set(orgs) | ({org} if org else set())):
            self._check_organisation(org_id)
        for verifier in verifiers:
            self._check_verifier(verifier)
        return actual is None

    # ---------------------------------------------------- view checks

    def _check_report(self, key: tuple[bytes, bytes]) -> None:
        org, root = key
        view = self.att_views.customs_view(org, root)
        now = view.checked_at
        status = view.report
        model = self.model
        report = model.reports.get(key)
        org_record = model.orgs.get(org)
        expected_status = (
            report.state if report else 0,
            org,
            org_record.status if org_record else 0,
            report.approvals if report else 0,
            org_record.threshold if org_record else 0,
            report.approvers if report else 0,
            report.version if report else 0,
            report.anchored_at if report else 0,
            report.anchored_block if report else 0,
            report.supersedes if report else ZERO32,
            report.successor if report else ZERO32,
            report.reason if report else 0,
            model.paused,
        )
        actual_status = (
            status.state,
            bytes(status.organisation),
            status.organisation_status,
            status.approvals,
            status.threshold,
            status.approvers,
            status.signer_set_version,
            status.anchored_at,
            status.anchored_block,
            bytes(status.supersedes),
            bytes(status.superseded_by),
            status.revocation_reason,
            status.paused,
        )
        assert actual_status == expected_status, (
            f"report_status of {root.hex()[:8]}: {actual_status} != model {expected_status}"
        )
        # Transitions: an anchored report never returns to pending, etc.
        previous = self.seen.get(key, 0)
        if status.state != previous:
            assert (previous, status.state) in ALLOWED_TRANSITIONS, (previous, status.state)
            self.seen[key] = status.state
        # Approvals never exceed the signers of the set they were gathered under.
        if report:
            signers = model.signer_counts[(org, status.signer_set_version)]
            assert status.approvals <= signers
            assert status.approvers < 2**signers
            assert bin(status.approvers).count("1") == status.approvals
        entries = model.attestations.get(key, [])
        assert len(view.attestations) == len(entries)
        for entry, seen in zip(entries, view.attestations, strict=True):
            expired, invalidated, valid = model.attestation_flags(entry, now)
            verifier = model.verifiers[entry.verifier]
            assert (
                seen.verifier,
                seen.verifier_index,
                bytes(seen.verifier_id),
                seen.verdict,
                seen.fields,
                seen.verified_at,
                seen.expires_at,
                seen.attested_at,
                seen.revoked_at,
                seen.revocation_reason,
                seen.expired,
                seen.invalidated,
                seen.valid,
            ) == (
                entry.verifier,
                entry.index,
                verifier.verifier_id,
                entry.verdict,
                entry.fields,
                entry.verified_at,
                entry.expires_at,
                entry.attested_at,
                entry.revoked_at,
                entry.reason,
                expired,
                invalidated,
                valid,
            ), f"attestation of {root.hex()[:8]} by {entry.verifier}"
            # Independent of the model: a revoked verification never comes back,
            # and nothing at or after a for-cause cut-off is valid.
            if seen.valid:
                revoked = self.revoked_verification.get((org, root, seen.verifier))
                assert revoked is None or seen.verified_at > revoked, (
                    "a revoked attestation is valid again"
                )
                cutoff = self.cutoffs.get(seen.verifier)
                assert cutoff is None or seen.attested_at < cutoff, (
                    "valid after the for-cause cut-off"
                )
            if seen.revoked_at:
                key3 = (org, root, seen.verifier)
                self.revoked_verification[key3] = max(
                    self.revoked_verification.get(key3, 0), seen.verified_at
                )
        assert view.accepted == model.accepted(org, root, now), f"accepted of {root.hex()[:8]}"

    def _check_organisation(self, org: bytes) -> None:
        view = self.registry_views.organisation(org)
        record = self.model.orgs.get(org)
        expected = (
            (
                record.status,
                record.index,
                record.signers,
                record.threshold,
                record.submitters,
                record.version,
            )
            if record
            else (0, 0, [], 0, [], 0)
        )
        actual = (
            view.status,
            view.index,
            [str(a) for a in view.signers],
            view.threshold,
            [str(a) for a in view.submitters],
            view.signer_set_version,
        )
        assert actual == expected, f"organisation {org.hex()[:8]}"

    def _check_verifier(self, verifier: str) -> None:
        view = self.att_views.verifier(verifier)
        now = self.chain.blocks.head.timestamp
        record = self.model.verifiers.get(verifier)
        expected = (
            (
                self.model.verifier_status(verifier, now),
                record.verifier_id,
                record.index,
                record.scope,
                record.valid_from,
                record.valid_until,
                record.since if record.for_cause else 0,
                record.nonce_base,
                record.used,
            )
            if record
            else (0, ZERO32, 0, 0, 0, 0, 0, 0, 0)
        )
        actual = (
            view.status,
            bytes(view.verifier_id),
            view.index,
            view.scope,
            view.valid_from,
            view.valid_until,
            view.invalid_since,
            view.nonce_base,
            view.used_nonces,
        )
        assert actual == expected, f"verifier {verifier}: {actual} != model {expected}"

    def _full_sweep(self) -> None:
        """End of an example: every view, then the event log replayed."""
        for org in ORG_IDS:
            self._check_organisation(org)
            for root in ROOTS:
                self._check_report((org, root))
        for verifier in self.env.verifiers:
            self._check_verifier(verifier.address)
        assert self.registry_views.paused() == self.model.paused
        assert self.att_views.verifier_count() == self.model.verifier_count
        assert self.registry_views.organisation_count() == self.model.org_count
        self._check_audit()
        COUNTS["sweeps"] += 1

    def _events(self) -> list[LoggedEvent]:
        """Every event of both registries, decoded by Ape, from one `eth_getLogs`
        (Ape's per-event `range` queries cost ~0.5 s each here)."""
        logs = self.chain.provider.web3.eth.get_logs(
            {
                "address": [self.registry.address, self.att.address],
                "fromBlock": self.env.first_block,
                "toBlock": "latest",
            }
        )
        abis = [*self.registry.contract_type.events, *self.att.contract_type.events]
        decoded = list(
            self.chain.provider.network.ecosystem.decode_logs([dict(log) for log in logs], *abis)
        )
        assert len(decoded) == len(logs), "an event the ABIs do not know"
        times: dict[int, int] = {}
        events = []
        for log in decoded:
            if log.block_number not in times:
                times[log.block_number] = self.chain.blocks[log.block_number].timestamp
            events.append(
                LoggedEvent(
                    name=log.event_name,
                    args=dict(log.event_arguments),
                    block_number=log.block_number,
                    log_index=log.log_index,
                    block_timestamp=times[log.block_number],
                )
            )
        return events

    def _check_audit(self) -> None:
        """The state rebuilt from the events equals the views (checked equal to the model)."""
        events = self._events()
        state = rebuild(events)
        model = self.model
        assert state.paused == model.paused
        assert {
            o: (r.status, r.index, r.signers, r.threshold, r.submitters, r.signer_set_version)
            for o, r in state.organisations.items()
        } == {
            o: (r.status, r.index, r.signers, r.threshold, r.submitters, r.version)
            for o, r in model.orgs.items()
        }, "organisations rebuilt from events"
        assert {
            k: (
                r.state,
                r.approvers,
                r.approvals,
                r.signer_set_version,
                r.anchored_at,
                r.anchored_block,
                r.supersedes,
                r.superseded_by,
                r.revocation_reason,
            )
            for k, r in state.reports.items()
        } == {
            k: (
                r.state,
                r.approvers,
                r.approvals,
                r.version,
                r.anchored_at,
                r.anchored_block,
                r.supersedes,
                r.successor,
                r.reason,
            )
            for k, r in model.reports.items()
        }, "reports rebuilt from events"
        assert {
            v: (
                r.verifier_id,
                r.index,
                r.scope,
                r.valid_from,
                r.valid_until,
                r.suspended,
                r.for_cause,
                r.invalid_since,
                r.nonce_base,
                sum(1 << (n - r.nonce_base) for n in r.used_nonces),
            )
            for v, r in state.verifiers.items()
        } == {
            v: (
                r.verifier_id,
                r.index,
                r.scope,
                r.valid_from,
                r.valid_until,
                r.suspended,
                r.for_cause,
                r.since,
                r.nonce_base,
                r.used,
            )
            for v, r in model.verifiers.items()
        }, "verifiers rebuilt from events"
        assert {
            k: (
                r.verifier_id,
                r.verdict,
                r.fields,
                r.evidence,
                r.verified_at,
                r.expires_at,
                r.attested_at,
                r.revoked_at,
                r.revocation_reason,
            )
            for k, r in state.attestations.items()
        } == {
            (org, root, e.verifier): (
                model.verifiers[e.verifier].verifier_id,
                e.verdict,
                e.fields,
                e.evidence,
                e.verified_at,
                e.expires_at,
                e.attested_at,
                e.revoked_at,
                e.reason,
            )
            for (org, root), entries in model.attestations.items()
            for e in entries
        }, "attestations rebuilt from events"

    # ------------------------------------------------ report registry rules

    @rule(data=st.data())
    def register_organisation(self, data: Any) -> None:
        org = data.draw(st.sampled_from(ORG_IDS), label="org")
        sender = self._draw_actor(data, org, "gov")
        pool = [a.address for a in self.env.signer_pool]
        signers = data.draw(
            st.lists(st.sampled_from(pool), min_size=1, max_size=4), label="signers"
        )
        threshold = data.draw(st.integers(0, len(signers) + 1), label="threshold")
        submitters = data.draw(
            st.lists(
                st.sampled_from([a.address for a in self.env.submitters] + pool[:1]), max_size=2
            ),
            label="submitters",
        )
        self._execute(
            "register_organisation",
            lambda now, block: self.model.register_organisation(
                sender.address, org, signers, threshold, submitters
            ),
            (self.registry, "register_organisation", [org, signers, threshold, submitters], sender),
            org=org,
        )

    @rule(data=st.data())
    def update_organisation(self, data: Any) -> None:
        org = data.draw(st.sampled_from(ORG_IDS), label="org")
        sender = self._draw_actor(data, org, "stranger")
        pool = [a.address for a in self.env.signer_pool]
        signers = data.draw(
            st.lists(st.sampled_from(pool), min_size=1, max_size=4), label="signers"
        )
        threshold = data.draw(st.integers(1, len(signers)) | st.just(0), label="threshold")
        submitters = data.draw(
            st.lists(
                st.sampled_from([a.address for a in self.env.submitters] + pool[:1]), max_size=2
            ),
            label="submitters",
        )
        record = self.model.orgs.get(org)
        version = record.version if record else 1
        now = self.chain.pending_timestamp

        def message(signer: str, o: dict[str, Any]) -> tuple:
            return Model.update_message(
                signer,
                o.get("org", org),
                signers,
                threshold,
                submitters,
                o.get("version", version),
                o["deadline"],
            )

        entries, blob, deadline, trailing, _ = self._blob(data, org, message, now)
        if trailing:
            return  # no trailing-byte variant here (covered by the report paths)
        self._execute(
            "update_organisation",
            lambda now, block: self.model.update_organisation(
                now, org, signers, threshold, submitters, deadline, entries
            ),
            (
                self.registry,
                "update_organisation",
                [org, signers, threshold, submitters, deadline, blob],
                sender,
            ),
            org=org,
            reports=[(org, r) for r in ROOTS if (org, r) in self.model.reports][:2],
        )

    @rule(data=st.data())
    def suspend_or_reinstate_organisation(self, data: Any) -> None:
        org = data.draw(st.sampled_from(ORG_IDS), label="org")
        sender = self._draw_actor(data, org, "gov")
        record = self.model.orgs.get(org)
        suspended = record is not None and record.status == 2
        # Mostly reinstate a suspended organisation, seldom suspend an active one.
        if data.draw(st.integers(0, 9), label="suspend") < (1 if suspended else 3):
            self._execute(
                "suspend_organisation",
                lambda now, block: self.model.suspend_organisation(sender.address, org),
                (self.registry, "suspend_organisation", [org], sender),
                org=org,
            )
        else:
            self._execute(
                "reinstate_organisation",
                lambda now, block: self.model.reinstate_organisation(sender.address, org),
                (self.registry, "reinstate_organisation", [org], sender),
                org=org,
            )

    @rule(data=st.data())
    def submit(self, data: Any) -> None:
        org, root = self._draw_report(data)
        sender = self._draw_actor(data, org, "submitter")
        anchored = sorted(
            r for (o, r), rec in self.model.reports.items() if o == org and rec.state == ANCHORED
        )
        supersedes = data.draw(
            st.sampled_from([ZERO32, ZERO32, *anchored, *ROOTS[:2]]), label="supersedes"
        )
        self._execute(
            "submit",
            lambda now, block: self.model.submit(sender.address, org, root, supersedes),
            (self.registry, "submit", [org, root, supersedes], sender),
            org=org,
            reports=[(org, root)],
        )

    @rule(data=st.data())
    def approve(self, data: Any) -> None:
        org, root = self._draw_report(data, prefer=[PENDING])
        sender = self._draw_actor(data, org, "signer")
        report = self.model.reports.get((org, root))
        stored = report.supersedes if report else ZERO32
        supersedes = data.draw(
            st.sampled_from([stored] * 6 + [ZERO32, ROOTS[0]]), label="supersedes"
        )
        self._execute(
            "approve",
            lambda now, block: self.model.approve(
                now, block, sender.address, org, root, supersedes
            ),
            (self.registry, "approve", [org, root, supersedes], sender),
            org=org,
            reports=[(org, root)],
        )

    @rule(data=st.data())
    def approve_with_signatures(self, data: Any) -> None:
        org, root = self._draw_report(data, prefer=[PENDING])
        sender = self._draw_actor(data, org, "stranger")
        report = self.model.reports.get((org, root))
        record = self.model.orgs.get(org)
        stored = report.supersedes if report else ZERO32
        version = record.version if record else 1
        now = self.chain.pending_timestamp

        def message(signer: str, o: dict[str, Any]) -> tuple:
            return Model.approval_message(
                signer,
                o.get("org", org),
                root,
                o.get("supersedes", stored),
                o.get("version", version),
                o["deadline"],
            )

        entries, blob, deadline, trailing, _ = self._blob(data, org, message, now)
        self._execute(
            "approve_with_signatures",
            lambda now, block: self.model.approve_with_signatures(
                now, block, org, root, deadline, entries, trailing
            ),
            (self.registry, "approve_with_signatures", [org, root, deadline, blob], sender),
            org=org,
            reports=[(org, root)],
        )

    @rule(data=st.data())
    def anchor(self, data: Any) -> None:
        correction = data.draw(st.booleans(), label="correction")
        org, root = self._draw_report(data)
        sender = self._draw_actor(data, org, "stranger")
        supersedes = ZERO32
        if correction:
            anchored = sorted(
                r
                for (o, r), rec in self.model.reports.items()
                if o == org and rec.state == ANCHORED
            )
            supersedes = data.draw(
                st.sampled_from([*anchored, *anchored, *ROOTS[:2], ZERO32]), label="supersedes"
            )
        record = self.model.orgs.get(org)
        version = record.version if record else 1
        now = self.chain.pending_timestamp

        def message(signer: str, o: dict[str, Any]) -> tuple:
            return Model.approval_message(
                signer,
                o.get("org", org),
                root,
                o.get("supersedes", supersedes),
                o.get("version", version),
                o["deadline"],
            )

        entries, blob, deadline, trailing, _ = self._blob(data, org, message, now)
        if trailing:
            return
        if correction:
            send = (
                self.registry,
                "anchor_correction",
                [org, root, supersedes, deadline, blob],
                sender,
            )
        else:
            send = (self.registry, "anchor", [org, root, deadline, blob], sender)
        self._execute(
            "anchor_correction" if correction else "anchor",
            lambda now, block: self.model.anchor(
                now, block, org, root, supersedes, deadline, entries, correction
            ),
            send,
            org=org,
            reports=[(org, root)] + ([(org, supersedes)] if supersedes != ZERO32 else []),
        )

    @rule(data=st.data())
    def revoke(self, data: Any) -> None:
        org, root = self._draw_report(data, prefer=[PENDING, ANCHORED])
        sender = self._draw_actor(data, org, "stranger")
        reason = data.draw(st.sampled_from([1, 2, 3, 0]), label="reason")
        record = self.model.orgs.get(org)
        version = record.version if record else 1
        now = self.chain.pending_timestamp

        def message(signer: str, o: dict[str, Any]) -> tuple:
            return Model.revocation_message(
                signer, o.get("org", org), root, reason, o.get("version", version), o["deadline"]
            )

        entries, blob, deadline, trailing, _ = self._blob(data, org, message, now)
        if trailing:
            return
        self._execute(
            "revoke",
            lambda now, block: self.model.revoke(now, org, root, reason, deadline, entries),
            (self.registry, "revoke", [org, root, reason, deadline, blob], sender),
            org=org,
            reports=[(org, root)],
        )

    @rule(data=st.data())
    def revoke_for_cause(self, data: Any) -> None:
        org, root = self._draw_report(data, prefer=[PENDING, ANCHORED, SUPERSEDED])
        sender = self._draw_actor(data, org, "gov")
        reason = data.draw(st.sampled_from([100, 101, 0]), label="reason")
        self._execute(
            "revoke_for_cause",
            lambda now, block: self.model.revoke_for_cause(sender.address, org, root, reason),
            (self.registry, "revoke_for_cause", [org, root, reason], sender),
            org=org,
            reports=[(org, root)],
        )

    @rule(data=st.data())
    def pause_or_unpause(self, data: Any) -> None:
        # Mostly lift a pause, seldom pause: a registry paused most of the time
        # would refuse most actions and test little else.
        pause = data.draw(st.integers(0, 9), label="pause") < (1 if self.model.paused else 3)
        preferred = data.draw(st.sampled_from(["pauser", "gov"])) if pause else "gov"
        sender = self._draw_actor(data, None, preferred)
        if pause:
            self._execute(
                "pause",
                lambda now, block: self.model.pause(sender.address),
                (self.registry, "pause", [], sender),
            )
        else:
            self._execute(
                "unpause",
                lambda now, block: self.model.unpause(sender.address),
                (self.registry, "unpause", [], sender),
            )
        assert self.registry_views.paused() == self.model.paused

    # ------------------------------------------- attestation registry rules

    def _draw_verifier(self, data: Any) -> Any:
        return data.draw(st.sampled_from(self.env.verifiers), label="verifier")

    @rule(data=st.data())
    def accredit_verifier(self, data: Any) -> None:
        verifier = self._draw_verifier(data)
        position = self.env.verifiers.index(verifier)
        sender = self._draw_actor(data, None, "gov")
        verifier_id = data.draw(
            st.sampled_from([VERIFIER_IDS[position]] * 4 + VERIFIER_IDS + [ZERO32]), label="id"
        )
        scope = data.draw(st.sampled_from([0xFFF, 0x03F, 0x001, 0, 0x1000]), label="scope")
        now = self.chain.pending_timestamp
        valid_from = now + data.draw(
            st.sampled_from([-1, -1, -DAY, 0, DAY, YEAR + 1]), label="from"
        )
        valid_until = data.draw(
            st.sampled_from(
                [now + YEAR, now + 2 * YEAR, now + DAY, now, now - 1, MASK40, MASK40 + 1]
            ),
            label="until",
        )
        self._execute(
            "accredit_verifier",
            lambda now, block: self.model.accredit_verifier(
                now, sender.address, verifier.address, verifier_id, scope, valid_from, valid_until
            ),
            (
                self.att,
                "accredit_verifier",
                [verifier, verifier_id, scope, valid_from, valid_until],
                sender,
            ),
            verifiers=[verifier.address],
        )

    @rule(data=st.data())
    def extend_accreditation(self, data: Any) -> None:
        verifier = self._draw_verifier(data)
        sender = self._draw_actor(data, None, "gov")
        record = self.model.verifiers.get(verifier.address)
        until = record.valid_until if record else self.chain.pending_timestamp
        valid_until = until + data.draw(st.sampled_from([YEAR, DAY, 1, 0, -1]), label="extend")
        valid_until = min(max(valid_until, 0), 2**64 - 1)
        self._execute(
            "extend_accreditation",
            lambda now, block: self.model.extend_accreditation(
                sender.address, verifier.address, valid_until
            ),
            (self.att, "extend_accreditation", [verifier, valid_until], sender),
            verifiers=[verifier.address],
        )

    @rule(data=st.data())
    def suspend_verifier(self, data: Any) -> None:
        """From now on, or (one time in three) for cause."""
        if data.draw(st.integers(0, 2), label="for_cause") == 0:
            self._suspend_verifier_for_cause(data)
            return
        verifier = self._draw_verifier(data)
        sender = self._draw_actor(data, None, "gov")
        self._execute(
            "suspend_verifier",
            lambda now, block: self.model.suspend_verifier(sender.address, verifier.address),
            (self.att, "suspend_verifier", [verifier], sender),
            verifiers=[verifier.address],
        )

    def _suspend_verifier_for_cause(self, data: Any) -> None:
        verifier = self._draw_verifier(data)
        sender = self._draw_actor(data, None, "gov")
        now = self.chain.pending_timestamp
        made = sorted(
            e.attested_at
            for entries in self.model.attestations.values()
            for e in entries
            if e.verifier == verifier.address
        )
        since = data.draw(
            st.sampled_from([0, now, now + 1, *made, *(t + 1 for t in made)]), label="since"
        )
        ok = self._execute(
            "suspend_verifier_for_cause",
            lambda now, block: self.model.suspend_verifier_for_cause(
                now, sender.address, verifier.address, since
            ),
            (self.att, "suspend_verifier_for_cause", [verifier, since], sender),
            verifiers=[verifier.address],
            reports=self._reports_attested_by(verifier.address),
        )
        if ok:
            self.cutoffs[verifier.address] = since
            for key in self._reports_attested_by(verifier.address):
                self._check_report(key)

    def _reports_attested_by(self, verifier: str) -> list[tuple[bytes, bytes]]:
        return sorted(
            k
            for k, entries in self.model.attestations.items()
            if any(e.verifier == verifier for e in entries)
        )[:3]

    def _draw_terms(
        self, data: Any, verifier: str, key: tuple[bytes, bytes]
    ) -> tuple[int, int, int, int]:
        """Attestation terms: mostly valid for the verifier, else one term off
        (or at its boundary)."""
        now = self.chain.pending_timestamp
        record = self.model.verifiers.get(verifier)
        scope = record.scope if record else 0xFFF
        until = record.valid_until if record else now + YEAR
        previous = next(
            (e for e in self.model.attestations.get(key, []) if e.verifier == verifier), None
        )
        verdict = data.draw(st.sampled_from([1, 1, 1, 2, 3]), label="verdict")
        fields = data.draw(st.sampled_from([scope, scope & 0x00F or scope]), label="fields")
        verified_at = now - data.draw(st.sampled_from([DAY, 1, 0]), label="age")
        if previous is not None:
            # Mostly a later verification; sometimes the same one again.
            verified_at = max(
                verified_at, previous.verified_at + data.draw(st.sampled_from([1, 1, 0]))
            )
            verified_at = min(verified_at, now)
        expires_at = min(now + data.draw(st.sampled_from([30 * DAY, YEAR])), until)
        off = data.draw(
            st.sampled_from(
                ["none"] * 12
                + [
                    "verdict_0",
                    "verdict_4",
                    "fields_0",
                    "fields_out",
                    "verified_0",
                    "verified_future",
                    "verified_older",
                    "expires_now",
                    "expires_after_until",
                    "expires_at_until",
                ]
            ),
            label="terms",
        )
        if off == "verdict_0":
            verdict = 0
        elif off == "verdict_4":
            verdict = 4
        elif off == "fields_0":
            fields = 0
        elif off == "fields_out":
            fields = 0xFFF if scope != 0xFFF else 0x1000
        elif off == "verified_0":
            verified_at = 0
        elif off == "verified_future":
            verified_at = now + 1
        elif off == "verified_older" and previous is not None:
            verified_at = max(previous.verified_at - 1, 1)
        elif off == "expires_now":
            expires_at = now
        elif off == "expires_after_until":
            expires_at = until + 1
        elif off == "expires_at_until":
            expires_at = until
        return verdict, fields & 0xFFFF, verified_at, max(expires_at, 0)

    def _draw_signed(self, data: Any, verifier: str) -> tuple[int, int, str, bool]:
        """(nonce, deadline, signing key, message as sent): mostly right, else
        one thing off: nonce used/beyond/below the window, deadline, key, message."""
        record = self.model.verifiers.get(verifier)
        base, used = (record.nonce_base, record.used) if record else (0, 0)
        free = [base + i for i in range(NONCE_WINDOW) if not used >> i & 1]
        nonce = data.draw(st.sampled_from(free[:4]), label="nonce")
        now = self.chain.pending_timestamp
        deadline, key, good = now + 3600, verifier, True
        off = data.draw(
            st.sampled_from(
                ["none"] * 10
                + [
                    "nonce_used",
                    "nonce_beyond",
                    "nonce_last",
                    "nonce_below",
                    "expired",
                    "deadline_now",
                    "wrong_key",
                    "tampered",
                ]
            ),
            label="signed",
        )
        used_nonces = [base + i for i in range(NONCE_WINDOW) if used >> i & 1]
        if off == "nonce_used" and used_nonces:
            nonce = used_nonces[0]
        elif off == "nonce_beyond":
            nonce = base + NONCE_WINDOW
        elif off == "nonce_last":
            nonce = base + NONCE_WINDOW - 1
        elif off == "nonce_below" and base:
            nonce = base - 1
        elif off == "expired":
            deadline = now - 1
        elif off == "deadline_now":
            deadline = now
        elif off == "wrong_key":
            key = self.env.stranger.address
        elif off == "tampered":
            good = False
        return nonce, deadline, key, good

    @rule(data=st.data())
    def attest(self, data: Any) -> None:
        key = self._draw_report(data, prefer=[ANCHORED])
        org, root = key
        sender = self._draw_actor(data, org, "verifier")
        verdict, fields, verified_at, expires_at = self._draw_terms(data, sender.address, key)
        evidence = data.draw(st.sampled_from(EVIDENCE), label="evidence")
        self._execute(
            "attest",
            lambda now, block: self.model.attest(
                now, sender.address, org, root, verdict, fields, verified_at, expires_at, evidence
            ),
            (
                self.att,
                "attest",
                [org, root, verdict, fields, evidence, verified_at, expires_at],
                sender,
            ),
            reports=[key],
            verifiers=[sender.address],
        )

    @rule(data=st.data())
    def attest_by_signature(self, data: Any) -> None:
        key = self._draw_report(data, prefer=[ANCHORED])
        org, root = key
        verifier = self._draw_verifier(data).address
        relayer = self._draw_actor(data, org, "stranger")
        verdict, fields, verified_at, expires_at = self._draw_terms(data, verifier, key)
        evidence = data.draw(st.sampled_from(EVIDENCE), label="evidence")
        nonce, deadline, signer, good = self._draw_signed(data, verifier)
        message = (
            "Attestation",
            verifier,
            org,
            root,
            verdict,
            fields,
            evidence,
            verified_at,
            expires_at,
            nonce,
            deadline,
        )
        signed = message if good else (*message[:-2], nonce + 1000, deadline)
        signature = self.env.signer.compact(signer, signed)
        self._execute(
            "attest_by_signature",
            lambda now, block: self.model.attest_by_signature(
                now,
                verifier,
                signer,
                good,
                org,
                root,
                verdict,
                fields,
                verified_at,
                expires_at,
                nonce,
                deadline,
                evidence,
            ),
            (self.att, "attest_by_signature", [*message[1:], signature], relayer),
            reports=[key],
            verifiers=[verifier],
        )

    @rule(data=st.data())
    def revoke_attestation(self, data: Any) -> None:
        attested = sorted(self.model.attestations)
        key = (
            data.draw(st.sampled_from(attested), label="attested")
            if attested and data.draw(st.integers(0, 9)) < 8
            else self._draw_report(data)
        )
        org, root = key
        sender = self._draw_actor(data, org, "verifier")
        reason = data.draw(st.sampled_from([1, 2, 1, 2, 0]), label="reason")
        self._execute(
            "revoke_attestation",
            lambda now, block: self.model.revoke_attestation(
                now, sender.address, org, root, reason
            ),
            (self.att, "revoke_attestation", [org, root, reason], sender),
            reports=[key],
            verifiers=[sender.address],
        )

    @rule(data=st.data())
    def revoke_attestation_by_signature(self, data: Any) -> None:
        attested = sorted(self.model.attestations)
        key = (
            data.draw(st.sampled_from(attested), label="attested")
            if attested and data.draw(st.integers(0, 9)) < 8
            else self._draw_report(data)
        )
        org, root = key
        entries = self.model.attestations.get(key, [])
        verifier = (
            data.draw(st.sampled_from([e.verifier for e in entries]), label="of")
            if entries and data.draw(st.booleans())
            else self._draw_verifier(data).address
        )
        relayer = self._draw_actor(data, org, "stranger")
        current = next((e.attested_at for e in entries if e.verifier == verifier), 0)
        attested_at = data.draw(
            st.sampled_from([current] * 8 + [0, current + 1, 1]), label="attested_at"
        )
        reason = data.draw(st.sampled_from([4, 5, 4, 5, 0]), label="reason")
        nonce, deadline, signer, good = self._draw_signed(data, verifier)
        message = (
            "AttestationRevocation",
            verifier,
            org,
            root,
            attested_at,
            reason,
            nonce,
            deadline,
        )
        signed = message if good else (*message[:-2], nonce + 1000, deadline)
        signature = self.env.signer.compact(signer, signed)
        self._execute(
            "revoke_attestation_by_signature",
            lambda now, block: self.model.revoke_attestation_by_signature(
                now, verifier, signer, good, org, root, attested_at, reason, nonce, deadline
            ),
            (self.att, "revoke_attestation_by_signature", [*message[1:], signature], relayer),
            reports=[key],
            verifiers=[verifier],
        )

    @rule(data=st.data())
    def cancel_nonces(self, data: Any) -> None:
        verifier = self._draw_verifier(data)
        record = self.model.verifiers.get(verifier.address)
        base = record.nonce_base if record else 0
        below = data.draw(
            st.sampled_from([base + 1, base + 3, base + NONCE_WINDOW, base + 70, base, MASK32 + 1]),
            label="below",
        )
        if data.draw(st.booleans(), label="by_signature"):
            relayer = self._draw_actor(data, None, "stranger")
            _, deadline, signer, good = self._draw_signed(data, verifier.address)
            message = ("NonceCancellation", verifier.address, below, deadline)
            signed = (
                message if good else ("NonceCancellation", verifier.address, below + 1, deadline)
            )
            signature = self.env.signer.compact(signer, signed)
            self._execute(
                "cancel_nonces_by_signature",
                lambda now, block: self.model.cancel_nonces_by_signature(
                    now, verifier.address, signer, good, below, deadline
                ),
                (
                    self.att,
                    "cancel_nonces_by_signature",
                    [verifier, below, deadline, signature],
                    relayer,
                ),
                verifiers=[verifier.address],
            )
        else:
            sender = (
                self._draw_actor(data, None, "verifier")
                if data.draw(st.integers(0, 4)) == 0
                else verifier
            )
            self._execute(
                "cancel_nonces",
                lambda now, block: self.model.cancel_nonces(sender.address, below),
                (self.att, "cancel_nonces", [below], sender),
                verifiers=[sender.address],
            )

    # ---------------------------------------------------------------- time

    @rule(data=st.data())
    def time_travel(self, data: Any) -> None:
        now = self.chain.pending_timestamp
        boundaries = sorted(
            {e.expires_at for entries in self.model.attestations.values() for e in entries}
            | {v.valid_until for v in self.model.verifiers.values()}
            | {v.valid_from for v in self.model.verifiers.values()}
        )
        boundaries = [t + d for t in boundaries for d in (-1, 0, 1) if now < t + d < now + 3 * YEAR]
        target = data.draw(
            st.sampled_from([now + 60, now + DAY, now + 45 * DAY, now + 200 * DAY, *boundaries]),
            label="to",
        )
        self.chain.pending_timestamp = target
        COUNTS["time_travels"] += 1
        assert self.chain.pending_timestamp >= target

    # Rules that build state get a second entry, so that sequences reach
    # anchored and attested reports more often than they are disrupted.

    @rule(data=st.data())
    def anchor_again(self, data: Any) -> None:
        self.anchor(data)

    @rule(data=st.data())
    def approve_again(self, data: Any) -> None:
        self.approve(data)

    @rule(data=st.data())
    def attest_again(self, data: Any) -> None:
        self.attest(data)

    @rule(data=st.data())
    def attest_by_signature_again(self, data: Any) -> None:
        self.attest_by_signature(data)


# ---------------------------------------------------------------------- test


def _write_counts(seconds: float) -> dict[str, Any]:
    summary = {
        "profile": PROFILE,
        "examples": COUNTS["examples"],
        "steps": COUNTS["steps"],
        "sweeps": COUNTS["sweeps"],
        "time_travels": COUNTS["time_travels"],
        "seconds": round(seconds, 1),
        "settings": {
            "max_examples": EXAMPLES,
            "stateful_step_count": STEPS,
            "min_steps": MIN_STEPS,
        },
        "outcomes": dict(sorted(OUTCOMES.items())),
        "revert_reasons": dict(REASONS.most_common()),
    }
    COUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    COUNTS_FILE.write_text(json.dumps(summary, indent=2) + "\n")
    return summary


class _Summary:
    """Prints the campaign's counts in pytest's terminal summary."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.lines:
            terminalreporter.section("stateful registries")
            for line in self.lines:
                terminalreporter.write_line(line)


@pytest.fixture
def summary(request: pytest.FixtureRequest) -> _Summary:
    manager = request.config.pluginmanager
    plugin = manager.get_plugin("bci-stateful-summary")
    if plugin is None:
        plugin = _Summary()
        manager.register(plugin, "bci-stateful-summary")
    return plugin


def test_registries_against_the_model(
    project: Any, accounts: Any, chain: Any, summary: _Summary
) -> None:
    global ENV
    started = time.perf_counter()
    ENV = Env(project, accounts, chain)
    base = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
        # Shrinking replays the chain thousands of times (it ran > 5 min on a
        # single failure): off unless BCI_STATEFUL_SHRINK=1. A failure still
        # prints every step of its example.
        phases=[p for p in Phase if p is not Phase.shrink or SHRINK],
    )
    try:
        run_state_machine_as_test(RegistriesMachine, settings=base)
        # `make fuzz`: more batches (new random draws) until the step target.
        batches = 1
        while COUNTS["steps"] < MIN_STEPS:
            run_state_machine_as_test(
                RegistriesMachine, settings=settings(base, database=None, derandomize=False)
            )
            batches += 1
    finally:
        ENV = None
        counts = _write_counts(time.perf_counter() - started)
        summary.lines.append(
            f"{counts['examples']} examples, {counts['steps']} steps "
            f"({counts['time_travels']} time travels, "
            f"{counts['sweeps']} full sweeps with event replay) "
            f"in {counts['seconds']} s, profile {PROFILE}; "
            f"per action: {COUNTS_FILE.relative_to(ROOT)}"
        )
    assert COUNTS["steps"] >= MIN_STEPS
    # Every action was tried, and each of the main ones succeeded at least once
    # over the campaign (a model that refuses everything would prove nothing).
    ok = {name.split(":")[0] for name, n in OUTCOMES.items() if name.endswith(":ok") and n}
    if COUNTS["steps"] >= 150:
        assert {"anchor", "submit", "attest"} <= ok, sorted(ok)
