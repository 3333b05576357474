"""A relayer sends nothing that would fail: simulate first, then screen EIP-1271 signers.

Before a relayed transaction carrying signers' signatures is sent (``anchor``,
``anchor_correction``, ``approve_with_signatures``, ``update_organisation``,
``revoke``), it is simulated. If the registry would refuse it, each EIP-1271
wallet signer is asked on its own (``isValidSignature`` by ``eth_call`` with a
gas cap of ``WALLET_GAS_CAP``): a wallet that reverts, answers anything but the
magic value, or burns the gas is named. It is left out when the others still
reach the number of approvals needed, and the transaction is simulated again;
otherwise nothing is sent and the error names the wallet.

The logic here is pure (the chain is reached through the callables given),
so it is tested with fabricated answers as well as with real wallets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import encode
from eth_utils import keccak

from bci_registry.registry import InputError
from bci_registry.signatures import SignedApproval, pack

#: Gas an honest EIP-1271 wallet needs to check one signature, with room to spare.
WALLET_GAS_CAP = 100_000
#: EIP-1271: ``bytes4(keccak256("isValidSignature(bytes32,bytes)"))``.
MAGIC_VALUE = keccak(text="isValidSignature(bytes32,bytes)")[:4]


class RelayRefused(InputError):
    """The relayed transaction would fail: nothing was sent (the message says why)."""


@dataclass(frozen=True)
class Relayable:
    """The signature blob to send and the wallet signers left out of it (with why)."""

    blob: bytes
    left_out: tuple[tuple[str, str], ...] = ()

    def notes(self) -> list[str]:
        return [
            f"left out wallet signer {signer}: it {problem}" for signer, problem in self.left_out
        ]


def is_valid_signature_call(digest: bytes, signature: bytes) -> bytes:
    """The calldata of ``isValidSignature(digest, signature)``."""
    return MAGIC_VALUE + encode(["bytes32", "bytes"], [digest, signature])


def wallet_answer_problem(answer: bytes) -> str | None:
    """What is wrong with a wallet's ``isValidSignature`` answer (None: the magic value)."""
    if len(answer) >= 4 and answer[:4] == MAGIC_VALUE:
        return None
    shown = "0x" + answer[:32].hex() if answer else "nothing"
    return f"answers {shown} instead of the EIP-1271 magic value 0x{MAGIC_VALUE.hex()}"


def wallet_error_problem(message: str) -> str:
    """A readable problem for a failed ``isValidSignature`` call."""
    lowered = message.lower()
    if "gas" in lowered:
        return f"uses more than {WALLET_GAS_CAP:,} gas to check a signature (burns gas)"
    return f"reverts when asked to check its signature ({message.strip()[:200]})"


def web3_wallet_check(web3: Any) -> Callable[[str, bytes, bytes], str | None]:
    """``check(wallet, digest, signature)`` by ``eth_call`` over a web3.py ``Web3``."""

    def check(wallet: str, digest: bytes, signature: bytes) -> str | None:
        call = {
            "to": wallet,
            "data": "0x" + is_valid_signature_call(digest, signature).hex(),
            "gas": WALLET_GAS_CAP,
        }
        try:
            answer = bytes(web3.eth.call(call))
        except OSError:
            raise  # the node is unreachable: not the wallet's fault
        except Exception as exc:  # web3 and the providers raise many kinds for a revert
            return wallet_error_problem(str(exc))
        return wallet_answer_problem(answer)

    return check


def relayable(
    approvals: Sequence[SignedApproval],
    signers: Sequence[str],
    needed: int,
    simulate: Callable[[bytes], str | None],
    digest_of: Callable[[str], bytes],
    check_wallet: Callable[[str, bytes, bytes], str | None],
    what: str = "the transaction",
) -> Relayable:
    """The blob to send, after simulating it and, if it fails, screening the wallet signers.

    ``simulate(blob)`` returns None when the registry would accept the
    transaction, else its refusal; ``digest_of(signer)`` is the EIP-712 digest
    that signer's message hashes to; ``check_wallet(wallet, digest, signature)``
    returns None or the wallet's problem. ``needed``: how many of ``approvals``
    must remain. Raises RelayRefused (nothing is sent).
    """
    blob = pack(approvals, signers)
    refusal = simulate(blob)
    if refusal is None:
        return Relayable(blob)
    problems: dict[str, str] = {}
    for approval in approvals:
        if approval.wallet:
            problem = check_wallet(approval.signer, digest_of(approval.signer), approval.signature)
            if problem is not None:
                problems[approval.signer] = problem
    if not problems:
        raise RelayRefused(f"the registry would refuse {what}: {refusal}; nothing was sent")
    named = "; ".join(f"wallet signer {signer} {problem}" for signer, problem in problems.items())
    kept = [a for a in approvals if a.signer not in problems]
    if len(kept) < needed:
        raise RelayRefused(
            f"{named}: without it {len(kept)} approval(s) remain, {needed} are needed; "
            f"nothing was sent"
        )
    blob = pack(kept, signers)
    refusal = simulate(blob)
    if refusal is not None:
        raise RelayRefused(
            f"{named}; without it the registry would still refuse {what}: {refusal}; "
            "nothing was sent"
        )
    return Relayable(blob, tuple(problems.items()))
