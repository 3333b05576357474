"""Parsing of the report's dates, months and RFC 3339 UTC timestamps.

The schema patterns fix the shape; these functions check that the value is a real
point in time (no 30 February, no hour 25) and return it for ordering checks.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)
"""The shape of YYYY-MM-DD, calendar not checked (the schema pattern, in Python terms)."""
MONTH_SHAPE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])\Z", re.ASCII)
"""The shape of YYYY-MM with a month 01 to 12 (the schema pattern)."""
TIMESTAMP_SHAPE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z\Z",
    re.ASCII,
)
"""The shape of an RFC 3339 UTC timestamp ``YYYY-MM-DDThh:mm:ss[.fraction]Z``."""


def parse_date(text: str) -> date | None:
    """Parse ``YYYY-MM-DD``; None if it has the shape but is not a calendar date, or no shape."""
    if not DATE_SHAPE.match(text):
        return None
    try:
        return date.fromisoformat(text)  # the pattern leaves only the calendar to check
    except ValueError:
        return None


def parse_month(text: str) -> date | None:
    """Parse ``YYYY-MM`` as the first day of that month; None if it is not a real month."""
    match = MONTH_SHAPE.match(text)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None


def parse_timestamp(text: str) -> datetime | None:
    """Parse an RFC 3339 UTC timestamp ``YYYY-MM-DDThh:mm:ss[.fraction]Z``.

    Returns an aware UTC datetime, or None if the text is not a real instant. Leap
    seconds (``:60``) are refused: Python cannot represent them and no verification
    event needs one. Fractions beyond microseconds are truncated for ordering only;
    the report keeps the text as written.
    """
    match = TIMESTAMP_SHAPE.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    micro = int((fraction or "0").ljust(6, "0")[:6])
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=UTC
        )
    except ValueError:
        return None
