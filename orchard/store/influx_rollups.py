"""Hourly rollups and raw retention in InfluxDB, through the same 1.x HTTP API (InfluxQL, line protocol).

Rollups are the measurement `readings_hourly` beside `readings`, same tags, fields
mean/min/max/sum (float) and count (integer), one point per series and hour, written
by our own job (continuous queries exist in 1.x only). Marks are points of
`rollup_marks`, tagged `mark`, timestamped with the mark itself: `last()` is the
furthest any run got, so concurrent runs never move a mark back. Raw readings go by
`DELETE FROM readings WHERE time < ...` (InfluxQL on 1.x and on 2.x's v1 API).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from orchard.readings import Bucket, Series
from orchard.store.lineprotocol import FIELD, MEASUREMENT, METRIC_TAG, escape_tag, quote_ident, tag_conditions
from orchard.store.rollups import HOUR_MS, ReadPlan, RollupMarks, ceil_to, floor_to, merge, regroup

ROLLUP_MEASUREMENT = "readings_hourly"
MARKS_MEASUREMENT = "rollup_marks"
# Hours rolled per query: bounds the rows one answer holds (series x 168).
ROLL_CHUNK_MS = 7 * 24 * HOUR_MS
# Raw readings deleted 30 days at a time, oldest first (a first run after an upgrade may have months).
PRUNE_STEP_MS = 30 * 86_400_000
# How long a store trusts the marks it read; a run by this instance refreshes them at once.
MARKS_TTL_S = 30.0

_VALUE = f"{quote_ident(FIELD)}::field"
_RAW = quote_ident(MEASUREMENT)
_ROLLUPS = quote_ident(ROLLUP_MEASUREMENT)
_MARKS = quote_ident(MARKS_MEASUREMENT)


def rollup_lines(result: Mapping[str, Any]) -> Iterator[str]:
    """Line protocol for the hours of one `GROUP BY time(1h), *` result over raw readings."""
    tags = sorted((key, value) for key, value in (result.get("tags") or {}).items() if value)
    head = ",".join([ROLLUP_MEASUREMENT, *(f"{escape_tag(k)}={escape_tag(v)}" for k, v in tags)])
    at = {name: i for i, name in enumerate(result["columns"])}
    t, mean, low, high, count, total = (at[c] for c in ("time", "mean", "min", "max", "count", "sum"))
    for row in result.get("values") or ():
        if None in (row[mean], row[low], row[high], row[count], row[total]):
            continue
        yield (f"{head} mean={float(row[mean])!r},min={float(row[low])!r},max={float(row[high])!r},"
               f"sum={float(row[total])!r},count={int(row[count])}i {int(row[t])}")


class InfluxRollups:
    """The InfluxDB store's rollup and retention methods (mixed into InfluxStore)."""

    influxql: Callable[[str], list[dict[str, Any]]]
    _write_lines: Callable[[bytes], None]
    _ensure_database: Callable[[], None]
    _series_of: Callable[[Mapping[str, str] | None], Series | None]
    _raw_buckets: Callable[[Series, int, int, int], list[Bucket]]
    _marks_cache: tuple[float, RollupMarks] | None = None

    def _read_planned(self, series: Series, plan: ReadPlan, width: int) -> list[Bucket]:
        parts = [self._raw_buckets(series, start, end, width) for start, end in plan.raw_ranges]
        if plan.rollup_hours is not None:
            parts.append(self._rollup_buckets(series, *plan.rollup_hours, width))
        return parts[0] if len(parts) == 1 else merge(parts)  # merge([]) is []

    def _rollup_buckets(self, series: Series, start_ms: int, end_ms: int, width: int) -> list[Bucket]:
        group = width if width % HOUR_MS == 0 else HOUR_MS
        where = " AND ".join(tag_conditions({**series.tag_dict, METRIC_TAG: series.metric}))
        statement = (
            f'SELECT sum("sum"), min("min"), max("max"), sum("count") FROM {_ROLLUPS}'
            f" WHERE {where} AND time >= {start_ms}ms AND time < {end_ms}ms"
            f" GROUP BY time({group}ms), * fill(none)"
        )
        for result in self.influxql(statement):
            if self._series_of(result.get("tags")) != series:
                continue
            rows = [(int(row[0]), float(row[1]), float(row[2]), float(row[3]), int(row[4]))
                    for row in result.get("values") or () if None not in row]
            return regroup(rows, width)
        return []

    def _rollup_series(self, tags: Mapping[str, str] | None) -> list[Series]:
        """Series that have rollups, so one whose raw readings are all gone still lists."""
        where = " AND ".join(tag_conditions(tags or {}))
        statement = f'SELECT last("count") FROM {_ROLLUPS}' + (f" WHERE {where}" if where else "") + " GROUP BY *"
        found = (self._series_of(result.get("tags")) for result in self.influxql(statement))
        return [series for series in found if series is not None]

    def rollup_marks(self) -> RollupMarks:
        cached = self._marks_cache
        if cached is not None and time.monotonic() - cached[0] < MARKS_TTL_S:
            return cached[1]
        self._ensure_database()
        marks: dict[str, int] = {}
        for result in self.influxql(f'SELECT last("ms") FROM {_MARKS} GROUP BY "mark"'):
            name = str((result.get("tags") or {}).get("mark"))
            for row in result.get("values") or ():
                marks[name] = int(row[0])
        found = RollupMarks(marks.get("rolled_until"), marks.get("raw_since"))
        self._marks_cache = (time.monotonic(), found)
        return found

    def _raise_mark(self, name: str, ms: int) -> None:
        self._ensure_database()
        self._write_lines(f"{MARKS_MEASUREMENT},mark={name} ms={ms}i {ms}".encode())
        self._marks_cache = None

    def mark_rolled(self, until_ms: int) -> None:
        self._raise_mark("rolled_until", floor_to(int(until_ms), HOUR_MS))

    def oldest_raw_ms(self) -> int | None:
        self._ensure_database()
        for result in self.influxql(f"SELECT first({_VALUE}) FROM {_RAW}"):
            for row in result.get("values") or ():
                return int(row[0])
        return None

    def roll_up(self, start_ms: int, end_ms: int) -> int:
        """Roll [start_ms, end_ms) a week at a time: one GROUP BY time(1h) query and its writes per week."""
        self._ensure_database()
        start, end = floor_to(int(start_ms), HOUR_MS), ceil_to(int(end_ms), HOUR_MS)
        written = 0
        for chunk in range(start, end, ROLL_CHUNK_MS):
            chunk_end = min(chunk + ROLL_CHUNK_MS, end)
            statement = (
                f"SELECT mean({_VALUE}), min({_VALUE}), max({_VALUE}), count({_VALUE}), sum({_VALUE})"
                f" FROM {_RAW} WHERE time >= {chunk}ms AND time < {chunk_end}ms"
                " GROUP BY time(1h), * fill(none)"
            )
            lines = [line for result in self.influxql(statement) for line in rollup_lines(result)]
            self._write_all(lines)
            written += len(lines)
        return written

    def _write_all(self, lines: Sequence[str], per_request: int = 5000) -> None:
        for at in range(0, len(lines), per_request):
            self._write_lines("\n".join(lines[at:at + per_request]).encode())

    def prune_raw(self, before_ms: int) -> int:
        """DELETE raw readings before `before_ms` (never past the rolled-up hours), 30 days at a time."""
        self._marks_cache = None
        marks = self.rollup_marks()
        if marks.rolled_until_ms is None:
            return 0
        cutoff = min(floor_to(int(before_ms), HOUR_MS), marks.rolled_until_ms)
        # After the first prune a run deletes about one run's worth: no need to look for the oldest.
        oldest = marks.raw_since_ms if marks.raw_since_ms is not None else self.oldest_raw_ms()
        if oldest is not None and oldest < cutoff:
            # Whole hours only: a run re-rolling an hour meanwhile finds all of it or none of it.
            for step in range(floor_to(oldest + PRUNE_STEP_MS, HOUR_MS), cutoff, PRUNE_STEP_MS):
                self.influxql(f"DELETE FROM {_RAW} WHERE time < {step}ms")
            self.influxql(f"DELETE FROM {_RAW} WHERE time < {cutoff}ms")
        self._raise_mark("raw_since", cutoff)
        return -1
