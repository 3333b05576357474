"""A minimal JSON-RPC client over HTTP(S), standard library only, with a total deadline.

The customs check and the dev node need a handful of reads; importing
web3.py for them costs most of a second on every run of `bci-verify`.

Every request has a *total* deadline: the connection, the TLS handshake,
sending and every read share one budget (a node that answers one byte every
two seconds is cut off like one that never answers). A command can also give
an overall ``Deadline`` that every request of the command shares. A node's
answer is untrusted input: its size is capped, its JSON goes through the
bounded parser, and a malformed URL is refused before anything is sent.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import time
import urllib.parse
import urllib.request
from itertools import count
from typing import Any

from bci_registry import inputs

_ids = count(1)

#: Largest answer accepted (a batch of 100 customs views is well under 1 MiB).
MAX_ANSWER_BYTES = 16 * 1024 * 1024
_MAX_HEADER_BYTES = 64 * 1024


class RpcUnreachable(ConnectionError):
    """No usable answer: refused, timed out, too large, or not an HTTP JSON-RPC endpoint."""


class RpcTimeout(RpcUnreachable):
    """The request's own time limit, or the command's overall deadline, ran out."""


class RpcMalformed(RpcUnreachable):
    """An answer came, but it is not a usable JSON-RPC response (not HTTP, too big, not JSON)."""


class _NotHttp(OSError):
    """Raised inside the HTTP exchange for an answer that breaks the protocol."""


class RpcBadUrl(RpcUnreachable, ValueError):
    """The node URL cannot be used (no http:// or https://, a broken host or port)."""


class RpcError(RuntimeError):
    """The node answered with a JSON-RPC error (e.g. an `eth_call` that reverted)."""

    def __init__(self, method: str, error: Any) -> None:
        error = error if isinstance(error, dict) else {"message": str(error)[:200]}
        self.code = error.get("code")
        self.data = error.get("data")
        message = str(error.get("message", "error"))[:300]
        super().__init__(f"{method}: {message}")


class Deadline:
    """A command's overall time budget, shared by all of its requests."""

    def __init__(self, seconds: float, what: str = "the command") -> None:
        self.seconds = seconds
        self.what = what
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.end - time.monotonic()


def check_url(url: str) -> urllib.parse.SplitResult:
    """The parts of an http(s) URL with a host; RpcBadUrl names what is wrong."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RpcBadUrl(f"{url!r} is not a usable URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise RpcBadUrl(f"{url!r} is not an http:// or https:// URL (e.g. http://127.0.0.1:8545)")
    if not parts.hostname:
        raise RpcBadUrl(f"{url!r} names no host")
    if port == 0:
        raise RpcBadUrl(f"{url!r} names port 0")
    return parts


def request(
    url: str,
    method: str,
    params: list[Any] | None = None,
    timeout: float = 10.0,
    deadline: Deadline | None = None,
    max_bytes: int = MAX_ANSWER_BYTES,
) -> Any:
    """Send one JSON-RPC request and return its `result`, within ``timeout`` seconds in total.

    ``deadline``: the command's overall budget; the request stops at whichever
    ends first, and the RpcTimeout says which.
    """
    parts = check_url(url)
    limit, because = timeout, f"within {timeout:g} s"
    if deadline is not None and deadline.remaining() < timeout:
        limit = max(deadline.remaining(), 0.0)
        because = f"before {deadline.what}'s overall deadline of {deadline.seconds:g} s"
    end = time.monotonic() + limit
    body = json.dumps(
        {"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": params or []}
    ).encode()
    try:
        if limit <= 0:
            raise TimeoutError
        status, reason, payload = _post(parts, body, end, max_bytes)
    except TimeoutError:
        raise RpcTimeout(f"no complete answer to {method} {because}") from None
    except _NotHttp as exc:
        raise RpcMalformed(f"{exc} (to {method})") from None
    except ssl.SSLError as exc:
        raise RpcUnreachable(f"TLS failed: {_reason(exc)}") from None
    except OSError as exc:
        raise RpcUnreachable(_reason(exc)) from None
    if status != 200:
        raise RpcMalformed(f"HTTP {status} {reason}".strip() + f" (to {method})")
    where = f"the answer to {method}"
    try:
        reply = inputs.parse_json(inputs.decode_utf8(payload, where), where)
    except inputs.BoundedInputError as exc:
        raise RpcMalformed(str(exc)) from None
    if not isinstance(reply, dict):
        raise RpcMalformed(f"the answer to {method} is not a JSON-RPC response")
    if reply.get("error") is not None:
        raise RpcError(method, reply["error"])
    if "result" not in reply:
        raise RpcMalformed(f"the answer to {method} has neither a result nor an error")
    return reply["result"]


# ------------------------------------------------------------------ HTTP


def _proxy_for(parts: urllib.parse.SplitResult) -> urllib.parse.SplitResult | None:
    """The proxy the environment names for this URL (http_proxy / https_proxy / no_proxy)."""
    proxy = urllib.request.getproxies().get(parts.scheme)
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    if "://" not in proxy:
        proxy = "http://" + proxy
    try:
        return check_url(proxy)
    except RpcBadUrl:
        return None


def _connect(host: str, port: int, end: float) -> socket.socket:
    return socket.create_connection((host, port), timeout=_left(end))


def _left(end: float) -> float:
    left = end - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _authorization(parts: urllib.parse.SplitResult) -> str:
    if parts.username is None:
        return ""
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return f"Authorization: Basic {token}\r\n"


def _host_header(parts: urllib.parse.SplitResult) -> str:
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{parts.port}" if parts.port else host


def _post(
    parts: urllib.parse.SplitResult, body: bytes, end: float, max_bytes: int
) -> tuple[int, str, bytes]:
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    host = parts.hostname or ""
    proxy = _proxy_for(parts)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if proxy is not None:
        sock = _connect(proxy.hostname or "", proxy.port or 80, end)
    else:
        sock = _connect(host, port, end)
    try:
        if proxy is not None and https:
            _tunnel(sock, f"{host}:{port}", proxy, end)
        elif proxy is not None:
            target = urllib.parse.urlunsplit((parts.scheme, parts.netloc, target, "", ""))
        if https:
            context = ssl.create_default_context()
            sock.settimeout(_left(end))
            sock = context.wrap_socket(sock, server_hostname=host)
        head = (
            f"POST {target} HTTP/1.1\r\nHost: {_host_header(parts)}\r\n"
            f"{_authorization(parts)}"
            "Content-Type: application/json\r\nAccept: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n"
            "User-Agent: bci-registry\r\n\r\n"
        )
        sock.settimeout(_left(end))
        sock.sendall(head.encode("latin-1") + body)
        return _read_response(sock, end, max_bytes)
    finally:
        sock.close()


def _tunnel(
    sock: socket.socket, authority: str, proxy: urllib.parse.SplitResult, end: float
) -> None:
    request = f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n{_authorization(proxy)}\r\n"
    sock.settimeout(_left(end))
    sock.sendall(request.encode("latin-1"))
    data = b""
    while b"\r\n\r\n" not in data:
        sock.settimeout(_left(end))
        chunk = sock.recv(1)  # byte by byte: nothing of the tunnelled stream is consumed
        if not chunk:
            raise OSError("the proxy closed the connection")
        data += chunk
        if len(data) > _MAX_HEADER_BYTES:
            raise _NotHttp("the proxy's answer is not HTTP")
    status = data.split(b"\r\n", 1)[0].split(b" ", 2)
    if len(status) < 2 or status[1] != b"200":
        raise OSError(f"the proxy refused the tunnel ({data[:60]!r})")


def _read_response(sock: socket.socket, end: float, max_bytes: int) -> tuple[int, str, bytes]:
    data = bytearray()
    header_end = -1
    length: int | None = None
    chunked = False
    status, reason = 0, ""
    while True:
        sock.settimeout(_left(end))
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
        if header_end < 0:
            header_end = data.find(b"\r\n\r\n")
            if header_end < 0:
                if len(data) > _MAX_HEADER_BYTES:
                    raise _NotHttp("the answer is not HTTP (no end of headers)")
                continue
            status, reason, length, chunked = _headers(bytes(data[:header_end]))
            if length is not None and length > max_bytes:
                raise _NotHttp(f"the answer is larger than {max_bytes} bytes")
        if len(data) - header_end - 4 > max_bytes + 64 * 1024:
            raise _NotHttp(f"the answer is larger than {max_bytes} bytes")
        if length is not None and len(data) - header_end - 4 >= length:
            break
    if header_end < 0:
        if data:
            raise _NotHttp("the answer is not HTTP")
        raise OSError("the node closed the connection")
    payload = bytes(data[header_end + 4 :])
    if chunked:
        payload = _dechunk(payload)
    elif length is not None:
        if len(payload) < length:
            raise OSError("the node closed the connection in the middle of its answer")
        payload = payload[:length]
    if len(payload) > max_bytes:
        raise _NotHttp(f"the answer is larger than {max_bytes} bytes")
    return status, reason, payload


def _headers(head: bytes) -> tuple[int, str, int | None, bool]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isascii():
        raise _NotHttp("the answer is not HTTP")
    try:
        status = int(parts[1]) if parts[1].isdigit() and len(parts[1]) == 3 else -1
    except ValueError:
        status = -1
    if status < 0:
        raise _NotHttp("the answer is not HTTP (bad status line)")
    length: int | None = None
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "content-length":
            if not value.isascii() or not value.isdigit() or len(value) > 12:
                raise _NotHttp("the answer is not HTTP (bad Content-Length)")
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    return status, parts[2] if len(parts) > 2 else "", (None if chunked else length), chunked


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    position = 0
    while True:
        line_end = data.find(b"\r\n", position)
        if line_end < 0:
            raise _NotHttp("the answer's chunked encoding is cut short")
        size_text = data[position:line_end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16) if size_text and len(size_text) <= 8 else -1
        except ValueError:
            size = -1
        if size < 0:
            raise _NotHttp("the answer's chunked encoding is malformed")
        if size == 0:
            return bytes(out)
        start = line_end + 2
        if start + size > len(data):
            raise _NotHttp("the answer's chunked encoding is cut short")
        out += data[start : start + size]
        position = start + size + 2


def _reason(error: object) -> str:
    """`connection refused`, not `[Errno 111] Connection refused`."""
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return str(text).lower()
