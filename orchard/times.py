"""Times as every service reads and writes them: epoch milliseconds, UTC, and a query's start and end.

A query's time is ISO 8601 (no zone means UTC; an unescaped "+" that arrived as a space is
read as "+") or epoch milliseconds in ASCII digits, in the years 1970 to 9998 (9999 would overflow
a time zone's conversion). The same text gets
the same answer, and the same words when refused, from every service.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

from orchard.errors import Invalid

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)
ONE_MS = timedelta(milliseconds=1)
MAX_TEXT = 64  # longer than any ISO 8601 time; keeps int() away from huge digit strings
_DIGITS = re.compile(r"[0-9]+")
EXAMPLE = "2026-06-01T08:00:00+08:00"


def wall_clock_ms() -> int:
    """The real time in epoch milliseconds."""
    return time.time_ns() // 1_000_000


def utc(moment: datetime) -> datetime:
    """The same instant in UTC; a time without a zone is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds, exactly (no float rounding); a time without a zone is UTC."""
    return (utc(moment) - EPOCH) // ONE_MS


def from_ms(ms: int) -> datetime:
    return EPOCH + ms * ONE_MS


def iso_ms(ms: int) -> str:
    """"2026-05-28T20:26:40.123Z" for epoch milliseconds."""
    return from_ms(ms).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_instant(text: str | None, name: str) -> datetime | None:
    """The time `text` names, in UTC; None if it is empty. Invalid, naming `name`, if it is not a time."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    shown = text[:40]
    if len(text) > MAX_TEXT or not text.isascii():
        raise _unreadable(name, shown)
    if _DIGITS.fullmatch(text):
        ms = int(text)
        if ms > to_ms(LATEST):
            raise _outside(name, shown)
        return from_ms(ms)
    for candidate in (text, text.replace(" ", "+")):
        try:
            moment = utc(datetime.fromisoformat(candidate))
        except (ValueError, OverflowError):
            continue
        if not EPOCH <= moment <= LATEST:
            raise _outside(name, shown)
        return moment
    if text.startswith("-") and _DIGITS.fullmatch(text[1:]):
        raise _outside(name, shown)
    raise _unreadable(name, shown)


def time_range(start: str | None, end: str | None, default_span: timedelta,
               now: datetime | None = None) -> tuple[datetime, datetime]:
    """(start, end) of a query: end defaults to now, start to `default_span` before end; start after end is Invalid."""
    end_at = parse_instant(end, "end") or (now or datetime.now(UTC))
    start_at = parse_instant(start, "start") or max(EPOCH, end_at - default_span)
    if start_at > end_at:
        raise Invalid("start: must not be after end")
    return start_at, end_at


def _unreadable(name: str, shown: str) -> Invalid:
    return Invalid(f"{name}: {shown!r} is not a time: give ISO 8601 ({EXAMPLE}; no zone means UTC) "
                   f"or epoch milliseconds")


def _outside(name: str, shown: str) -> Invalid:
    return Invalid(f"{name}: {shown!r} is outside the years 1970 to 9998")
