"""A relayer sends nothing that would fail: misbehaving EIP-1271 signers are named and left out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_utils import keccak

from bci_registry.eip712 import Domain, digest
from bci_registry.exporter.relay import (
    MAGIC_VALUE,
    WALLET_GAS_CAP,
    RelayRefused,
    relayable,
    wallet_answer_problem,
    web3_wallet_check,
)
from bci_registry.registry import approval_message
from bci_registry.signatures import SignedApproval, pack, sign

ORG = b"KR-EORI-KR1234567890123".ljust(32, b"\0")
FAR_FUTURE = 2**40 - 1
HONEST, REVERTS, BURNS_GAS, WRONG_ANSWER = range(4)

# ------------------------------------------------------------ pure logic

SIGNERS = ["0x" + f"{i:040x}" for i in range(1, 5)]


def approval(i: int, wallet: bool = False) -> SignedApproval:
    return SignedApproval(SIGNERS[i], bytes([i + 1]) * 64 + b"\x1b", wallet)


def no_digest(_: str) -> bytes:
    return bytes(32)


def test_a_transaction_that_simulates_is_sent_as_is() -> None:
    asked: list[str] = []

    def check(wallet: str, _: bytes, __: bytes) -> str | None:
        asked.append(wallet)
        return None

    result = relayable([approval(0), approval(1, wallet=True)], SIGNERS, 2, lambda _: None,
                       no_digest, check)  # fmt: skip
    assert result.left_out == () and not asked  # wallets are asked only when it fails


def test_a_failing_wallet_is_left_out_when_the_threshold_still_holds() -> None:
    blobs: list[bytes] = []

    def simulate(blob: bytes) -> str | None:
        blobs.append(blob)
        return "invalid signature" if len(blobs) == 1 else None

    def check(wallet: str, _: bytes, __: bytes) -> str | None:
        return "reverts when asked" if wallet == SIGNERS[2] else None

    result = relayable(
        [approval(0), approval(1), approval(2, wallet=True)], SIGNERS, 2, simulate, no_digest,
        check,
    )  # fmt: skip
    assert result.left_out == ((SIGNERS[2], "reverts when asked"),)
    assert [b[0] for b in (result.blob[:1], result.blob[65:66])] == [b"\x01"[0], b"\x02"[0]]
    assert len(result.blob) == 130
    assert result.notes() == [f"left out wallet signer {SIGNERS[2]}: it reverts when asked"]


def test_without_enough_approvals_left_nothing_is_sent_and_the_wallet_is_named() -> None:
    with pytest.raises(RelayRefused) as caught:
        relayable(
            [approval(0), approval(2, wallet=True)], SIGNERS, 2, lambda _: "invalid signature",
            no_digest, lambda w, _, __: "burns gas",
        )  # fmt: skip
    message = str(caught.value)
    assert f"wallet signer {SIGNERS[2]} burns gas" in message
    assert "1 approval(s) remain, 2 are needed; nothing was sent" in message


def test_a_refusal_no_wallet_explains_is_reported_as_the_registrys() -> None:
    with pytest.raises(RelayRefused, match="would refuse anchoring: deadline passed; nothing"):
        relayable([approval(0)], SIGNERS, 1, lambda _: "deadline passed", no_digest,
                  lambda *_: None, "anchoring")  # fmt: skip


def test_wallet_answers() -> None:
    assert wallet_answer_problem(MAGIC_VALUE + bytes(28)) is None
    assert "instead of the EIP-1271 magic value 0x1626ba7e" in str(
        wallet_answer_problem(bytes.fromhex("deadbeef") + bytes(28))
    )
    assert wallet_answer_problem(b"") is not None


# ------------------------------------------- real wallets on Ape's chain


@pytest.fixture(scope="module")
def owner(accounts: Any) -> Any:
    return accounts[4]


@pytest.fixture(scope="module")
def eoas(accounts: Any) -> list[Any]:
    return [accounts[5], accounts[6]]


@pytest.fixture(scope="module")
def wallets(mocks: Any, accounts: Any, owner: Any) -> dict[int, Any]:
    deployer = accounts[0]
    return {
        mode: deployer.deploy(mocks.MisbehavingWallet, owner, mode)
        for mode in (HONEST, REVERTS, BURNS_GAS, WRONG_ANSWER)
    }


@pytest.fixture(scope="module")
def registry(project: Any, accounts: Any) -> Any:
    governance = accounts[0]
    return governance.deploy(project.ReportRegistry, governance, governance, governance)


@pytest.fixture(scope="module")
def domain(registry: Any, chain: Any) -> Domain:
    return Domain(chain_id=chain.chain_id, verifying_contract=registry.address)


def message(signer: str, root: bytes) -> dict[str, Any]:
    return approval_message(signer, ORG, root, bytes(32), 1, FAR_FUTURE)


@pytest.fixture
def approve(domain: Domain, owner: Any) -> Callable[[Any, bytes], SignedApproval]:
    def _approve(account: Any, root: bytes) -> SignedApproval:
        if hasattr(account, "private_key"):
            return sign(account.private_key, domain, "Approval", message(account.address, root))
        # A wallet: its owner signs the message that names the wallet.
        signed = sign(owner.private_key, domain, "Approval", message(account.address, root))
        return SignedApproval(account.address, signed.signature, wallet=True)

    return _approve


def test_wallet_check_names_each_misbehaviour(
    wallets: dict[int, Any], domain: Domain, approve: Any, chain: Any
) -> None:
    check = web3_wallet_check(chain.provider.web3)
    root = keccak(text="relay:check")
    for mode, expected in (
        (HONEST, None),
        (REVERTS, "reverts when asked to check its signature"),
        (BURNS_GAS, f"uses more than {WALLET_GAS_CAP:,} gas"),
        (WRONG_ANSWER, "answers 0xdeadbeef"),
    ):
        wallet = wallets[mode]
        signed = approve(wallet, root)
        problem = check(wallet.address, digest(domain, "Approval", message(wallet.address, root)),
                        signed.signature)  # fmt: skip
        if expected is None:
            assert problem is None
        else:
            assert problem is not None and problem.startswith(expected), problem


@pytest.mark.parametrize("mode", [REVERTS, WRONG_ANSWER])
def test_relayed_anchor_leaves_out_a_misbehaving_wallet(
    mode: int,
    registry: Any,
    wallets: dict[int, Any],
    eoas: list[Any],
    approve: Any,
    domain: Domain,
    accounts: Any,
    chain: Any,
) -> None:
    governance, relayer = accounts[0], accounts[3]
    wallet = wallets[mode]
    members = [eoas[0].address, wallet.address, eoas[1].address]
    registry.register_organisation(ORG, members, 2, [governance], sender=governance)
    root = keccak(text=f"relay:anchor:{mode}")
    signed = [approve(eoas[0], root), approve(wallet, root), approve(eoas[1], root)]

    def simulate(blob: bytes) -> str | None:
        try:
            registry.anchor.estimate_gas_cost(ORG, root, FAR_FUTURE, blob, sender=relayer)
        except Exception as exc:  # the registry's refusal
            return str(getattr(exc, "message", exc))
        return None

    def digest_of(signer: str) -> bytes:
        return digest(domain, "Approval", message(signer, root))

    check = web3_wallet_check(chain.provider.web3)
    assert simulate(pack(signed, members))  # the wallet makes the whole transaction fail
    result = relayable(signed, members, 2, simulate, digest_of, check, "anchoring")
    assert [signer for signer, _ in result.left_out] == [wallet.address]
    registry.anchor(ORG, root, FAR_FUTURE, result.blob, sender=relayer)
    status = registry.report_status(ORG, root)
    assert (status.state, status.approvals) == (2, 2)

    # With only one EOA beside it the threshold cannot hold: refused, naming the wallet.
    other = keccak(text=f"relay:short:{mode}")
    short = [approve(eoas[0], other), approve(wallet, other)]
    with pytest.raises(RelayRefused, match=f"wallet signer {wallet.address}"):
        relayable(
            short, members, 2,
            lambda blob: simulate_other(registry, other, blob, relayer),
            lambda s: digest(domain, "Approval", message(s, other)), check,
        )  # fmt: skip
    assert registry.report_status(ORG, other).state == 0


def simulate_other(registry: Any, root: bytes, blob: bytes, relayer: Any) -> str | None:
    try:
        registry.anchor.estimate_gas_cost(ORG, root, FAR_FUTURE, blob, sender=relayer)
    except Exception as exc:
        return str(getattr(exc, "message", exc))
    return None
