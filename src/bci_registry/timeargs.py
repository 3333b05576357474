"""Time arguments (``--delivery``, ``--deadline``, ``--valid-until``, ...): strict and in range.

Accepted: unix seconds in ASCII digits (``1767225600``), or an RFC 3339 time
with a zone (``2026-12-01T10:00:00Z``, ``2026-12-01T11:00:00+01:00``).
Everything else is refused by name: an empty value (an unset shell variable),
digits from other scripts (``١٧٦٧`` is Arabic-Indic, ``²`` a superscript:
Python's ``str.isdigit`` takes both, and ``int`` read ``١٧٦٧`` as 1767), a
time without a zone, and anything outside years 1970-9999.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata

from bci_registry.registry import InputError

#: 9999-12-31T23:59:59Z: the last second RFC 3339 can write.
MAX_UNIX = 253_402_300_799

_RFC3339 = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?P<fraction>\.[0-9]{1,9})?(?P<zone>[Zz]|[+-][0-9]{2}:[0-9]{2})\Z",
    re.ASCII,
)
_NO_ZONE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?\Z")
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z", re.ASCII)


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"{char!r} (U+{ord(char):04X}{' ' + name if name else ''})"


def parse_time(value: str | None, what: str, *, allow_now: bool = False) -> int:
    """Unix seconds from ASCII digits or an RFC 3339 time with a zone; InputError otherwise.

    ``allow_now``: the word ``now`` is the current time (customs checking at delivery).
    """
    if value is None or value.strip() == "":
        raise InputError(f"{what} is empty: give unix seconds or an RFC 3339 time")
    if allow_now and value.strip() == "now":
        return int(time.time())
    foreign = next((c for c in value if not c.isascii()), None)
    if foreign is not None:
        kind = (
            "a digit, but not an ASCII digit"
            if foreign.isdigit() or foreign.isnumeric()
            else ("not ASCII")
        )
        raise InputError(
            f"{what} {value!r}: {_describe(foreign)} is {kind}; "
            "give unix seconds in 0-9 or an RFC 3339 time like 2026-12-01T10:00:00Z"
        )
    text = value.strip()
    if text.isdigit():
        if len(text) > len(str(MAX_UNIX)) or int(text) > MAX_UNIX:
            raise InputError(f"{what} {value!r} is out of range (unix seconds up to {MAX_UNIX})")
        return int(text)
    if _DATE_ONLY.match(text):
        raise InputError(f"{what} {value!r} is a date without a time; write e.g. {text}T00:00:00Z")
    match = _RFC3339.match(text)
    if match is None and _NO_ZONE.match(text):
        raise InputError(f"{what} {value!r} has no time zone; add 'Z' for UTC")
    if match is None:
        raise InputError(f"{what} {value!r} is neither unix seconds nor an RFC 3339 time")
    zone = match["zone"].upper().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(f"{match['date']}T{match['time']}{zone}")
    except ValueError as exc:
        raise InputError(f"{what} {value!r} is not a valid time: {exc}") from None
    seconds = int(parsed.timestamp())
    if not 0 <= seconds <= MAX_UNIX:
        raise InputError(f"{what} {value!r} is out of range (1970 to 9999)")
    return seconds


def parse_deadline(value: str | None, what: str, now: int | None = None) -> int:
    """A deadline in the future: a signature that expired before it is sent is refused."""
    deadline = parse_time(value, what)
    current = int(time.time()) if now is None else now
    if deadline <= current:
        when = dt.datetime.fromtimestamp(deadline, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        raise InputError(
            f"{what} {value!r} ({when}) has already passed: an approval with it could "
            "never be used; give a time in the future"
        )
    return deadline
