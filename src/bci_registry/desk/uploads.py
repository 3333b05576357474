"""Reading uploads defensively: bounded in bytes, files and time, parsed in memory.

Starlette's form parser spools large file parts to temporary files; the desk
never lets a request reach the file system, so it reads the body itself (with
a size cap and a per-chunk and total time limit against slow clients) and
parses ``multipart/form-data`` from memory with python-multipart's streaming
parser. Every failure is an ``UploadError`` carrying a 4xx status and a message.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request


class UploadError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 2 * 1024 * 1024
    max_files: int = 200
    max_request_bytes: int = 32 * 1024 * 1024
    chunk_timeout: float = 10.0  # seconds without a byte from the client
    total_timeout: float = 60.0  # seconds for the whole body


@dataclass
class Upload:
    name: str
    data: bytes


@dataclass
class Form:
    files: list[Upload] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def display_name(raw: str | None, index: int) -> str:
    """A file name for display only (never a path): the base name, tamed, at most 100 chars."""
    base = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _SAFE_NAME.sub("_", base).strip(" .") or f"upload-{index + 1}.json"
    return base[:100]


async def read_body(request: Request, limits: Limits) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise UploadError(400, "Content-Length is not a number")
        if int(declared) > limits.max_request_bytes:
            raise UploadError(
                413, f"request of {declared} bytes is over the limit of {limits.max_request_bytes}"
            )
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + limits.total_timeout
    stream = request.stream().__aiter__()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise UploadError(408, f"the upload took longer than {limits.total_timeout:.0f} s")
        try:
            chunk = await asyncio.wait_for(stream.__anext__(), min(limits.chunk_timeout, remaining))
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise UploadError(408, "the client sent nothing for too long") from None
        except ClientDisconnect:
            raise UploadError(400, "the client disconnected during the upload") from None
        size += len(chunk)
        if size > limits.max_request_bytes:
            raise UploadError(413, f"request over the limit of {limits.max_request_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_multipart(body: bytes, content_type: str, limits: Limits) -> Form:
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise UploadError(400, "multipart/form-data without a boundary")
    form = Form()
    state: dict[str, object] = {}
    header_field = bytearray()
    header_value = bytearray()
    headers: dict[bytes, bytes] = {}
    parts: list[tuple[dict[bytes, bytes], bytearray]] = []

    def on_part_begin() -> None:
        headers.clear()
        state["data"] = bytearray()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        buf = state["data"]
        assert isinstance(buf, bytearray)
        buf += data[start:end]
        if len(buf) > limits.max_file_bytes:
            raise UploadError(413, f"a file is over the limit of {limits.max_file_bytes} bytes")

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        headers[bytes(header_field).lower()] = bytes(header_value)
        header_field.clear()
        header_value.clear()

    def on_part_end() -> None:
        buf = state["data"]
        assert isinstance(buf, bytearray)
        parts.append((dict(headers), buf))
        if len(parts) > limits.max_files + 20:
            raise UploadError(413, f"more than {limits.max_files} files in one request")

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except UploadError:
        raise
    except Exception as exc:  # python-multipart's MultipartParseError and friends
        raise UploadError(400, f"malformed multipart/form-data: {exc}") from None
    for part_headers, data in parts:
        disposition = part_headers.get(b"content-disposition", b"")
        _, options = parse_options_header(disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            filename = options[b"filename"].decode("utf-8", "replace")
            if not data and not filename:
                continue  # an empty file input
            form.files.append(Upload(display_name(filename, len(form.files)), bytes(data)))
        else:
            if len(data) > 4096:
                raise UploadError(413, f"form field {name!r} is over 4096 bytes")
            form.fields[name] = bytes(data).decode("utf-8", "replace")
    if len(form.files) > limits.max_files:
        raise UploadError(413, f"{len(form.files)} files; at most {limits.max_files} per request")
    return form


async def read_uploads(request: Request, limits: Limits) -> Form:
    """The files and fields of a verify request: multipart, or one raw JSON document."""
    content_type = request.headers.get("content-type", "")
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind not in ("multipart/form-data", "application/json"):
        raise UploadError(
            415,
            "send multipart/form-data with one or more 'files' parts, "
            "or one report file as application/json",
        )
    body = await read_body(request, limits)
    if kind == "application/json":
        if len(body) > limits.max_file_bytes:
            raise UploadError(413, f"the file is over the limit of {limits.max_file_bytes} bytes")
        name = display_name(request.query_params.get("name"), 0)
        return Form(files=[Upload(name, body)])
    form = parse_multipart(body, content_type, limits)
    if not form.files:
        raise UploadError(400, "no file uploaded (send one or more 'files' parts)")
    return form
