"""`start` and `end` query parameters as epoch milliseconds, read by orchard.times like every service reads them."""

from __future__ import annotations

from datetime import timedelta

from orchard import times
from orchard.errors import Invalid

DEFAULT_SPAN = timedelta(days=1)


def instant_ms(text: str, name: str) -> int:
    """Epoch ms from "1780000000000" or "2026-06-01T08:00:00+08:00" (no zone means UTC); Invalid otherwise."""
    moment = times.parse_instant(text, name)
    if moment is None:
        raise Invalid(f"{name}: give a time")
    return times.to_ms(moment)


def time_range(start: str | None, end: str | None) -> tuple[int, int]:
    """The range asked for, both ends included; by default the 24 hours up to now."""
    start_at, end_at = times.time_range(start, end, DEFAULT_SPAN)
    return times.to_ms(start_at), times.to_ms(end_at)


iso = times.iso_ms
