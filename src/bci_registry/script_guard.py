"""Time limits, quiet start-up and the exit-code edge of the `ape run` scripts.

Ape's HTTP provider waits up to 30 minutes for each request, retries, and has
no limit for a whole command: against a node that accepts the connection and
never answers, `submit` and `status` waited for minutes with no output. Here:

- every request to the node gets ``--request-timeout`` seconds per read
  (Ape's provider is given the limit when it connects);
- the whole command gets ``--command-timeout`` seconds (SIGALRM, which also
  interrupts a node that drips one byte at a time); the message names the
  node and what timed out; exit 2;
- the warnings a newcomer should not see are filtered at import: pydantic
  settings' "incomplete definition" warning (printed on every run as two
  lines) and Ape's "Danger! This account will now sign any transaction" (the
  scripts enable autosign on purpose, for one command, from a passphrase in
  the environment).
"""

from __future__ import annotations

import contextlib
import signal
import time
import warnings
from collections.abc import Iterator
from typing import Any

from bci_registry import inputs
from bci_registry.devnode import NodeError
from bci_registry.jsonrpc import MAX_ANSWER_BYTES

#: Default per-request limit (seconds): one eth_call or eth_sendRawTransaction.
DEFAULT_REQUEST_TIMEOUT = 30.0
#: Default limit of a whole command (seconds); a large batch may need more.
DEFAULT_COMMAND_TIMEOUT = 900.0
#: Commands that only read: a revert there is a wrong contract, never a refusal.
READ_ONLY_COMMANDS = frozenset({"status", "verify"})


def quiet_startup_warnings() -> None:
    """Filter the start-up warnings every `ape run` used to print (see the module docstring)."""
    warnings.filterwarnings(
        "ignore", message=r"Field '.*' has an incomplete definition", module=r"pydantic_settings"
    )
    warnings.filterwarnings("ignore", message=r".*has an incomplete definition.*")


@contextlib.contextmanager
def autosign_quietly() -> Iterator[None]:
    """Within the block, Ape does not log its autosign "Danger!" warning."""
    try:
        from ape.logging import LogLevel, logger
    except ImportError:  # pragma: no cover - Ape is installed wherever scripts run
        yield
        return
    with logger.at_level(LogLevel.ERROR):
        yield


class CommandDeadline(BaseException):
    """The command's overall time limit ran out (BaseException: no `except Exception` eats it)."""


def node_where(provider: Any) -> str:
    """The node's configured URL, or the network's name; never asks public endpoints."""
    with contextlib.suppress(Exception):
        configured = provider._configured_rpc
        if isinstance(configured, str) and configured:
            return configured
    with contextlib.suppress(Exception):
        return f"{provider.network.ecosystem.name}:{provider.network.name}"
    return "the node"


class NodeAnswerError(NodeError):
    """The node's answer is unusable: too slow in total, too big, not UTF-8 or not bounded JSON."""


def bounded_answer(seconds: float, max_bytes: int = MAX_ANSWER_BYTES) -> Any:
    """A requests response hook: read the body within ``seconds`` in total and the bounds.

    requests runs response hooks before it reads the body, so the hook reads it
    itself, chunk by chunk: a node that drips one byte at a time is cut off at
    the total limit (a read timeout alone restarts with every byte), an
    endless answer at ``max_bytes``, and deep or huge-number JSON is refused
    before web3's parser (which recurses per level) sees it.
    """

    def hook(response: Any, *args: Any, **kwargs: Any) -> Any:
        where = f"node at {getattr(response, 'url', 'the node')}"
        end = time.monotonic() + seconds
        chunks: list[bytes] = []
        size = 0
        for chunk in response.raw.stream(65536, decode_content=True):
            size += len(chunk)
            if size > max_bytes:
                raise NodeAnswerError(f"{where} sent an answer larger than {max_bytes} bytes")
            if time.monotonic() > end:
                raise NodeAnswerError(
                    f"{where} did not complete its answer within {seconds:g} s (--request-timeout)"
                )
            chunks.append(chunk)
        body = b"".join(chunks)
        if response.status_code == 200:
            try:
                inputs.parse_json(inputs.decode_utf8(body, "its answer"), "its answer")
            except inputs.BoundedInputError as exc:
                raise NodeAnswerError(f"{where} gave an unusable answer: {exc}") from None
        response._content = body
        response._content_consumed = True
        return response

    return hook


@contextlib.contextmanager
def request_timeout(seconds: float) -> Iterator[None]:
    """Ape's HTTP provider, created within the block, gives each request ``seconds`` in total.

    The answer is read through ``bounded_answer`` (total time, size, JSON bounds).
    """
    try:
        import ape_ethereum.provider as ape_provider
    except ImportError:  # pragma: no cover
        yield
        return
    original = getattr(ape_provider, "_create_web3", None)
    if original is None:  # another Ape version: the command deadline still holds
        yield
        return

    def create_web3(*args: Any, request_kwargs: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        settings = dict(request_kwargs or {})
        settings.setdefault("timeout", seconds)
        settings.setdefault("hooks", {"response": [bounded_answer(seconds)]})
        return original(*args, request_kwargs=settings, **kwargs)

    ape_provider._create_web3 = create_web3
    try:
        with _total_per_request(seconds):
            yield
    finally:
        ape_provider._create_web3 = original


class _RequestExpired(BaseException):
    """A request's total time ran out (raised by SIGALRM inside requests)."""


@contextlib.contextmanager
def _total_per_request(seconds: float) -> Iterator[None]:
    """Each HTTP request of web3 within ``seconds`` in total, headers included.

    A read timeout restarts with every byte, so a node that drips its headers
    one byte a second is never cut by it; a per-request SIGALRM is. The
    command's own deadline (the outer timer) is kept and re-armed afterwards.
    """
    try:
        from web3._utils.http_session_manager import HTTPSessionManager
    except ImportError:  # pragma: no cover - another web3: the command deadline holds
        yield
        return
    original = HTTPSessionManager.make_post_request

    def make_post_request(self: Any, endpoint_uri: Any, data: Any, **kwargs: Any) -> Any:
        outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
        if outer_left and outer_left <= seconds:  # the command ends first: its timer rules
            return original(self, endpoint_uri, data, **kwargs)

        def expire(signum: int, frame: Any) -> None:
            raise _RequestExpired

        try:
            previous = signal.signal(signal.SIGALRM, expire)
        except ValueError:  # not the main thread
            return original(self, endpoint_uri, data, **kwargs)
        started = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return original(self, endpoint_uri, data, **kwargs)
        except _RequestExpired:
            raise NodeAnswerError(
                f"node at {endpoint_uri} did not answer within {seconds:g} s (--request-timeout)"
            ) from None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if outer_left:
                left = outer_left - (time.monotonic() - started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))

    HTTPSessionManager.make_post_request = make_post_request  # type: ignore[method-assign]
    try:
        yield
    finally:
        HTTPSessionManager.make_post_request = original  # type: ignore[method-assign]


@contextlib.contextmanager
def command_deadline(seconds: float) -> Iterator[None]:
    """Raise CommandDeadline in the main thread after ``seconds`` (SIGALRM)."""

    def expire(signum: int, frame: Any) -> None:
        raise CommandDeadline

    try:
        previous = signal.signal(signal.SIGALRM, expire)
    except ValueError:  # not the main thread (e.g. in-process tests): no alarm
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def node_error_types() -> tuple[type[BaseException], ...]:
    """Exceptions that mean the node failed to answer (timed out, connection lost)."""
    found: list[type[BaseException]] = [TimeoutError, ConnectionError]
    with contextlib.suppress(ImportError):
        import requests

        found.append(requests.exceptions.RequestException)
    with contextlib.suppress(ImportError):
        from web3.exceptions import ProviderConnectionError, TimeExhausted

        found += [ProviderConnectionError, TimeExhausted]
    return tuple(found)


def decoding_error_types() -> tuple[type[BaseException], ...]:
    """Exceptions that mean an answer did not decode as the expected contract's."""
    found: list[type[BaseException]] = []
    with contextlib.suppress(ImportError):
        from eth_abi.exceptions import DecodingError

        found.append(DecodingError)
    with contextlib.suppress(ImportError):
        from ape.exceptions import DecodingError as ApeDecodingError

        found.append(ApeDecodingError)
    return tuple(found)
