"""One bounded loader for every file the project reads, and for every node answer.

Reports, sealed reports, disclosures, approval and attestation files, approval
requests, manifests, policies and journals all come through here, so each has
the same limits and the same clean errors:

- **regular files only**: a named pipe, a device or a folder is refused before
  it is opened for reading (a FIFO would block for ever, a device never ends);
- **size**: at most ``max_bytes`` (16 MiB for reports, less for small files);
- **encoding**: strict UTF-8, the error names the byte offset;
- **depth**: at most ``MAX_DEPTH`` levels of arrays and objects, checked
  *before* parsing by a scan that uses neither recursion nor memory
  proportional to the input (the C JSON decoder and PyYAML recurse per level;
  under Ape's raised recursion limit a deep file crashed the process);
- **integers**: at most ``MAX_INT_DIGITS`` digits (Python refuses to convert
  more than 4,300 with a ValueError that used to end in a traceback), and
  floats must be finite;
- **JSON**: no duplicate keys, no NaN/Infinity; lone UTF-16 surrogates refused
  where asked (they cannot be encoded and used to crash ``.encode()``).

Every failure is a ``BoundedInputError`` (a ``ValueError``) whose message names
the file; callers re-raise it as their own error type, so exit codes stay
where they are.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 16 * 1024 * 1024
"""Largest report, sealed report or disclosure file read."""

MAX_SMALL_FILE_BYTES = 4 * 1024 * 1024
"""Largest approval, attestation, request, manifest or journal file read."""

MAX_JOURNAL_BYTES = 256 * 1024 * 1024
"""Largest batch journal (one short line per report and step)."""

MAX_POLICY_BYTES = 256 * 1024
"""Largest policy file: a policy is a dozen lines; YAML parsing is slow pure Python."""

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted; a report is about 5 levels deep."""

MAX_INT_DIGITS = 100
"""Longest integer literal accepted (a uint256 has 78 digits)."""

PathLike = str | os.PathLike[str]


class BoundedInputError(ValueError):
    """A file or answer is unusable: not a regular file, too big, too deep, not UTF-8, ...

    ``reason`` is the message without the file's name, for callers that name it.
    """

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


# ------------------------------------------------------------------ bytes


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bytes(path: PathLike, what: str = "file", max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; BoundedInputError otherwise.

    The file is opened non-blocking (a named pipe opened for reading would
    otherwise wait for a writer for ever) and checked with ``fstat`` on the
    opened descriptor, so what is read is what was checked.
    """
    name = os.fspath(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(name, flags)
    except OSError as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else _oserror(exc)
        raise BoundedInputError(
            f"cannot read {what} {name}: {reason}", f"cannot read: {reason}"
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = f"is {_kind(info.st_mode)}, not a regular file; refusing to read it"
            raise BoundedInputError(f"{what} {name} {kind}", kind)
        if info.st_size > max_bytes:
            big = f"is larger than {max_bytes} bytes"
            raise BoundedInputError(f"{what} {name} {big}", big)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                big = f"is larger than {max_bytes} bytes"
                raise BoundedInputError(f"{what} {name} {big}", big)
    except OSError as exc:
        reason = _oserror(exc)
        raise BoundedInputError(
            f"cannot read {what} {name}: {reason}", f"cannot read: {reason}"
        ) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def _oserror(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def decode_utf8(data: bytes, where: str) -> str:
    """Strict UTF-8 text; the error names the first byte that cannot be decoded."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"is not UTF-8 text (byte {exc.start} cannot be decoded)"
        raise BoundedInputError(f"{where} {reason}", reason) from None


def read_text(path: PathLike, what: str = "file", max_bytes: int = MAX_FILE_BYTES) -> str:
    """A regular UTF-8 text file of at most ``max_bytes``."""
    return decode_utf8(read_bytes(path, what, max_bytes), f"{what} {os.fspath(path)}")


# ------------------------------------------------------------------ depth

_ESCAPE = re.compile(r"\\.", re.DOTALL)
# After escapes are gone a string holds no quote: one single-character repeat, which
# the regular-expression engine runs without a backtracking stack (the old pattern,
# an alternation under a star, kept state per character: 1.8 GB for a 15 MB string).
_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text, without parsing it.

    Exact on every valid prefix of the text (the part a parser reads before it
    stops), so ``json_depth(text) <= limit`` guarantees the parser never goes
    deeper. No recursion; memory at most a couple of copies of the text.
    """
    if "[" not in text and "{" not in text:
        return 0
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text)))
    if not brackets:
        return 0
    return max(0, max(itertools.accumulate(map(_STEP.__getitem__, brackets))))


def _at(where: str, message: str) -> str:
    return f"{where}: {message}" if where else message


def check_json_depth(text: str, where: str, limit: int = MAX_DEPTH) -> None:
    if json_depth(text) > limit:
        raise BoundedInputError(_at(where, f"nested deeper than {limit} levels"))


# ------------------------------------------------------------------- JSON


def _parse_int(where: str) -> Any:
    def parse(literal: str) -> int:
        digits = len(literal.lstrip("-"))
        if digits > MAX_INT_DIGITS:
            raise BoundedInputError(
                _at(where, f"a number of {digits} digits (at most {MAX_INT_DIGITS} are accepted)")
            )
        return int(literal)

    return parse


def _parse_float(where: str) -> Any:
    def parse(literal: str) -> float:
        if len(literal) > 2 * MAX_INT_DIGITS:
            raise BoundedInputError(_at(where, f"a number of {len(literal)} characters"))
        value = float(literal)
        if value in (float("inf"), float("-inf")):
            raise BoundedInputError(_at(where, f"the number {literal[:40]} is out of range"))
        return value

    return parse


def _reject_constant(where: str) -> Any:
    def reject(name: str) -> Any:
        raise BoundedInputError(_at(where, f"{name} is not valid JSON"))

    return reject


def _no_duplicates(where: str) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in pairs:
            if key in obj:
                raise BoundedInputError(_at(where, f"duplicate key {key!r} in a JSON object"))
            obj[key] = value
        return obj

    return hook


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]", re.ASCII)


def _has_lone_surrogate(value: Any) -> bool:
    # Depth is bounded by the time this runs, so the walk is short and shallow.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse_json(
    text: str, where: str = "", *, max_depth: int = MAX_DEPTH, strict_unicode: bool = True
) -> Any:
    """Parse JSON text within the bounds; BoundedInputError names ``where`` and the reason.

    ``strict_unicode=False`` lets lone surrogates through (the report validator
    names their JSON path itself).
    """
    check_json_depth(text, where, max_depth)
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates(where),
            parse_constant=_reject_constant(where),
            parse_int=_parse_int(where),
            parse_float=_parse_float(where),
        )
    except json.JSONDecodeError as exc:
        detail = f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
        raise BoundedInputError(
            f"{where} is not valid JSON: {detail}" if where else f"not valid JSON: {detail}"
        ) from None
    except RecursionError:  # cannot happen after the depth check; never a traceback
        raise BoundedInputError(_at(where, "nested too deeply")) from None
    if strict_unicode and _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise BoundedInputError(_at(where, "a string holds a lone UTF-16 surrogate (not Unicode)"))
    return value


def load_json(
    path: PathLike,
    what: str = "file",
    *,
    max_bytes: int = MAX_SMALL_FILE_BYTES,
    strict_unicode: bool = True,
) -> Any:
    """Read and parse a JSON file within every bound (see the module docstring)."""
    text = read_text(path, what, max_bytes)
    return parse_json(text, f"{what} {os.fspath(path)}", strict_unicode=strict_unicode)


# ------------------------------------------------------------------- YAML

_OPENERS = ("BlockMappingStartToken", "BlockSequenceStartToken", "FlowMappingStartToken",
            "FlowSequenceStartToken")  # fmt: skip
_CLOSERS = ("BlockEndToken", "FlowMappingEndToken", "FlowSequenceEndToken")


def parse_yaml(text: str, where: str = "YAML", *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse YAML safely within the bounds.

    PyYAML's scanner is iterative, its composer and constructor recursive: the
    tokens are scanned first and nesting deeper than ``max_depth`` is refused
    before anything recursive runs. Anchors and aliases are refused (a policy
    has no use for them, and they are how a small file becomes a huge value).
    """
    import yaml

    depth = 0
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            name = type(token).__name__
            if name in _OPENERS:
                depth += 1
                if depth > max_depth:
                    raise BoundedInputError(_at(where, f"nested deeper than {max_depth} levels"))
            elif name in _CLOSERS:
                depth -= 1
            elif name in ("AliasToken", "AnchorToken"):
                raise BoundedInputError(_at(where, "YAML anchors and aliases are not accepted"))
            elif name == "ScalarToken" and len(token.value) > 4096:
                raise BoundedInputError(_at(where, f"a value of {len(token.value)} characters"))
        value = yaml.safe_load(text)
        if _has_lone_surrogate(value):  # "\ud800" escapes in double-quoted scalars
            raise BoundedInputError(_at(where, "a string holds a lone UTF-16 surrogate"))
        return value
    except yaml.YAMLError as exc:
        raise BoundedInputError(f"{where} is not valid YAML: {_one_line(str(exc))}") from None
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, BoundedInputError):
            raise
        raise BoundedInputError(_at(where, _one_line(str(exc)))) from None
    except RecursionError:
        raise BoundedInputError(_at(where, "nested too deeply")) from None


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def load_json_or_yaml(path: Path, what: str, *, max_bytes: int = MAX_POLICY_BYTES) -> Any:
    """``.json`` files as JSON, anything else as YAML (JSON is YAML too)."""
    text = read_text(path, what, max_bytes)
    where = f"{what} {path}"
    if path.suffix.lower() == ".json":
        return parse_json(text, where)
    check_json_depth(text, where)  # flow-style YAML nests like JSON: cheap early refusal
    return parse_yaml(text, where)
