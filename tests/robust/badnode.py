"""A misbehaving JSON-RPC node on 127.0.0.1: a small threaded server the test starts and stops.

Each mode is one way a node (or something posing as one) can go wrong. The
server only ever listens on the loopback address, on a free port.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

CHAIN_ID = 84532


def _http(body: bytes, status: str = "200 OK", extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n"
    )
    return head.encode() + body


def _reply(request_id: Any, result: Any) -> bytes:
    return _http(json.dumps({"jsonrpc": "2.0", "id": request_id, "result": result}).encode())


def _honest(method: str, request_id: Any) -> bytes:
    if method == "eth_chainId":
        return _reply(request_id, hex(CHAIN_ID))
    if method == "eth_blockNumber":
        return _reply(request_id, "0x10")
    if method == "net_version":
        return _reply(request_id, str(CHAIN_ID))
    if method == "web3_clientVersion":
        return _reply(request_id, "badnode/1.0")
    return _reply(request_id, "0x")


#: mode -> (description, answer for (method, id)); None: the mode handles the socket itself.
def _chain_id_answer(result: Any, drop: bool = False) -> Callable[[str, Any], bytes]:
    def answer(method: str, request_id: Any) -> bytes:
        if method == "eth_chainId":
            if drop:
                return _http(json.dumps({"jsonrpc": "2.0", "id": request_id}).encode())
            return _reply(request_id, result)
        return _honest(method, request_id)

    return answer


def _call_answer(result: Any) -> Callable[[str, Any], bytes]:
    def answer(method: str, request_id: Any) -> bytes:
        if method in ("eth_call", "eth_getCode"):
            return _reply(request_id, result)
        return _honest(method, request_id)

    return answer


ANSWERS: dict[str, Callable[[str, Any], bytes]] = {
    "wrong-chain": _chain_id_answer("0x1"),
    "chain-id-missing": _chain_id_answer(None, drop=True),
    "chain-id-null": _chain_id_answer(None),
    "chain-id-number": _chain_id_answer(CHAIN_ID),
    "chain-id-0xzz": _chain_id_answer("0xzz"),
    "chain-id-huge": _chain_id_answer("0x" + "f" * 5000),
    "call-odd-hex": _call_answer("0x123"),
    "call-not-hex": _call_answer("0xzz"),
    "call-garbage-abi": _call_answer("0x" + "ff" * 200),
    "call-no-code": _call_answer("0x"),
    "call-number": _call_answer(12),
    "not-json": lambda m, i: _http(b"<html>hello</html>"),
    "json-array": lambda m, i: _http(b"[1, 2, 3]"),
    "deep-json": lambda m, i: _http(b"[" * 100_000 + b"]" * 100_000),
    "long-number": lambda m, i: _http(b'{"jsonrpc":"2.0","id":1,"result":' + b"9" * 5000 + b"}"),
    "rpc-error-garbage": lambda m, i: _http(b'{"jsonrpc":"2.0","id":1,"error":[1,2]}'),
    "http-500": lambda m, i: _http(b"oops", "500 Internal Server Error"),
    "not-utf8": lambda m, i: _http(b'{"result": "\xff\xfe"}'),
}
#: modes that misbehave at the socket level
SOCKET_MODES = ("silent", "drip", "garbage-bytes", "huge", "close", "slow-headers", "endless")
MODES = (*SOCKET_MODES, *ANSWERS)


class BadNode:
    """Serve ``mode`` on 127.0.0.1:<free port> until ``stop()``."""

    def __init__(self, mode: str, drip_interval: float = 0.5) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode}")
        self.mode = mode
        self.drip_interval = drip_interval
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> BadNode:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._acceptor.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    # -------------------------------------------------------------- serving

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _read_request(self, conn: socket.socket) -> tuple[str, Any]:
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return "", None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        try:
            request = json.loads(body)
        except ValueError:
            return "", None
        if isinstance(request, list):  # a batch: answer for the first
            request = request[0] if request else {}
        return str(request.get("method", "")), request.get("id")

    def _serve(self, conn: socket.socket) -> None:
        try:
            method, request_id = self._read_request(conn)
            mode = self.mode
            if mode == "silent":
                self._stop.wait()
            elif mode == "close":
                pass
            elif mode == "drip":
                for byte in _honest(method, request_id):
                    if self._stop.wait(self.drip_interval):
                        return
                    conn.sendall(bytes([byte]))
            elif mode == "slow-headers":
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                while not self._stop.wait(self.drip_interval):
                    conn.sendall(b"X-Wait: 1\r\n")
            elif mode == "garbage-bytes":
                conn.sendall(bytes(range(256)) * 64)
            elif mode == "huge":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
                conn.sendall(b'{"jsonrpc":"2.0","id":1,"result":"0x')
                chunk = b"00" * 65536
                deadline = time.monotonic() + 60
                while not self._stop.is_set() and time.monotonic() < deadline:
                    conn.sendall(chunk)
            elif mode == "endless":
                body = b"00" * 65536
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n" + body)
                while not self._stop.is_set():
                    conn.sendall(body)
            else:
                conn.sendall(ANSWERS[mode](method, request_id))
        except OSError:
            pass
        finally:
            conn.close()
