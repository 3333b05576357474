"""A small keep-alive JSON-RPC client for the index (one connection, batch requests).

The index asks many small questions (headers, logs); one persistent HTTP/1.1
connection and JSON-RPC batches keep catch-up fast. Not thread-safe: each user
(the index thread) has its own client.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from itertools import count
from typing import Any


class RpcFailure(RuntimeError):
    """The node did not answer, or answered with an error."""


class RpcClient:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"--rpc-url {url!r} is not an http(s) URL")
        self.url = url
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = parsed.port or (443 if self._https else 80)
        self._path = parsed.path or "/"
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._ids = count(1)

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self._timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _post(self, payload: Any) -> Any:
        body = json.dumps(payload).encode()
        for attempt in (1, 2):  # a kept-alive connection the node closed: retry once
            conn = self._connection()
            try:
                conn.request("POST", self._path, body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt == 2:
                    raise RpcFailure(f"node at {self.url} is unreachable ({exc})") from None
                continue
            if response.status != 200:
                raise RpcFailure(f"node at {self.url} answered HTTP {response.status}")
            try:
                return json.loads(raw)
            except ValueError:
                raise RpcFailure(f"node at {self.url} answered no JSON") from None
        raise AssertionError("unreachable")

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        reply = self._post(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params or []}
        )
        if not isinstance(reply, dict):
            raise RpcFailure(f"{method}: not a JSON-RPC answer")
        if "error" in reply:
            error = reply["error"] or {}
            raise RpcFailure(f"{method}: {error.get('message', error)}")
        return reply.get("result")

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """Several calls in one request; answers in the order asked."""
        if not calls:
            return []
        first = next(self._ids)
        ids = [first + i for i in range(len(calls))]
        self._ids = count(ids[-1] + 1)
        replies = self._post(
            [
                {"jsonrpc": "2.0", "id": i, "method": m, "params": p}
                for i, (m, p) in zip(ids, calls, strict=True)
            ]
        )
        if not isinstance(replies, list):
            raise RpcFailure("the node does not answer JSON-RPC batches")
        by_id = {r.get("id"): r for r in replies if isinstance(r, dict)}
        out = []
        for i, (method, _) in zip(ids, calls, strict=True):
            reply = by_id.get(i)
            if reply is None:
                raise RpcFailure(f"{method}: no answer in the batch")
            if "error" in reply:
                raise RpcFailure(f"{method}: {reply['error'].get('message', reply['error'])}")
            out.append(reply.get("result"))
        return out
