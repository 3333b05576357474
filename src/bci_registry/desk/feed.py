"""The live feed's hub: one reader of the index for every subscriber.

A single task reads new event rows from the store (woken by the local index
after each commit, and polling anyway, so a desk reading a PostgreSQL index that
another process writes also follows it) and keeps the most recent ones in
memory; subscribers wait on one condition and read from memory, so a thousand
subscribers cost one query per commit. A subscriber whose cursor is older than
the memory window reads from the store. A ``Reorg`` row withdraws the events
above its ``from_block`` from memory too (the store deleted them already).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool

from bci_registry.desk.store import EventRow, Store

WINDOW = 20_000
HEARTBEAT_SECONDS = 15.0


def sse_message(row: EventRow) -> str:
    data = json.dumps(row.to_json(), separators=(",", ":"))
    return f"id: {row.id}\nevent: {row.name}\ndata: {data}\n\n"


class FeedHub:
    def __init__(self, store: Store, poll_interval: float = 1.0) -> None:
        self.store = store
        self.poll_interval = poll_interval
        self.recent: collections.deque[EventRow] = collections.deque()
        self.floor = 0  # every event with id > floor is in `recent`
        self.latest = 0
        self.subscribers = 0
        self._cond: asyncio.Condition | None = None
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._cond = asyncio.Condition()
        self._wake = asyncio.Event()
        self.floor = self.latest = await run_in_threadpool(self.store.last_event_id)
        self._task = asyncio.create_task(self._follow(), name="bci-desk-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    def notify_threadsafe(self, *_: object) -> None:
        """Called by the index thread after a commit."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def _follow(self) -> None:
        assert self._wake is not None and self._cond is not None
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()
            try:
                while True:
                    rows = await run_in_threadpool(self.store.events_after, self.latest, 2000)
                    if not rows:
                        break
                    self._take(rows)
                    async with self._cond:
                        self._cond.notify_all()
                    if len(rows) < 2000:
                        break
            except Exception:  # the store is briefly unavailable: next poll
                await asyncio.sleep(self.poll_interval)

    def _take(self, rows: list[EventRow]) -> None:
        for row in rows:
            if row.name == "Reorg":
                cut = int(row.args.get("from_block", 0))
                kept = [r for r in self.recent if r.block_number < cut or r.name == "Reorg"]
                self.recent = collections.deque(kept)
            self.recent.append(row)
            self.latest = max(self.latest, row.id)
        while len(self.recent) > WINDOW:
            self.floor = self.recent.popleft().id

    async def read(self, after: int, limit: int = 500) -> list[EventRow]:
        if after >= self.floor:
            out = []
            for row in self.recent:
                if row.id > after:
                    out.append(row)
                    if len(out) >= limit:
                        break
            return out
        return await run_in_threadpool(self.store.events_after, after, limit)

    async def wait_beyond(self, after: int, timeout: float) -> bool:
        assert self._cond is not None
        async with self._cond:
            try:
                await asyncio.wait_for(self._cond.wait_for(lambda: self.latest > after), timeout)
            except TimeoutError:
                return False
        return True

    async def stream(self, after: int, is_disconnected: object) -> AsyncIterator[str]:
        """SSE text: every event after ``after``, then live ones; heartbeats while idle."""
        self.subscribers += 1
        try:
            cursor = after
            yield "retry: 1000\n\n"
            while True:
                rows = await self.read(cursor)
                for row in rows:
                    yield sse_message(row)
                    cursor = row.id
                if rows:
                    continue
                if not await self.wait_beyond(cursor, HEARTBEAT_SECONDS):
                    yield ": keep-alive\n\n"
        finally:
            self.subscribers -= 1
