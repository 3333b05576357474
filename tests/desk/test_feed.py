"""The live feed: Server-Sent Events of every registry event, in order, resumable.

A subscriber receives the history and then each event as the index commits it;
the desk is killed mid-stream (SIGKILL) while the chain goes on, restarted on the
same database, and a subscriber resuming with ``Last-Event-ID`` receives every
event exactly once: no duplicate, no gap, in the chain's order.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from deskutil import SAMPLE, DeskProcess, Story, Subscriber, start_desk
from localchain import LocalChain

from bci_registry import devnode
from bci_registry.report import load_report, seal_report


def chain_logs(chain: LocalChain) -> list[tuple[int, int]]:
    logs = chain.w3.eth.get_logs(
        {
            "fromBlock": chain.deployment.report_registry.block,
            "toBlock": chain.head(),
            "address": [chain.deployment.registry, chain.deployment.attestations],
        }
    )
    return [(int(e["blockNumber"]), int(e["logIndex"])) for e in logs]


def new_report(story: Story) -> bytes:
    return seal_report(load_report(SAMPLE), organisation=story.organisation).root


@pytest.fixture
def feed_desk(story: Story, anvil: devnode.DevNode, tmp_path: Path) -> Any:
    holder: dict[str, DeskProcess] = {}
    database = f"sqlite:///{tmp_path / 'feed.sqlite3'}"
    holder["desk"] = start_desk(
        story.manifest, anvil.url, tmp_path, "--database", database, "--workers", "1"
    )
    yield holder
    holder["desk"].stop()


def test_feed_in_order_and_resumes_after_a_kill_without_duplicate_or_gap(
    story: Story, feed_desk: dict[str, DeskProcess]
) -> None:
    chain = story.chain
    desk = feed_desk["desk"]
    first = Subscriber(desk.url)
    first.start()
    assert first.connected.wait(10)
    history = len(chain_logs(chain))
    first.wait_for(history)  # the history, from the start
    # Live: anchored and attested while subscribed.
    root = new_report(story)
    assert chain.anchor(story.organisation, root, story.signers[:2], story.erp)
    anchored_at = time.monotonic()
    assert chain.attest(story.organisation, root, story.verifier)
    first.wait_for(history + 2)
    latency = first.arrived[history] - anchored_at
    assert [e["event"] for e in first.events[history:]] == ["ReportAnchored", "AttestationMade"]
    assert latency < 2.0, f"an event reached the feed {latency:.2f} s after its block"

    # The desk dies mid-stream; the chain goes on without it.
    desk.kill()
    assert first.ended.wait(10)
    received = list(first.events)
    second_root = new_report(story)
    assert chain.anchor(story.organisation, second_root, story.signers[1:], story.erp)
    assert chain.revoke_attestation(story.organisation, root, story.verifier, 3)
    assert chain.suspend_verifier(story.verifier)

    # Restarted on the same database and port; the subscriber resumes from its last id.
    port = int(urlsplit(desk.url).port or 0)
    restarted = start_desk(
        Path(desk.args[desk.args.index("--manifest") + 1]),
        desk.args[desk.args.index("--rpc-url") + 1],
        desk.log.parent,
        "--database", desk.args[desk.args.index("--database") + 1], "--workers", "1",
        port=port,
    )  # fmt: skip
    feed_desk["desk"] = restarted
    second = Subscriber(restarted.url, last_event_id=received[-1]["id"])
    second.start()
    assert second.connected.wait(10)
    second.wait_for(3)  # anchored, attestation revoked, verifier suspended
    assert chain.pause()
    expected = len(chain_logs(chain))
    second.wait_for(expected - len(received))
    time.sleep(0.3)  # nothing more may come
    everything = received + second.events
    ids = [e["id"] for e in everything]
    assert ids == list(range(1, len(ids) + 1)), "a duplicate or a gap"
    assert [(e["block"], e["log_index"]) for e in everything] == chain_logs(chain)
    tail = [e["event"] for e in second.events]
    assert tail == ["ReportAnchored", "AttestationRevoked", "VerifierSuspended", "Paused"], tail
