"""Hourly rollups: which part of a range query reads them, and how their hours become buckets.

Every backend keeps, per series and clock hour, the mean, min, max, count and sum of
its raw readings (docs/ARCHITECTURE.md, Storage). Two marks say what the rollups cover:
`rolled_until_ms` (every hour before it is rolled up, for every series) and
`raw_since_ms` (raw readings before it were deleted). A query reads whole hours from
the rollups and the rest from raw readings, and merges buckets that both touch, so a
caller gets the same buckets it got from raw readings alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from orchard.readings import Bucket

HOUR_MS = 3_600_000


def floor_to(ms: int, width: int) -> int:
    """The multiple of `width` at or before `ms` (also before 1970)."""
    return ms - ms % width


def ceil_to(ms: int, width: int) -> int:
    """The multiple of `width` at or after `ms`."""
    return -(-ms // width) * width


@dataclass(frozen=True, slots=True)
class RollupMarks:
    """How far the rollups reach: hours before `rolled_until_ms` are rolled; raw before `raw_since_ms` is gone."""

    rolled_until_ms: int | None = None
    raw_since_ms: int | None = None


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """Where a range query reads: whole hours [start, end) from rollups, the other ranges from raw readings."""

    rollup_hours: tuple[int, int] | None
    raw_ranges: tuple[tuple[int, int], ...]


def plan_read(start_ms: int, end_ms: int, width: int, marks: RollupMarks) -> ReadPlan:
    """Split [start_ms, end_ms) between rollups and raw readings for buckets of `width`.

    Raw readings are read while they exist, and rollups only where raw readings were deleted
    (for a finer width each such hour becomes one bucket): a reading that came later than the
    rollups' lookback is in no rollup but still in the raw readings. An hour
    cut by the range's edge always reads raw readings: where they are gone it is left out,
    since its rollup holds readings outside the range (before a customer's claim, say).
    """
    if end_ms <= start_ms:
        return ReadPlan(None, ())
    first, last = ceil_to(start_ms, HOUR_MS), floor_to(end_ms, HOUR_MS)
    if marks.rolled_until_ms is None or marks.raw_since_ms is None:
        limit = first
    else:
        # Rollups only where raw readings are gone: a reading that arrived later than the rollups' lookback
        # (a Pi's spool after a long outage) is in no rollup, but raw readings still hold it.
        limit = min(marks.rolled_until_ms, marks.raw_since_ms)
    until = min(last, limit)
    if until <= first:
        return ReadPlan(None, ((start_ms, end_ms),))
    raw = tuple((a, b) for a, b in ((start_ms, first), (until, end_ms)) if b > a)
    return ReadPlan((first, until), raw)


def merge(parts: Iterable[Iterable[Bucket]]) -> list[Bucket]:
    """Buckets from several reads as one list, oldest first; buckets with the same start are combined."""
    combined: dict[int, tuple[float, float, float, int]] = {}
    for part in parts:
        for bucket in part:
            seen = combined.get(bucket.start_ms)
            total = bucket.mean * bucket.count
            if seen is None:
                combined[bucket.start_ms] = (total, bucket.min, bucket.max, bucket.count)
            else:
                combined[bucket.start_ms] = (seen[0] + total, min(seen[1], bucket.min),
                                             max(seen[2], bucket.max), seen[3] + bucket.count)
    return [Bucket(start, total / count, low, high, count)
            for start, (total, low, high, count) in sorted(combined.items()) if count]


def regroup(hours: Iterable[tuple[int, float, float, float, int]], width: int) -> list[Bucket]:
    """Rollup rows (start, sum, min, max, count) as buckets of `width`; each row joins the bucket holding its start."""
    combined: dict[int, tuple[float, float, float, int]] = {}
    for start, total, low, high, count in hours:
        key = floor_to(start, width)
        seen = combined.get(key)
        if seen is None:
            combined[key] = (total, low, high, count)
        else:
            combined[key] = (seen[0] + total, min(seen[1], low), max(seen[2], high), seen[3] + count)
    return [Bucket(start, total / count, low, high, count)
            for start, (total, low, high, count) in sorted(combined.items()) if count]
