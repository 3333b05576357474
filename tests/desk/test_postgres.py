"""Two desks on one PostgreSQL index: one follows the chain, one only serves it
(``--no-index``), as when one machine is not enough. Both answer the same, and the
serving desk's live feed follows what the other one indexes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deskutil import (
    ORGANISATION,
    SAMPLE,
    Story,
    Subscriber,
    get_json,
    start_desk,
    wait_indexed,
)

from bci_registry.report import load_report, seal_report


def test_a_serving_desk_reads_what_another_desk_indexes(
    story: Story, anvil: Any, postgres: Any, tmp_path: Path
) -> None:
    database = postgres.new_database()
    writer = start_desk(story.manifest, anvil.url, tmp_path / "w", "--database", database,
                        "--workers", "1")  # fmt: skip
    reader = None
    try:
        wait_indexed(writer.url, story.chain.head())
        reader = start_desk(story.manifest, anvil.url, tmp_path / "r", "--database", database,
                            "--no-index", "--workers", "1")  # fmt: skip
        status = get_json(reader.url + "/v1/status")
        assert status["database"] == "postgresql" and not status["index"]["following"]
        path = f"/v1/reports/{ORGANISATION}/{story.root}"
        assert get_json(reader.url + path) == get_json(writer.url + path)
        last = get_json(reader.url + "/v1/status")["index"]["last_event_id"]
        subscriber = Subscriber(reader.url, last_event_id=last)
        subscriber.start()
        assert subscriber.connected.wait(10)
        root = seal_report(load_report(SAMPLE), organisation=story.organisation).root
        assert story.chain.anchor(story.organisation, root, story.signers[:2], story.erp)
        subscriber.wait_for(1)
        assert subscriber.events[0]["event"] == "ReportAnchored"
        assert subscriber.events[0]["id"] == last + 1
        report = get_json(f"{reader.url}/v1/reports/{ORGANISATION}/0x{root.hex()}")
        assert report["view"]["report"]["state"] == "anchored"
    finally:
        if reader is not None:
            reader.stop()
        writer.stop()
