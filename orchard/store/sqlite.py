"""The embedded backend: readings in one SQLite file, for a single machine and the demo."""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from orchard.errors import SettingsError, StoreError, StoreRejected, StoreUnavailable
from orchard.readings import Bucket, Latest, Reading, Series, Summary
from orchard.store.base import TimeSeriesStore, choose_bucket_ms
from orchard.store.rollups import plan_read
from orchard.store.sqlite_rollups import SqliteRollups

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY,
    metric TEXT NOT NULL,
    tags TEXT NOT NULL,  -- canonical JSON of the tags, keys sorted
    UNIQUE (metric, tags)
);
CREATE TABLE IF NOT EXISTS points (
    series_id INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (series_id, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS latest (
    series_id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    value REAL NOT NULL
);
"""
UPSERT_POINT = """INSERT INTO points (series_id, ts, value) VALUES (?, ?, ?)
    ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value"""
UPSERT_LATEST = """INSERT INTO latest (series_id, ts, value) VALUES (?, ?, ?)
    ON CONFLICT (series_id) DO UPDATE SET ts = excluded.ts, value = excluded.value
    WHERE excluded.ts >= latest.ts"""
# Floor division, so buckets of negative timestamps also start at multiples of the width.
BUCKETS = """SELECT ts - ((ts % :width) + :width) % :width AS start, avg(value), min(value), max(value), count(*)
    FROM points WHERE series_id = :id AND ts >= :start AND ts < :end GROUP BY start ORDER BY start"""
# The series ids come as one JSON array, so a thousand devices still make one statement; the
# primary key (series_id, ts) serves each id's time range.
SUMMARIES = """SELECT series_id, count(*), sum(value), avg(value), min(value), max(value), min(ts), max(ts)
    FROM points WHERE series_id IN (SELECT value FROM json_each(:ids)) AND ts >= :start AND ts < :end
    GROUP BY series_id"""
# Error codes that mean "busy or out of reach for now", worth a retry after spooling.
RETRY_LATER = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL")


def canonical(tags: Mapping[str, str]) -> str:
    """The tags as stored in series.tags: JSON, keys sorted, no spaces, unicode as is."""
    return json.dumps(tags, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _sort_key(series: Series) -> tuple[str, tuple[tuple[str, str], ...]]:
    return series.metric, series.tags


class SqliteStore(SqliteRollups, TimeSeriesStore):
    """One connection behind a lock, shared by the ingester's writer thread and dashboard callbacks."""

    def __init__(self, path: str | Path, timeout_s: float = 5.0) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._down = False
        self._ids: dict[tuple[str, str], int] = {}
        self._catalog: dict[int, tuple[Series, dict[str, str]]] = {}
        self._catalog_max_id = 0
        with self._translated():
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=timeout_s, check_same_thread=False,
                                       isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            self._create_rollup_tables()

    @classmethod
    def from_url(cls, url: str, **options: float) -> SqliteStore:
        """Open `sqlite:///relative/path.db`, `sqlite:////absolute/path.db` or `sqlite:///:memory:`."""
        scheme, _, rest = url.partition("://")
        if scheme.lower() != "sqlite" or not rest.startswith("/") or len(rest) < 2:
            raise SettingsError("ORCHARD_STORE_URL: must look like sqlite:///relative/path.db "
                                "or sqlite:////absolute/path.db")
        return cls(rest[1:], **options)

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    def write(self, readings: Sequence[Reading]) -> None:
        """Upsert every point and each series' latest value in one transaction."""
        if not readings:
            return
        with self._lock, self._translated():
            self._db.execute("BEGIN IMMEDIATE")
            new_ids: dict[tuple[str, str], int] = {}
            try:
                rows, newest = self._rows(readings, new_ids)
                self._db.executemany(UPSERT_POINT, rows)
                self._db.executemany(UPSERT_LATEST, [(sid, *point) for sid, point in newest.items()])
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # SQLite may have rolled back already (disk full)
                    self._db.execute("ROLLBACK")
                raise
            self._ids.update(new_ids)  # only once committed: a rolled-back id may be reused

    def _rows(self, readings: Sequence[Reading], new_ids: dict[tuple[str, str], int]
              ) -> tuple[list[tuple[int, int, float]], dict[int, tuple[int, float]]]:
        """(series id, ts, value) per reading, and the newest (ts, value) per series."""
        tags_json: dict[int, str] = {}  # by id(): readings of one message share their tags dict
        rows: list[tuple[int, int, float]] = []
        newest: dict[int, tuple[int, float]] = {}
        for reading in readings:
            tags = tags_json.get(id(reading.tags))
            if tags is None:
                tags = tags_json[id(reading.tags)] = self._canonical_tags(reading.tags)
            key = (reading.metric, tags)
            sid = self._ids.get(key) or new_ids.get(key)
            if sid is None:
                sid = new_ids[key] = self._series_id(*key)
            try:
                ts, value = int(reading.ts_ms), float(reading.value)
            except (TypeError, ValueError, OverflowError):
                raise StoreRejected(f"{reading!r}: value and ts_ms must be numbers") from None
            if not math.isfinite(value):
                raise StoreRejected(f"{reading.metric}={value}: only finite numbers are stored")
            rows.append((sid, ts, value))
            seen = newest.get(sid)
            if seen is None or ts >= seen[0]:
                newest[sid] = (ts, value)
        return rows, newest

    @staticmethod
    def _canonical_tags(tags: Mapping[str, str]) -> str:
        if not all(isinstance(key, str) and isinstance(value, str) for key, value in tags.items()):
            raise StoreRejected(f"tags {tags!r}: keys and values must be strings")
        return canonical(tags)

    def _series_id(self, metric: str, tags: str) -> int:
        if not isinstance(metric, str) or not metric:
            raise StoreRejected(f"metric {metric!r}: must be a non-empty string")
        self._db.execute("INSERT OR IGNORE INTO series (metric, tags) VALUES (?, ?)", (metric, tags))
        return self._db.execute("SELECT id FROM series WHERE metric = ? AND tags = ?",
                                (metric, tags)).fetchone()[0]

    def latest(self, tags: Mapping[str, str] | None = None) -> list[Latest]:
        """Newest value of each matching series, from the `latest` table kept on write."""
        with self._lock, self._translated():
            wanted = self._matching(tags)
            rows = self._db.execute("SELECT series_id, ts, value FROM latest").fetchall()
        found = [Latest(wanted[sid], ts, value) for sid, ts, value in rows if sid in wanted]
        return sorted(found, key=lambda latest: _sort_key(latest.series))

    def summarize(self, metric: str | None, start_ms: int, end_ms: int,
                  tags: Mapping[str, str] | None = None) -> list[Summary]:
        """One aggregate row per matching series with readings in the window, grouped in SQL."""
        with self._lock, self._translated():
            wanted = {sid: series for sid, series in self._matching(tags).items()
                      if metric is None or series.metric == metric}
            if not wanted or end_ms <= start_ms:
                return []
            rows = self._db.execute(SUMMARIES, {"ids": json.dumps(list(wanted)), "start": int(start_ms),
                                                "end": int(end_ms)}).fetchall()
        found = [Summary(wanted[sid], count, total, mean, low, high, first, last)
                 for sid, count, total, mean, low, high, first, last in rows]
        return sorted(found, key=lambda summary: _sort_key(summary.series))

    def list_series(self, tags: Mapping[str, str] | None = None) -> list[Series]:
        """Every matching series, sorted by metric then tags."""
        with self._lock, self._translated():
            return sorted(self._matching(tags).values(), key=_sort_key)

    def _matching(self, tags: Mapping[str, str] | None) -> dict[int, Series]:
        """Series ids whose tags include all of `tags`, after reading series added since last time."""
        new = self._db.execute("SELECT id, metric, tags FROM series WHERE id > ? ORDER BY id",
                               (self._catalog_max_id,)).fetchall()
        for sid, metric, tags_json in new:
            series_tags = json.loads(tags_json)
            self._catalog[sid] = (Series.of(metric, series_tags), series_tags)
            self._catalog_max_id = sid
        wanted = list((tags or {}).items())
        return {sid: series for sid, (series, have) in self._catalog.items()
                if all(have.get(key) == value for key, value in wanted)}

    def query(self, series: Series, start_ms: int, end_ms: int,
              bucket_ms: int | None = None) -> list[Bucket]:
        """Mean/min/max/count per epoch-aligned bucket, grouped in SQL from raw readings and hourly rollups."""
        width = choose_bucket_ms(start_ms, end_ms) if bucket_ms is None else int(bucket_ms)
        if width <= 0:
            raise ValueError(f"bucket_ms must be positive, not {bucket_ms}")
        key = (series.metric, canonical(series.tag_dict))
        with self._lock, self._translated():
            sid = self._ids.get(key)
            if sid is None:
                row = self._db.execute("SELECT id FROM series WHERE metric = ? AND tags = ?", key).fetchone()
                if row is None:
                    return []
                sid = self._ids[key] = row[0]
            plan = plan_read(int(start_ms), int(end_ms), width, self._marks())
            return self._read_planned(sid, plan, width)

    def _raw_buckets(self, sid: int, start_ms: int, end_ms: int, width: int) -> list[Bucket]:
        rows = self._db.execute(BUCKETS, {"width": width, "id": sid, "start": start_ms, "end": end_ms})
        return [Bucket(start, mean, low, high, count) for start, mean, low, high, count in rows]

    def ping(self) -> None:
        """Return if the file can be read."""
        with self._lock, self._translated():
            self._db.execute("SELECT 1 FROM series LIMIT 1").fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """sqlite3 errors as StoreUnavailable (busy, locked, unreadable, full) or StoreError."""
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            code = getattr(exc, "sqlite_errorname", "")
            if isinstance(exc, OSError) or code.startswith(RETRY_LATER) or "locked" in str(exc):
                why = f"SQLite store {self.path} unavailable: {exc}"
                if not self._down:
                    self._down = True
                    log.warning("%s", why)
                raise StoreUnavailable(why) from exc
            raise StoreError(f"SQLite store {self.path}: {exc}") from exc
        if self._down:
            self._down = False
            log.info("SQLite store %s is usable again", self.path)
