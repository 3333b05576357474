"""The peers of `make bench`, deployed and measured on the same anvil in the same run.

EAS 1.4 (SchemaRegistry + EAS) and Safe 1.4.1 (singleton + proxy factory) are
deployed from the bytecode and ABI their npm packages publish (pinned in
package.json, installed by `npm ci`; nothing here is compiled by us). The one
contract compiled here is the peers' anchor target, ``bench/OneSlotAnchor.vy``:
one storage slot per root and one event, the cheapest useful anchor.

Every figure comes from a receipt (``gasUsed``) and the mined transaction's
input (calldata bytes). Batch figures are per item (rounded to the nearest
integer) and carry the batch size in their name; the record also keeps the
batch totals. Transactions are signed locally with eth-account and sent as raw
transactions over JSON-RPC, from keys derived here and funded with
``anvil_setBalance`` -- never the accounts another client on the node is using.

Single operations are measured on their second occurrence, as the registry's
own benchmark warms up once: the first Safe transaction moves the Safe's nonce
from 0 to 1 and the first delegated attestation the attester's EAS nonce from
0 to 1 (zero-to-non-zero stores, about 17,100 gas more than later ones).

Only the loopback node given by URL is ever a target.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi.abi import encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import Hash32
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
NODE_MODULES = PROJECT_ROOT / "node_modules"

#: The peers' npm packages and their pinned versions (package.json devDependencies).
EAS_PACKAGE = "@ethereum-attestation-service/eas-contracts"
SAFE_PACKAGE = "@safe-global/safe-contracts"
PINNED = {EAS_PACKAGE: "1.9.0", SAFE_PACKAGE: "1.4.1"}
#: eas-contracts 1.9.0 is the first package whose EAS and SchemaRegistry are version 1.4.0.
EAS_VERSION = "1.4.0"

#: Published artifacts (Hardhat format: "abi", "bytecode"), relative to node_modules.
ARTIFACTS = {
    "SchemaRegistry": f"{EAS_PACKAGE}/artifacts/contracts/SchemaRegistry.sol/SchemaRegistry.json",
    "EAS": f"{EAS_PACKAGE}/artifacts/contracts/EAS.sol/EAS.json",
    "Safe": f"{SAFE_PACKAGE}/build/artifacts/contracts/Safe.sol/Safe.json",
    "SafeProxyFactory": (
        f"{SAFE_PACKAGE}/build/artifacts/contracts/proxies/SafeProxyFactory.sol/SafeProxyFactory.json"
    ),
}
ANCHOR_SOURCE = BENCH_DIR / "OneSlotAnchor.vy"

#: Five fields, 160 bytes of ABI-encoded data: an attestation about one report.
EAS_SCHEMA = "bytes32 reportRoot,bytes32 organisation,uint64 validUntil,uint32 scope,bool compliant"
ZERO_ADDRESS = "0x" + "00" * 20
BATCH_SIZES = (10, 100)
BARE_ROOT_ITEMS = 100
#: Keys of the peers' actors: deployer/relayer, attester and five Safe owners.
PEER_KEY_COUNT = 7
ONE_HUNDRED_ETHER = 100 * 10**18

#: Operation names of the peers' records (per item for batches).
OPERATIONS = (
    "anchor_plain_eoa",
    "safe_2of3_exec_transaction_anchor",
    "safe_3of5_exec_transaction_anchor",
    "eas_attest",
    "eas_attest_by_delegation",
    "eas_revoke",
    *(f"eas_multi_timestamp_{n}_per_item" for n in BATCH_SIZES),
    *(f"eas_multi_attest_{n}_per_item" for n in BATCH_SIZES),
    f"anchor_bare_root_{BARE_ROOT_ITEMS}_per_item",
)


class PeerError(RuntimeError):
    """A peer could not be found, deployed or exercised."""


def is_peer(operation: str) -> bool:
    """Whether a gas record's operation is one of the peers' (see OPERATIONS)."""
    return operation.startswith(("eas_", "safe_", "anchor_plain_eoa", "anchor_bare_root_"))


def load_artifact(name: str, node_modules: Path = NODE_MODULES) -> dict[str, Any]:
    """ABI and creation bytecode of a peer contract, from its pinned npm package."""
    package = EAS_PACKAGE if name in ("SchemaRegistry", "EAS") else SAFE_PACKAGE
    manifest = node_modules / package / "package.json"
    if not manifest.exists():
        raise PeerError(f"{package} is not installed: run `npm ci` (or `make bench`)")
    installed = json.loads(manifest.read_text())["version"]
    if installed != PINNED[package]:
        raise PeerError(f"{package} {installed} is installed, {PINNED[package]} is pinned")
    artifact = json.loads((node_modules / ARTIFACTS[name]).read_text())
    if artifact.get("linkReferences"):
        raise PeerError(f"{name} needs linked libraries, which the bench does not deploy")
    return {"abi": artifact["abi"], "bytecode": artifact["bytecode"]}


def compile_anchor() -> dict[str, Any]:
    """ABI and bytecode of the one-slot anchor (vyper 0.4.3, pinned by the project)."""
    from vyper.compiler import compile_code

    out = compile_code(
        ANCHOR_SOURCE.read_text(),
        contract_path=ANCHOR_SOURCE.name,
        output_formats=["abi", "bytecode"],
    )
    return {"abi": out["abi"], "bytecode": out["bytecode"]}


def peer_keys(count: int = PEER_KEY_COUNT) -> list[LocalAccount]:
    """Deterministic keys that no other client of the dev node uses."""
    return [Account.from_key(keccak(text=f"bci-registry bench peer {i}")) for i in range(count)]


def merkle_root(leaves: list[bytes]) -> bytes:
    """A sorted-pair keccak Merkle root (OpenZeppelin style); odd nodes move up."""
    level = list(leaves)
    while len(level) > 1:
        pairs = [level[i : i + 2] for i in range(0, len(level), 2)]
        level = [keccak(b"".join(sorted(p))) if len(p) == 2 else p[0] for p in pairs]
    return level[0]


@dataclass(frozen=True)
class Sent:
    """A mined transaction: its receipt's gas and its input's size."""

    gas_used: int
    calldata_bytes: int
    receipt: Any


class Node:
    """Signs raw transactions with local keys and sends them to one JSON-RPC node."""

    def __init__(self, rpc_url: str) -> None:
        if not re.match(r"^https?://(127\.0\.0\.1|localhost)(:\d+)?/?$", rpc_url):
            raise PeerError(f"{rpc_url} is not a loopback node: the bench only measures locally")
        self.w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 60}))
        self.chain_id = int(self.w3.eth.chain_id)

    def fund(self, address: str, wei: int = ONE_HUNDRED_ETHER) -> None:
        self.w3.provider.make_request("anvil_setBalance", [address, hex(wei)])  # type: ignore[arg-type]

    def contract(self, address: str, abi: Any) -> Contract:
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)

    def send(self, sender: LocalAccount, to: str | None, data: bytes | str) -> Sent:
        payload = bytes.fromhex(data[2:]) if isinstance(data, str) else data
        base_fee = int(self.w3.eth.get_block("latest").get("baseFeePerGas", 0) or 0)
        tx: dict[str, Any] = {
            "from": sender.address,
            "data": payload,
            "value": 0,
            "chainId": self.chain_id,
            "nonce": self.w3.eth.get_transaction_count(sender.address, "pending"),
            "maxPriorityFeePerGas": 10**9,
            "maxFeePerGas": 2 * base_fee + 10**9,
            "type": 2,
        }
        if to is not None:
            tx["to"] = Web3.to_checksum_address(to)
        block_limit = int(self.w3.eth.get_block("latest")["gasLimit"])
        tx["gas"] = min(block_limit, int(self.w3.eth.estimate_gas(tx) * 1.25) + 10_000)  # type: ignore[arg-type]
        signed = sender.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.02)
        if receipt["status"] != 1:
            raise PeerError(f"transaction {tx_hash.hex()} reverted")
        mined = self.w3.eth.get_transaction(tx_hash)
        return Sent(int(receipt["gasUsed"]), len(bytes(mined["input"])), receipt)

    def deploy(self, sender: LocalAccount, artifact: dict[str, Any], *args: Any) -> Contract:
        factory = self.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        data = factory.constructor(*args).data_in_transaction
        sent = self.send(sender, None, data)
        address = sent.receipt["contractAddress"]
        if not address or not self.w3.eth.get_code(address):
            raise PeerError("deployment left no code")
        return self.contract(address, artifact["abi"])


def _record(operation: str, sent: Sent, items: int = 1) -> dict[str, Any]:
    if items == 1:
        return {
            "operation": operation,
            "gas_used": sent.gas_used,
            "calldata_bytes": sent.calldata_bytes,
        }
    return {
        "operation": operation,
        "gas_used": round(sent.gas_used / items),
        "calldata_bytes": round(sent.calldata_bytes / items),
        "items": items,
        "batch_gas_used": sent.gas_used,
        "batch_calldata_bytes": sent.calldata_bytes,
    }


def _root(label: str) -> bytes:
    return keccak(text=f"bench:peer:{label}")


# -- Safe 1.4.1 --------------------------------------------------------------------------


def _safe_signatures(owners: list[LocalAccount], safe_tx_hash: bytes) -> bytes:
    """r || s || v (v = 27/28) of each owner over the Safe transaction hash, by owner address."""
    blob = b""
    for owner in sorted(owners, key=lambda a: int(a.address, 16)):
        sig = owner.unsafe_sign_hash(Hash32(safe_tx_hash))
        blob += sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big") + bytes([sig.v])
    return blob


def _safe_exec(
    node: Node,
    relayer: LocalAccount,
    safe: Contract,
    owners: list[LocalAccount],
    to: str,
    data: bytes,
) -> Sent:
    """execTransaction (CALL, no refund) approved by `owners`' signatures, sent by `relayer`."""
    nonce = safe.functions.nonce().call()
    safe_tx = (to, 0, data, 0, 0, 0, 0, ZERO_ADDRESS, ZERO_ADDRESS)
    safe_tx_hash = safe.functions.getTransactionHash(*safe_tx, nonce).call()
    signatures = _safe_signatures(owners, safe_tx_hash)
    sent = node.send(
        relayer, safe.address, safe.encode_abi("execTransaction", args=[*safe_tx, signatures])
    )
    if not safe.events.ExecutionSuccess().process_receipt(sent.receipt, errors=DISCARD):
        raise PeerError("the Safe transaction failed inside execTransaction")
    return sent


def _deploy_safe(
    node: Node,
    deployer: LocalAccount,
    factory: Contract,
    singleton: Contract,
    owners: list[LocalAccount],
    threshold: int,
    salt: int,
) -> Contract:
    initializer = singleton.encode_abi(
        "setup",
        args=[
            [o.address for o in owners], threshold, ZERO_ADDRESS, b"",
            ZERO_ADDRESS, ZERO_ADDRESS, 0, ZERO_ADDRESS,
        ],
    )  # fmt: skip
    sent = node.send(
        deployer,
        factory.address,
        factory.encode_abi("createProxyWithNonce", args=[singleton.address, initializer, salt]),
    )
    created = factory.events.ProxyCreation().process_receipt(sent.receipt, errors=DISCARD)
    if not created:
        raise PeerError("the proxy factory created no Safe")
    safe = node.contract(created[0]["args"]["proxy"], singleton.abi)
    if safe.functions.getThreshold().call() != threshold:
        raise PeerError("the Safe's threshold is not what setup asked for")
    return safe


def measure_safe(node: Node, keys: list[LocalAccount], anchor: Contract) -> list[dict[str, Any]]:
    """Safe 1.4.1 2-of-3 and 3-of-5 execTransaction calling the one-slot anchor."""
    deployer, owners = keys[0], keys[2:7]
    singleton = node.deploy(deployer, load_artifact("Safe"))
    factory = node.deploy(deployer, load_artifact("SafeProxyFactory"))
    records = []
    for n, m in ((3, 2), (5, 3)):
        safe = _deploy_safe(node, deployer, factory, singleton, owners[:n], m, salt=n)
        signers = owners[:m]

        def call(label: str, safe: Contract = safe, signers: list[LocalAccount] = signers) -> Sent:
            data = anchor.encode_abi("anchor", args=[_root(label)])
            return _safe_exec(node, deployer, safe, signers, anchor.address, data)

        call(f"safe-{m}of{n}-warm-up")  # the Safe's nonce leaves zero
        sent = call(f"safe-{m}of{n}")
        if anchor.functions.anchored_at(_root(f"safe-{m}of{n}")).call() == 0:
            raise PeerError("the Safe's call did not reach the anchor")
        records.append(_record(f"safe_{m}of{n}_exec_transaction_anchor", sent))
    return records


# -- EAS 1.4 -----------------------------------------------------------------------------


def _attestation_data(recipient: str, label: str, valid_until: int) -> tuple[Any, ...]:
    """AttestationRequestData: (recipient, expirationTime, revocable, refUID, data, value)."""
    payload = encode(
        ["bytes32", "bytes32", "uint64", "uint32", "bool"],
        [_root(label), _root("organisation"), valid_until, 0xFFF, True],
    )
    assert len(payload) == 160
    return (recipient, 0, True, bytes(32), payload, 0)


def _delegation_signature(
    eas: Contract, attester: LocalAccount, schema: bytes, data: tuple[Any, ...], deadline: int
) -> tuple[int, bytes, bytes]:
    """EIP-712 `Attest` signature of EAS 1.4's attestByDelegation."""
    _, name, version, chain_id, verifying_contract, _, _ = eas.functions.eip712Domain().call()
    recipient, expiration, revocable, ref_uid, payload, value = data
    signed = attester.sign_typed_data(
        domain_data={
            "name": name,
            "version": version,
            "chainId": chain_id,
            "verifyingContract": verifying_contract,
        },
        message_types={
            "Attest": [
                {"name": "attester", "type": "address"},
                {"name": "schema", "type": "bytes32"},
                {"name": "recipient", "type": "address"},
                {"name": "expirationTime", "type": "uint64"},
                {"name": "revocable", "type": "bool"},
                {"name": "refUID", "type": "bytes32"},
                {"name": "data", "type": "bytes"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint64"},
            ]
        },
        message_data={
            "attester": attester.address,
            "schema": schema,
            "recipient": recipient,
            "expirationTime": expiration,
            "revocable": revocable,
            "refUID": ref_uid,
            "data": payload,
            "value": value,
            "nonce": eas.functions.getNonce(attester.address).call(),
            "deadline": deadline,
        },
    )
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")


def _attested_uid(eas: Contract, sent: Sent) -> bytes:
    events = eas.events.Attested().process_receipt(sent.receipt, errors=DISCARD)
    if len(events) != 1:
        raise PeerError("EAS emitted no Attested event")
    return bytes(events[0]["args"]["uid"])


def measure_eas(node: Node, keys: list[LocalAccount]) -> list[dict[str, Any]]:
    """EAS attest, attestByDelegation, revoke, multiTimestamp and multiAttest."""
    deployer, attester, recipient = keys[0], keys[1], keys[2].address
    schemas = node.deploy(deployer, load_artifact("SchemaRegistry"))
    eas = node.deploy(deployer, load_artifact("EAS"), schemas.address)
    version = eas.functions.version().call()
    if version != EAS_VERSION:
        raise PeerError(f"EAS {version} deployed, {EAS_VERSION} expected")
    schema = schemas.functions.register(EAS_SCHEMA, ZERO_ADDRESS, True).call(
        {"from": deployer.address}
    )
    node.send(
        deployer,
        schemas.address,
        schemas.encode_abi("register", args=[EAS_SCHEMA, ZERO_ADDRESS, True]),
    )
    valid_until = int(node.w3.eth.get_block("latest")["timestamp"]) + 365 * 86_400
    deadline = valid_until

    def attest(label: str) -> Sent:
        request = (schema, _attestation_data(recipient, label, valid_until))
        return node.send(attester, eas.address, eas.encode_abi("attest", args=[request]))

    def attest_by_delegation(label: str) -> Sent:
        data = _attestation_data(recipient, label, valid_until)
        signature = _delegation_signature(eas, attester, schema, data, deadline)
        request = (schema, data, signature, attester.address, deadline)
        return node.send(
            deployer, eas.address, eas.encode_abi("attestByDelegation", args=[request])
        )

    records = []
    attest("attest-warm-up")
    direct = attest("attest")
    records.append(_record("eas_attest", direct))
    attest_by_delegation("delegated-warm-up")  # the attester's nonce leaves zero
    delegated = attest_by_delegation("delegated")
    if eas.functions.getAttestation(_attested_uid(eas, delegated)).call()[7] != attester.address:
        raise PeerError("the delegated attestation does not name its attester")
    records.append(_record("eas_attest_by_delegation", delegated))
    uid = _attested_uid(eas, direct)
    revoked = node.send(attester, eas.address, eas.encode_abi("revoke", args=[(schema, (uid, 0))]))
    if eas.functions.getAttestation(uid).call()[4] == 0:  # revocationTime
        raise PeerError("revoke left the attestation unrevoked")
    records.append(_record("eas_revoke", revoked))

    for n in BATCH_SIZES:
        hashes = [_root(f"timestamp-{n}-{i}") for i in range(n)]
        sent = node.send(attester, eas.address, eas.encode_abi("multiTimestamp", args=[hashes]))
        if eas.functions.getTimestamp(hashes[-1]).call() == 0:
            raise PeerError("multiTimestamp did not timestamp its items")
        records.append(_record(f"eas_multi_timestamp_{n}_per_item", sent, n))
    for n in BATCH_SIZES:
        data = [_attestation_data(recipient, f"multi-{n}-{i}", valid_until) for i in range(n)]
        sent = node.send(
            attester, eas.address, eas.encode_abi("multiAttest", args=[[(schema, data)]])
        )
        if len(eas.events.Attested().process_receipt(sent.receipt, errors=DISCARD)) != n:
            raise PeerError("multiAttest did not attest every item")
        records.append(_record(f"eas_multi_attest_{n}_per_item", sent, n))
    return records


# -- the one-slot anchor -----------------------------------------------------------------


def measure_anchor(node: Node, keys: list[LocalAccount]) -> tuple[Contract, list[dict[str, Any]]]:
    """A plain account's anchor call, and the bare root of 100 hashes (one call, per item)."""
    deployer = keys[0]
    anchor = node.deploy(deployer, compile_anchor())

    def call(root: bytes) -> Sent:
        return node.send(deployer, anchor.address, anchor.encode_abi("anchor", args=[root]))

    call(_root("anchor-warm-up"))
    plain = call(_root("plain"))
    if anchor.functions.anchored_at(_root("plain")).call() == 0:
        raise PeerError("the anchor stored nothing")
    bare_root = merkle_root([_root(f"bare-{i}") for i in range(BARE_ROOT_ITEMS)])
    bare = call(bare_root)
    records = [
        _record("anchor_plain_eoa", plain),
        _record(f"anchor_bare_root_{BARE_ROOT_ITEMS}_per_item", bare, BARE_ROOT_ITEMS),
    ]
    return anchor, records


def measure_peers(rpc_url: str) -> list[dict[str, Any]]:
    """Deploy the peers on the (running, loopback) node at `rpc_url` and measure them.

    Returns records ``{"operation", "gas_used", "calldata_bytes"}`` in OPERATIONS order;
    batch records are per item and add ``items``, ``batch_gas_used``, ``batch_calldata_bytes``.
    """
    node = Node(rpc_url)
    keys = peer_keys()
    for key in keys:
        node.fund(key.address)
    anchor, anchor_records = measure_anchor(node, keys)
    records = anchor_records + measure_safe(node, keys, anchor) + measure_eas(node, keys)
    by_name = {r["operation"]: r for r in records}
    return [by_name[name] for name in OPERATIONS]


#: Our operation => the peer operation it is compared with (single reports).
COUNTERPARTS = {
    "submit_pending": "anchor_plain_eoa",
    "anchor_2of3_signatures": "safe_2of3_exec_transaction_anchor",
    "anchor_3of5_signatures": "safe_3of5_exec_transaction_anchor",
    "attest_direct": "eas_attest",
    "attest_by_signature": "eas_attest_by_delegation",
    "revoke_attestation": "eas_revoke",
}


def counterpart(operation: str) -> str | None:
    """The peer operation ours is compared with; batches of N compare with EAS batches.

    A batch attestation compares with `multiAttest`, an anchored batch with
    `multiTimestamp`, each of the same size (the largest measured, 100, for more).
    """
    if operation in COUNTERPARTS:
        return COUNTERPARTS[operation]
    match = re.search(r"batch\D*?(\d+)", operation)
    if match is None or not operation.endswith("_per_report"):
        return None  # a whole batch transaction has no per-item peer
    size = int(match.group(1))
    size = size if size in BATCH_SIZES else max(BATCH_SIZES)
    kind = "attest" if "attest" in operation else "timestamp"
    return f"eas_multi_{kind}_{size}_per_item"


def pair_with_peers(
    ours: list[dict[str, Any]], peers: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Our records, each with its measured peer: ``peer``, ``peer_gas``, ``peer_calldata_bytes``.

    Replaces any peer figures copied from a table; records with no measured
    counterpart lose them.
    """
    measured = {p["operation"]: p for p in peers}
    paired = []
    for record in ours:
        out = {k: v for k, v in record.items() if not k.startswith("peer")}
        peer = measured.get(counterpart(str(record["operation"])) or "")
        if peer is not None:
            out["peer"] = peer["operation"]
            out["peer_gas"] = peer["gas_used"]
            out["peer_calldata_bytes"] = peer["calldata_bytes"]
        paired.append(out)
    return paired


def main() -> int:
    """`python -m bench.peers`: the peers alone on a fresh anvil (free port), to peers.json."""
    import socket
    import sys

    from bci_registry import devnode

    with socket.socket() as s:
        s.bind((devnode.HOST, 0))
        port = int(s.getsockname()[1])
    node = devnode.start(devnode.PROJECT_ROOT / ".devnet" / "bench-peers", port=port)
    try:
        records = measure_peers(node.url)
    finally:
        node.stop()
    results = BENCH_DIR / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "peers.json").write_text(json.dumps(records, indent=2) + "\n")
    for r in records:
        print(f"{r['operation']:40} {r['gas_used']:>8,} {r['calldata_bytes']:>6}", file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
