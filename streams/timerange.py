"""`start` and `end` query parameters: ISO 8601 or epoch milliseconds, to epoch milliseconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from streams.errors import BadRequest

DEFAULT_SPAN_MS = 86_400_000


def instant_ms(text: str, name: str) -> int:
    """Epoch ms from "1780000000000" or "2026-06-01T08:00:00+08:00" (no zone means UTC)."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    # An unescaped "+" in a query string arrives as a space: "...T08:00:00 08:00".
    for candidate in (text, text.replace(" ", "+")):
        try:
            moment = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000)
    raise BadRequest(f"{name}={text[:40]!r} is neither ISO 8601 (2026-06-01T08:00:00+08:00) nor epoch ms")


def time_range(start: str | None, end: str | None) -> tuple[int, int]:
    """The range asked for; by default the 24 hours up to now."""
    end_ms = instant_ms(end, "end") if end else int(time.time() * 1000)
    start_ms = instant_ms(start, "start") if start else end_ms - DEFAULT_SPAN_MS
    if start_ms > end_ms:
        raise BadRequest("start is after end")
    return start_ms, end_ms


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
