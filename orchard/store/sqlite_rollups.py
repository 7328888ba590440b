"""Hourly rollups and raw retention in the SQLite store: a rollup table, two marks, batched deletes.

Each statement runs in its own short transaction, one series at a time, with the store's
lock released in between, so the ingester's writes go on while a year is rolled or pruned.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

from orchard.readings import Bucket
from orchard.store.rollups import HOUR_MS, ReadPlan, RollupMarks, ceil_to, floor_to, merge

ROLLUP_SCHEMA = """
CREATE TABLE IF NOT EXISTS hourly (
    series_id INTEGER NOT NULL,
    hour INTEGER NOT NULL,  -- epoch ms of the hour's start
    mean REAL NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    count INTEGER NOT NULL,
    sum REAL NOT NULL,
    PRIMARY KEY (series_id, hour)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_marks (
    name TEXT PRIMARY KEY,  -- rolled_until or raw_since
    ms INTEGER NOT NULL
);
"""
ROLL_SERIES = f"""INSERT INTO hourly (series_id, hour, mean, min, max, count, sum)
    SELECT series_id, ts - ((ts % {HOUR_MS}) + {HOUR_MS}) % {HOUR_MS} AS start,
           avg(value), min(value), max(value), count(*), sum(value)
    FROM points WHERE series_id = ? AND ts >= ? AND ts < ? GROUP BY start
    ON CONFLICT (series_id, hour) DO UPDATE SET mean = excluded.mean, min = excluded.min,
        max = excluded.max, count = excluded.count, sum = excluded.sum"""
# Hours into buckets of :width; an hour joins the bucket that holds its start.
ROLLUP_BUCKETS = """SELECT hour - ((hour % :width) + :width) % :width AS start,
           sum(sum), min(min), max(max), sum(count)
    FROM hourly WHERE series_id = :id AND hour >= :start AND hour < :end GROUP BY start ORDER BY start"""
RAISE_MARK = """INSERT INTO rollup_marks (name, ms) VALUES (?, ?)
    ON CONFLICT (name) DO UPDATE SET ms = max(ms, excluded.ms)"""
# Raw readings are deleted a day of one series at a time, and rolled a week at a time: short transactions
# the ingester's writes slip between (a week of 1-minute readings is 10,080 rows).
PRUNE_STEP_MS = 86_400_000
ROLL_STEP_MS = 7 * 86_400_000


class SqliteRollups:
    """The SQLite store's rollup and retention methods (mixed into SqliteStore)."""

    _db: sqlite3.Connection
    _lock: threading.Lock
    _translated: Callable[[], AbstractContextManager[None]]
    _raw_buckets: Callable[[int, int, int, int], list[Bucket]]

    def _create_rollup_tables(self) -> None:
        self._db.executescript(ROLLUP_SCHEMA)

    def _read_planned(self, sid: int, plan: ReadPlan, width: int) -> list[Bucket]:
        """Buckets from the raw ranges and the rollup hours of `plan`, merged (under the store's lock)."""
        parts = [self._raw_buckets(sid, start, end, width) for start, end in plan.raw_ranges]
        if plan.rollup_hours is not None:
            start, end = plan.rollup_hours
            rows = self._db.execute(ROLLUP_BUCKETS, {"width": width, "id": sid, "start": start, "end": end})
            parts.append([Bucket(at, total / count, low, high, count) for at, total, low, high, count in rows])
        return parts[0] if len(parts) == 1 else merge(parts)  # merge([]) is []

    def _marks(self) -> RollupMarks:
        marks = dict(self._db.execute("SELECT name, ms FROM rollup_marks").fetchall())
        return RollupMarks(marks.get("rolled_until"), marks.get("raw_since"))

    def rollup_marks(self) -> RollupMarks:
        with self._lock, self._translated():
            return self._marks()

    def mark_rolled(self, until_ms: int) -> None:
        with self._lock, self._translated():
            self._db.execute(RAISE_MARK, ("rolled_until", floor_to(int(until_ms), HOUR_MS)))

    def oldest_raw_ms(self) -> int | None:
        with self._lock, self._translated():
            # Per series along the primary key: min(ts) over the whole table would read every row.
            return self._db.execute("SELECT min((SELECT min(ts) FROM points WHERE series_id = series.id)) "
                                    "FROM series").fetchone()[0]

    def roll_up(self, start_ms: int, end_ms: int) -> int:
        """Roll the hours in [start_ms, end_ms) of each series, a week of one series per transaction."""
        start, end = floor_to(int(start_ms), HOUR_MS), ceil_to(int(end_ms), HOUR_MS)
        rows = 0
        for sid in self._series_ids():
            for chunk in range(start, end, ROLL_STEP_MS):
                with self._lock, self._translated():
                    rows += self._db.execute(ROLL_SERIES, (sid, chunk, min(chunk + ROLL_STEP_MS, end))).rowcount
        return rows

    def prune_raw(self, before_ms: int) -> int:
        """Delete raw readings before `before_ms` (never past the rolled-up hours), a day of a series at a time."""
        with self._lock, self._translated():
            rolled = self._marks().rolled_until_ms
        if rolled is None:
            return 0
        cutoff = min(floor_to(int(before_ms), HOUR_MS), rolled)
        deleted = 0
        for sid in self._series_ids():
            for step_end in self._prune_steps(sid, cutoff):
                with self._lock, self._translated():
                    deleted += self._db.execute("DELETE FROM points WHERE series_id = ? AND ts < ?",
                                                (sid, step_end)).rowcount
        with self._lock, self._translated():
            self._db.execute(RAISE_MARK, ("raw_since", cutoff))
        return deleted

    def _prune_steps(self, sid: int, cutoff: int) -> Iterator[int]:
        with self._lock, self._translated():
            oldest = self._db.execute("SELECT min(ts) FROM points WHERE series_id = ?", (sid,)).fetchone()[0]
        if oldest is None or oldest >= cutoff:
            return
        # Whole hours only: a run re-rolling an hour meanwhile finds all of it or none of it.
        step = floor_to(oldest + PRUNE_STEP_MS, HOUR_MS)
        while step < cutoff:
            yield step
            step += PRUNE_STEP_MS
        yield cutoff

    def _series_ids(self) -> list[int]:
        with self._lock, self._translated():
            return [sid for (sid,) in self._db.execute("SELECT id FROM series ORDER BY id")]
