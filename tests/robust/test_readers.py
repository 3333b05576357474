"""Every reader refuses what is not a regular file, deep nesting, huge numbers, bad encodings.

Issue 9, points 1 (named pipes), 2 (nesting), 5 (5,000-digit integers, a
non-UTF-8 approval file): each reader, through its command's edge, ends with
one of its documented exit codes and one clean message, never a traceback.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from . import readers
from .conftest import SAMPLE


@pytest.fixture(scope="module")
def all_readers(
    tmp_path_factory: pytest.TempPathFactory, sealed_file: Path, manifest_file: Path,
    closed_port_url: str,
) -> list[readers.Reader]:  # fmt: skip
    work = tmp_path_factory.mktemp("readers")
    return readers.build(work, SAMPLE, sealed_file, manifest_file, closed_port_url)


def _names() -> list[str]:
    return [
        "report (validate)", "report (seal)", "sealed report (disclose)",
        "disclosure (check-disclosure)", "report file (bci-verify)", "policy JSON (bci-verify)",
        "policy YAML (bci-verify)", "manifest (bci-verify)", "approval file (submit)",
        "approval request (approve)", "approvals file (submit)",
        "attestation file (attest --relay)", "batch journal (submit --batch)",
    ]  # fmt: skip


def _reader(all_readers: list[readers.Reader], name: str) -> readers.Reader:
    return next(r for r in all_readers if r.name == name)


def _one_clean_error(err: str) -> None:
    assert "Traceback" not in err, err
    assert "unexpected error" not in err, err


def test_every_reader_is_listed(all_readers: list[readers.Reader]) -> None:
    assert sorted(r.name for r in all_readers) == sorted(_names())


@pytest.mark.parametrize("name", _names())
def test_seed_is_read_without_error_or_with_a_clean_one(
    name: str, all_readers: list[readers.Reader], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    reader = _reader(all_readers, name)
    code = readers.run_reader(reader, reader.seed.encode(), tmp_path)
    assert code in reader.allowed
    _one_clean_error(capsys.readouterr().err)


@pytest.mark.parametrize("name", _names())
def test_deep_nesting_is_refused_cleanly(
    name: str, all_readers: list[readers.Reader], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    reader = _reader(all_readers, name)
    n = 20_000 if name.startswith("policy") else 100_000  # policies are at most 256 KiB
    for deep in (b"[" * n + b"]" * n, b'{"a":' * n + b"1" + b"}" * n):
        if reader.suffix == ".yaml":
            deep = b"- " * n + b"x\n" if deep.startswith(b"{") else deep
        code = readers.run_reader(reader, deep, tmp_path)
        assert code in reader.allowed - {0}
        err = capsys.readouterr().err
        _one_clean_error(err)
        assert "deeper than 64" in err or "not" in err, err


@pytest.mark.parametrize("name", _names())
def test_a_5000_digit_integer_is_refused_cleanly(
    name: str, all_readers: list[readers.Reader], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    reader = _reader(all_readers, name)
    huge = "9" * 5000
    if reader.suffix == ".yaml":
        text = f"minimum_approvals: {huge}\n"
    elif reader.name.startswith("batch journal"):
        text = f'{{"file": "a.json", "root": {huge}}}\n'
    else:  # the seed with its first number replaced by 5,000 digits
        import re

        text = re.sub(r"(?<=[:\[ ])\d+(?=[,}\] \n])", huge, reader.seed, count=1)
        assert huge in text
    code = readers.run_reader(reader, text.encode(), tmp_path)
    assert code in reader.allowed - {0}
    _one_clean_error(capsys.readouterr().err)


@pytest.mark.parametrize("name", _names())
def test_not_utf8_is_refused_cleanly(
    name: str, all_readers: list[readers.Reader], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    reader = _reader(all_readers, name)
    for data in (reader.seed.encode("utf-16"), b'{"kind": "\xff\xfe"}\n', b"\xc3\x28"):
        code = readers.run_reader(reader, data, tmp_path)
        assert code in reader.allowed - {0}
        _one_clean_error(capsys.readouterr().err)


@pytest.mark.parametrize("name", _names())
def test_a_named_pipe_is_refused_without_blocking(
    name: str, all_readers: list[readers.Reader], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    reader = _reader(all_readers, name)
    path = readers.file_for(reader, tmp_path)
    os.mkfifo(path)
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(reader.run(path, tmp_path)))
    started = time.monotonic()
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # unblock the reader, then fail
        with open(path, "wb"):
            pass
        worker.join(timeout=5)
        pytest.fail(f"{name}: reading a named pipe blocked")
    assert time.monotonic() - started < 10
    assert result and result[0] in reader.allowed - {0}
    err = capsys.readouterr().err
    _one_clean_error(err)
    assert "named pipe" in err, err
