"""The edge of every command: what an unexpected error looks like.

Exit codes (documented in the README and SECURITY.md):

- 0: done / PASS
- 1: a verdict or a refusal: FAIL, an invalid report, the registry refused
- 2: bad input, or the node cannot answer (unreachable, timed out, malformed)
- 3: an unexpected error: a bug. One line on stderr; the traceback only with
  ``--debug`` (or ``BCI_DEBUG=1``). Never 1, which would read as FAIL and
  hold a shipment for a bug.
- 130 / 143: interrupted (Ctrl-C) / terminated (SIGTERM)
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

EXIT_UNEXPECTED = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
DEBUG_ENV = "BCI_DEBUG"

T = TypeVar("T")


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C, so temporary files are removed."""


def printable(text: str) -> str:
    """``text`` with anything UTF-8 cannot carry (lone surrogates from odd file names or
    escapes) written as backslash escapes, so printing it can never fail."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def debug_wanted(flag: bool = False) -> bool:
    return flag or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def report_unexpected(exc: BaseException, program: str, debug: bool = False) -> int:
    """Print one line (and the traceback if asked); return the exit code."""
    if isinstance(exc, KeyboardInterrupt):
        print(f"{program}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(exc, Terminated):
        print(f"{program}: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    if debug_wanted(debug):
        traceback.print_exception(exc, file=sys.stderr)
    detail = " ".join(str(exc).split())[:300]
    hint = "" if debug_wanted(debug) else f"; run with --debug or {DEBUG_ENV}=1 for the traceback"
    print(
        f"{program}: unexpected error (exit {EXIT_UNEXPECTED}, a bug, not a verdict): "
        f"{type(exc).__name__}: {detail}{hint}",
        file=sys.stderr,
    )
    return EXIT_UNEXPECTED


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


@contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """Within the block SIGTERM raises Terminated (main thread only), so cleanups run."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def guarded(program: str, run: Callable[[], int], debug: bool = False) -> int:
    """Run a command body: its own exit codes pass, anything unexpected becomes exit 3."""
    try:
        with sigterm_unwinds():
            return run()
    except SystemExit as exc:
        code = exc.code
        if code is None or isinstance(code, int):
            return code or 0
        print(f"{program}: {code}", file=sys.stderr)
        return EXIT_UNEXPECTED
    except BaseException as exc:  # the edge: nothing escapes as a traceback
        return report_unexpected(exc, program, debug)
