"""The event index, in process, on SQLite and PostgreSQL alike (the ``database`` fixture).

- After a random sequence of registry operations, the index's view of every report
  equals the contract's ``customs_view`` (and of every verifier, ``verifier()``).
- A restart resumes from the cursor: every log once, ids without a gap.
- A rebuild from scratch gives the same events.
- A reorg is undone and re-applied; confirmations hold the index back.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from deskutil import SAMPLE, play_story
from localchain import YEAR, LocalChain

from bci_registry.customs.chain import ChainReader, http_node
from bci_registry.desk import state
from bci_registry.desk.indexer import Indexer
from bci_registry.desk.store import Store
from bci_registry.report import load_report, seal_report

SAMPLE_REPORT = None


def catch_up(store: Store, chain: LocalChain, confirmations: int = 0, page: int = 2000) -> Indexer:
    indexer = Indexer(
        store, chain.url, chain.deployment, confirmations=confirmations, page_blocks=page
    )
    indexer.bind()
    target = chain.head() - confirmations
    for _ in range(10_000):
        indexer.step()
        if indexer.cursor() >= target:
            return indexer
    raise AssertionError("the index did not catch up")


def chain_logs(chain: LocalChain) -> list[tuple[int, int]]:
    logs = chain.w3.eth.get_logs(
        {
            "fromBlock": chain.deployment.report_registry.block,
            "toBlock": chain.head(),
            "address": [chain.deployment.registry, chain.deployment.attestations],
        }
    )
    return [(int(entry["blockNumber"]), int(entry["logIndex"])) for entry in logs]


def indexed_logs(store: Store) -> list[tuple[int, int]]:
    rows = store.events_after(0, 1_000_000)
    return [(r.block_number, r.log_index) for r in rows if r.name != "Reorg"]


def _hex(raw: bytes) -> str:
    return "0x" + raw.hex()


def assert_views_equal(store: Store, chain: LocalChain, reports: set[tuple[bytes, bytes]]) -> int:
    reader = ChainReader(http_node(chain.url), chain.deployment)
    compared = 0
    for org, root in sorted(reports):
        on_chain = reader.view(org, root)
        indexed = state.customs_view(store, _hex(org), _hex(root), on_chain.checked_at)
        assert indexed == on_chain, (org, root)
        compared += 1
    return compared


def assert_verifiers_equal(store: Store, chain: LocalChain, verifiers: list[Any]) -> None:
    now = ChainReader(http_node(chain.url), chain.deployment).view(bytes(32), bytes(32)).checked_at
    found = state.verifiers(store)
    for account in verifiers:
        on_chain = chain.attestations.functions.verifier(account.address).call()
        mine = (found.get(account.address) or state.VerifierState(account.address)).to_json(now)
        assert (
            mine["status_code"], mine["verifier_id"], mine["index"], mine["scope"],
            mine["valid_from"], mine["valid_until"], mine["invalid_since"],
            mine["nonce_base"], mine["used_nonces"],
        ) == (
            on_chain[0], _hex(on_chain[1]), on_chain[2], on_chain[3], on_chain[4],
            on_chain[5], on_chain[6], on_chain[7], on_chain[8],
        ), account.address  # fmt: skip


def random_history(
    chain: LocalChain, seed: int, steps: int
) -> tuple[set[tuple[bytes, bytes]], list[Any]]:
    """Random registry operations (many refused, as on a real chain); the reports touched."""
    rng = random.Random(seed)
    template = load_report(SAMPLE)
    orgs = {}
    relayer = chain.account()
    for name in ("ORG-A", "ORG-B"):
        org = name.encode().ljust(32, b"\0")
        signers = [chain.account() for _ in range(4)]
        submitter = chain.account()
        chain.register(org, signers[:3], 2, [submitter])
        orgs[org] = {
            "signers": signers[:3],
            "spare": signers[3],
            "submitter": submitter,
            "roots": [],
        }
    verifiers = [chain.account() for _ in range(3)]
    for i, v in enumerate(verifiers[:2]):
        chain.accredit(v, f"lab-{i}", scope=0xFFF if i == 0 else 0x07F)
    touched: set[tuple[bytes, bytes]] = set()

    def pick_report(org: bytes) -> bytes | None:
        roots = orgs[org]["roots"]
        return rng.choice(roots) if roots else None

    for _ in range(steps):
        org = rng.choice(list(orgs))
        o = orgs[org]
        op = rng.randrange(20)
        if op <= 3:  # a new report, anchored in one transaction or submitted
            root = seal_report(template, organisation=org).root
            o["roots"].append(root)
            touched.add((org, root))
            supersedes = pick_report(org) if rng.random() < 0.3 else None
            if rng.random() < 0.5:
                chain.anchor(
                    org, root, rng.sample(o["signers"], 2), relayer, supersedes or bytes(32)
                )
            else:
                chain.submit(org, root, o["submitter"], supersedes or bytes(32))
        elif op <= 5 and o["roots"]:  # on-chain approvals
            root = pick_report(org)
            status = chain.registry.functions.report_status(org, root).call()
            chain.approve(org, root, rng.choice(o["signers"]), status[9])
        elif op == 6 and o["roots"]:
            chain.approve_with_signatures(
                org, pick_report(org), rng.sample(o["signers"], rng.randint(1, 2)), relayer
            )
        elif op <= 8 and o["roots"]:
            verifier = rng.choice(verifiers)
            now = chain.now()
            chain.attest(
                org,
                pick_report(org),
                verifier,
                verdict=rng.choice([1, 1, 2, 3]),
                fields=rng.choice([0xFFF, 0x07F, 0x001]),
                verified_at=now - rng.randint(1, 100),
                expires_in=rng.choice([3600, YEAR // 4]),
            )
        elif op == 9 and o["roots"]:
            chain.revoke_attestation(
                org, pick_report(org), rng.choice(verifiers), rng.randint(1, 9)
            )
        elif op == 10 and o["roots"]:
            chain.revoke(
                org, pick_report(org), rng.randint(1, 5), rng.sample(o["signers"], 2), relayer
            )
        elif op == 11 and o["roots"]:
            chain.revoke_for_cause(org, pick_report(org), 99)
        elif op == 12:
            chain.suspend_organisation(org) if rng.random() < 0.5 else chain.reinstate_organisation(
                org
            )
        elif op == 13:
            chain.pause() if rng.random() < 0.4 else chain.unpause()
        elif op == 14:  # a signer-set change by threshold signatures
            new = [*o["signers"][1:], o["spare"]]
            if chain.update_organisation(
                org, o["signers"][:2], new, rng.choice([1, 2, 3]), [o["submitter"]], relayer
            ):
                o["spare"], o["signers"] = o["signers"][0], new
        elif op == 15:
            v = rng.choice(verifiers)
            action = rng.randrange(5)
            if action == 0:
                chain.accredit(v, f"lab-{verifiers.index(v)}")
            elif action == 1:
                chain.suspend_verifier(v)
            elif action == 2:
                chain.extend(v, chain.now() + YEAR + rng.randint(1, 1000))
            elif action == 3:
                chain.suspend_verifier_for_cause(v, chain.now() - rng.randint(0, 30))
            else:
                chain.cancel_nonces(v, rng.randint(1, 80))
        elif op == 16:  # time passes: short attestations expire
            chain.w3.provider.make_request("evm_increaseTime", [rng.choice([60, 4000, 86400])])
            chain.mine()
    touched.add((next(iter(orgs)), b"\x42" * 32))  # never anchored
    return touched, verifiers


@pytest.mark.parametrize("seed", [11, 23])
def test_index_view_equals_customs_view_after_random_operations(
    chain: LocalChain, database: str, seed: int
) -> None:
    reports, verifiers = random_history(chain, seed, steps=70)
    store = Store(database)
    try:
        catch_up(store, chain, page=7)  # small pages: many page boundaries
        assert indexed_logs(store) == chain_logs(chain)
        assert assert_views_equal(store, chain, reports) == len(reports)
        assert_verifiers_equal(store, chain, verifiers)
        states = {state.fold_report(store, _hex(o), _hex(r)).report.state for o, r in reports}
        assert len(states) >= 3, f"the random history reached too few report states: {states}"
    finally:
        store.close()


def test_restart_resumes_without_loss_or_duplicate_and_rebuild_is_identical(
    chain: LocalChain, database: str, tmp_path: Any
) -> None:
    play_story(chain, tmp_path / "one")
    store = Store(database)
    try:
        first = Indexer(store, chain.url, chain.deployment, confirmations=0, page_blocks=2)
        first.bind()
        first.step()
        first.step()  # a "crash" after two pages
        cursor = store.cursor()
        assert cursor is not None and cursor < chain.head()
        play_story(
            chain, tmp_path / "two", organisation="JP-CN-0002"
        )  # the chain goes on meanwhile
        catch_up(store, chain, page=3)  # a new process, the same database
        rows = store.events_after(0, 10_000)
        assert [r.id for r in rows] == list(range(1, len(rows) + 1)), "a gap in the ids"
        assert indexed_logs(store) == chain_logs(chain)
        before = [(r.block_number, r.log_index, r.name, r.args) for r in rows]
        store.reset()
        catch_up(store, chain)
        after = [
            (r.block_number, r.log_index, r.name, r.args) for r in store.events_after(0, 10_000)
        ]
        assert after == before
    finally:
        store.close()


def test_another_deployment_is_refused_without_rebuild(
    chain: LocalChain, anvil: Any, database: str
) -> None:
    from bci_registry.desk.store import StoreMismatch

    store = Store(database)
    try:
        catch_up(store, chain)
        other = LocalChain.deploy(anvil.url)
        with pytest.raises(StoreMismatch, match="--rebuild"):
            Indexer(store, other.url, other.deployment).bind()
    finally:
        store.close()


def test_reorg_is_undone_and_reapplied(chain: LocalChain, database: str, tmp_path: Any) -> None:
    story = play_story(chain, tmp_path / "base")
    store = Store(database)
    try:
        catch_up(store, chain)
        snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]
        template = load_report(SAMPLE)
        lost = seal_report(template, organisation=story.organisation).root
        assert chain.anchor(story.organisation, lost, story.signers[:2], story.erp)
        assert chain.attest(story.organisation, lost, story.verifier)
        catch_up(store, chain)
        assert state.fold_report(store, _hex(story.organisation), _hex(lost)).report.state == 2
        withdrawn_head = chain.head()
        # The chain reorganises: the two blocks are replaced by others.
        chain.w3.provider.make_request("evm_revert", [snapshot])
        chain.nonces.clear()
        kept = seal_report(template, organisation=story.organisation).root
        assert chain.anchor(story.organisation, kept, story.signers[1:], story.erp)
        assert chain.revoke_attestation(
            story.organisation, bytes.fromhex(story.root[2:]), story.verifier
        )
        chain.mine(2)
        assert chain.head() >= withdrawn_head
        indexer = catch_up(store, chain)
        assert indexer.reorgs == 1
        assert indexed_logs(store) == chain_logs(chain)
        reorgs = [r for r in store.events_after(0, 10_000) if r.name == "Reorg"]
        assert len(reorgs) == 1 and reorgs[0].args["from_block"] <= withdrawn_head
        org = story.organisation
        assert_views_equal(
            store, chain, {(org, lost), (org, kept), (org, bytes.fromhex(story.root[2:]))}
        )
        assert state.fold_report(store, _hex(org), _hex(lost)).report.state == 0
    finally:
        store.close()


def test_confirmations_hold_the_index_back(chain: LocalChain, database: str, tmp_path: Any) -> None:
    play_story(chain, tmp_path / "s")
    store = Store(database)
    try:
        indexer = catch_up(store, chain, confirmations=3)
        assert store.cursor() == chain.head() - 3
        indexer.step()
        assert store.cursor() == chain.head() - 3
        chain.mine(3)
        catch_up(store, chain, confirmations=3)
        assert indexed_logs(store) == chain_logs(chain)
    finally:
        store.close()
