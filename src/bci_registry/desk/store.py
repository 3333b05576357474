"""The index's tables (SQLAlchemy Core): SQLite by default, PostgreSQL with ``--database``.

- ``events``: every registry event, decoded, in chain order. Its ``id`` is the
  feed's cursor (``Last-Event-ID``): ids only grow and are never reused (SQLite
  ``AUTOINCREMENT``, a PostgreSQL identity), so a subscriber resuming after id N
  gets exactly the events committed after N. A ``Reorg`` row is appended when the
  index undoes blocks (``args.from_block``: events above it were withdrawn).
- ``blocks``: the hash and time of every indexed block that has events, and of
  each page's last block: how a reorg is detected and its depth found.
- ``meta``: the chain and registries the index follows, and the cursor (the last
  indexed block). A page of events and its cursor commit in one transaction:
  a crash leaves the index at a page boundary, never half-way.

Derived state (reports, organisations, verifiers) is not stored: ``state`` folds
the few events of one report, organisation or verifier when asked, so undoing a
reorg is deleting rows, and rebuilding is replaying the chain.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.engine import Engine

SCHEMA_VERSION = "1"

_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite: INTEGER PRIMARY KEY AUTOINCREMENT

metadata = MetaData()

meta = Table(
    "desk_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

blocks = Table(
    "desk_blocks",
    metadata,
    Column("number", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", String(66), nullable=False),
    Column("time", BigInteger, nullable=False),
)

events = Table(
    "desk_events",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("block_number", BigInteger, nullable=False),
    Column("block_hash", String(66)),  # NULL for a synthetic Reorg row
    Column("block_time", BigInteger, nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("tx_hash", String(66)),
    Column("contract", String(32), nullable=False),
    Column("name", String(64), nullable=False),
    Column("organisation", String(66)),
    Column("report", String(66)),
    Column("successor", String(66)),
    Column("verifier", String(42)),
    Column("args", Text, nullable=False),
    UniqueConstraint("block_hash", "log_index", name="desk_events_log"),
    Index("desk_events_block", "block_number"),
    Index("desk_events_report", "organisation", "report"),
    Index("desk_events_successor", "organisation", "successor"),
    Index("desk_events_verifier", "verifier"),
    Index("desk_events_name", "name"),
    sqlite_autoincrement=True,
)


class StoreMismatch(RuntimeError):
    """The database indexes another chain or deployment than the manifest's."""


@dataclass(frozen=True)
class EventRow:
    """One indexed event, as the API and the feed give it."""

    id: int
    block_number: int
    block_hash: str | None
    block_time: int
    log_index: int
    tx_hash: str | None
    contract: str
    name: str
    args: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.name,
            "contract": self.contract,
            "block": self.block_number,
            "block_hash": self.block_hash,
            "time": self.block_time,
            "log_index": self.log_index,
            "transaction": self.tx_hash,
            "args": self.args,
        }


def _row(r: Any) -> EventRow:
    return EventRow(
        id=int(r.id),
        block_number=int(r.block_number),
        block_hash=r.block_hash,
        block_time=int(r.block_time),
        log_index=int(r.log_index),
        tx_hash=r.tx_hash,
        contract=r.contract,
        name=r.name,
        args=json.loads(r.args),
    )


def database_url(database: str | None, manifest: Path) -> str:
    """The SQLAlchemy URL: SQLite beside the manifest by default; PostgreSQL via psycopg 3."""
    if not database:
        path = manifest.resolve().with_name(manifest.stem + ".desk.sqlite3")
        return f"sqlite:///{path}"
    if database.startswith("postgresql://") or database.startswith("postgres://"):
        return "postgresql+psycopg://" + database.split("://", 1)[1]
    return database


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=8
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)


class Store:
    """The index database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        metadata.create_all(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------- meta

    def get_meta(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return {r.key: r.value for r in conn.execute(select(meta))}

    def bind(self, chain_id: int, registry: str, attestations: str, start_block: int) -> None:
        """Record what this database indexes; StoreMismatch if it indexes something else."""
        want = {
            "schema": SCHEMA_VERSION,
            "chain_id": str(chain_id),
            "report_registry": registry.lower(),
            "attestation_registry": attestations.lower(),
            "start_block": str(start_block),
        }
        with self.engine.begin() as conn:
            have = {r.key: r.value for r in conn.execute(select(meta))}
            if not have:
                conn.execute(insert(meta), [{"key": k, "value": v} for k, v in want.items()])
                return
            differ = [k for k, v in want.items() if have.get(k) != v]
            if differ:
                raise StoreMismatch(
                    "the index database follows another deployment ("
                    + ", ".join(f"{k} {have.get(k)} != {want[k]}" for k in differ)
                    + "): start with --rebuild to index this one from scratch"
                )

    def reset(self) -> None:
        """Drop everything (``--rebuild``)."""
        with self.engine.begin() as conn:
            conn.execute(delete(events))
            conn.execute(delete(blocks))
            conn.execute(delete(meta))

    def cursor(self) -> int | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(meta.c.value).where(meta.c.key == "cursor")).scalar()
        return None if value is None else int(value)

    @staticmethod
    def _set_cursor(conn: Any, block: int) -> None:
        updated = conn.execute(
            meta.update().where(meta.c.key == "cursor").values(value=str(block))
        ).rowcount
        if not updated:
            conn.execute(insert(meta).values(key="cursor", value=str(block)))

    # ------------------------------------------------------------ writes

    def append(
        self,
        rows: Sequence[dict[str, Any]],
        block_rows: Iterable[tuple[int, str, int]],
        cursor: int,
    ) -> list[EventRow]:
        """One page: its events, its block hashes and the new cursor, in one transaction."""
        with self.engine.begin() as conn:
            first_new = None
            if rows:
                last = conn.execute(select(func.max(events.c.id))).scalar() or 0
                conn.execute(insert(events), list(rows))
                first_new = last
            known = {
                int(n)
                for n in conn.execute(
                    select(blocks.c.number).where(
                        blocks.c.number.in_([b[0] for b in block_rows] or [-1])
                    )
                ).scalars()
            }
            fresh = [
                {"number": n, "hash": h, "time": t} for n, h, t in block_rows if n not in known
            ]
            if fresh:
                conn.execute(insert(blocks), fresh)
            self._set_cursor(conn, cursor)
            if first_new is None:
                return []
            result = conn.execute(
                select(events).where(events.c.id > first_new).order_by(events.c.id)
            )
            return [_row(r) for r in result]

    def undo_above(self, block: int, reorg_args: dict[str, Any], time: int) -> EventRow:
        """Withdraw every block above ``block`` and append the Reorg row, in one transaction."""
        with self.engine.begin() as conn:
            conn.execute(delete(events).where(events.c.block_number > block))
            conn.execute(delete(blocks).where(blocks.c.number > block))
            self._set_cursor(conn, block)
            conn.execute(
                insert(events).values(
                    block_number=block,
                    block_hash=None,
                    block_time=time,
                    log_index=-1,
                    tx_hash=None,
                    contract="index",
                    name="Reorg",
                    args=json.dumps(reorg_args),
                )
            )
            row = conn.execute(select(events).order_by(events.c.id.desc()).limit(1)).one()
            return _row(row)

    # ------------------------------------------------------------- reads

    def stored_blocks(self, at_or_below: int, limit: int) -> list[tuple[int, str]]:
        with self.engine.connect() as conn:
            result = conn.execute(
                select(blocks.c.number, blocks.c.hash)
                .where(blocks.c.number <= at_or_below)
                .order_by(blocks.c.number.desc())
                .limit(limit)
            )
            return [(int(n), h) for n, h in result]

    def block(self, number: int) -> tuple[str, int] | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(blocks).where(blocks.c.number == number)).first()
            return None if r is None else (r.hash, int(r.time))

    def latest_block(self) -> tuple[int, str, int] | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(blocks).order_by(blocks.c.number.desc()).limit(1)).first()
            return None if r is None else (int(r.number), r.hash, int(r.time))

    def events_after(self, after: int, limit: int, **filters: str | None) -> list[EventRow]:
        query = select(events).where(events.c.id > after)
        for column in ("organisation", "report", "verifier", "name"):
            value = filters.get(column)
            if value is not None:
                query = query.where(events.c[column] == value)
        with self.engine.connect() as conn:
            result = conn.execute(query.order_by(events.c.id).limit(limit))
            return [_row(r) for r in result]

    def last_event_id(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.max(events.c.id))).scalar() or 0)

    def count_events(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(events)).scalar() or 0)

    def report_events(self, organisation: str, report: str) -> list[EventRow]:
        """A report's own events, the supersession naming it as successor, and its
        organisation's events (signer slots at each approval), in chain order."""
        with self.engine.connect() as conn:
            result = conn.execute(
                select(events)
                .where(events.c.organisation == organisation)
                .where(
                    or_(
                        events.c.report == report,
                        events.c.successor == report,
                        events.c.report.is_(None),
                    )
                )
                .order_by(events.c.id)
            )
            return [_row(r) for r in result]

    def organisation_events(self, organisation: str) -> list[EventRow]:
        with self.engine.connect() as conn:
            result = conn.execute(
                select(events)
                .where(events.c.organisation == organisation)
                .where(events.c.report.is_(None))
                .order_by(events.c.id)
            )
            return [_row(r) for r in result]

    def organisations(self) -> list[str]:
        with self.engine.connect() as conn:
            result = conn.execute(
                select(events.c.organisation)
                .where(events.c.name == "OrganisationRegistered")
                .order_by(events.c.id)
            )
            return [r for (r,) in result]

    def organisation_reports(
        self, organisation: str, after: int, limit: int
    ) -> list[tuple[int, str]]:
        """(first event id, root) of an organisation's reports, by first appearance."""
        first = func.min(events.c.id).label("first")
        with self.engine.connect() as conn:
            result = conn.execute(
                select(first, events.c.report)
                .where(events.c.organisation == organisation)
                .where(events.c.report.is_not(None))
                .where(events.c.contract == "ReportRegistry")
                .group_by(events.c.report)
                .having(func.min(events.c.id) > after)
                .order_by(first)
                .limit(limit)
            )
            return [(int(i), r) for i, r in result]

    def verifier_events(self, verifiers: Sequence[str] | None = None) -> list[EventRow]:
        query = (
            select(events)
            .where(events.c.contract == "AttestationRegistry")
            .where(events.c.report.is_(None))
        )
        if verifiers is not None:
            query = query.where(events.c.verifier.in_(list(verifiers) or [""]))
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query.order_by(events.c.id))]

    def pause_events(self) -> list[EventRow]:
        with self.engine.connect() as conn:
            result = conn.execute(
                select(events)
                .where(events.c.contract == "ReportRegistry")
                .where(events.c.name.in_(["Paused", "Unpaused"]))
                .order_by(events.c.id)
            )
            return [_row(r) for r in result]

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
