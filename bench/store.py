"""Store benchmark: a 1-year chart read from hourly rollups against the same chart over raw readings.

One year and ten days of readings of one tree (3 metrics, one every --step-s seconds), on
SQLite and on a local influxd, through TimeSeriesStore as the dashboard and the API read it:
  (1) the 1-year chart (3 series, 1-day buckets) over raw readings only (baseline), then the
      same query once the rollups exist (raw readings still there), then after the raw window
      (90 days) is pruned; the buckets must stay the same.
  (2) the rollup job: the first run over the whole year, and a steady-state run (one new hour,
      the 72-hour lookback), against the time to write the year (baseline).
  (3) storage per series and year on SQLite: the file with raw readings against rollups only.
Run: python -m bench.store [--step-s S] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from orchard.readings import Bucket, Reading, Series
from orchard.retention import Retention
from orchard.store import TimeSeriesStore, open_store
from orchard.store.rollups import HOUR_MS
from tests.services import Influxd

DAY_MS = 86_400_000
METRICS = {"air_temp_c": 18.0, "soil_moisture_pct": 31.0, "soil_temp_c": 14.0}
TAGS = {"farm": "bench", "device": "unit-000", "tree": "1", "plot": "1"}
NOW_MS = 1_780_000_000_000 - 1_780_000_000_000 % HOUR_MS + 20 * 60_000  # a fixed clock, 20 past an hour


def fill(store: TimeSeriesStore, step_ms: int) -> tuple[int, float]:
    """375 days of readings up to NOW_MS; returns how many and the seconds it took."""
    started = time.perf_counter()
    written, batch = 0, []
    for ts in range(NOW_MS - 375 * DAY_MS, NOW_MS, step_ms):
        for metric, base in METRICS.items():
            batch.append(Reading(metric, base + ((ts // 60_000) % 1440) / 144.0, ts, TAGS))
        if len(batch) >= 30_000:
            store.write(batch)
            written, batch = written + len(batch), []
    store.write(batch)
    return written + len(batch), time.perf_counter() - started


def median_ms(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def year_chart(store: TimeSeriesStore) -> list[list[Bucket]]:
    return [store.query(Series.of(metric, TAGS), NOW_MS - 365 * DAY_MS, NOW_MS) for metric in METRICS]


def alike(a: list[list[Bucket]], b: list[list[Bucket]]) -> bool:
    """The same buckets, means equal to 1e-9 (the sums are added in another order)."""
    return all([(x.start_ms, x.min, x.max, x.count) for x in one] == [(y.start_ms, y.min, y.max, y.count) for y in two]
               and all(abs(x.mean - y.mean) <= 1e-9 * max(1.0, abs(y.mean)) for x, y in zip(one, two, strict=True))
               for one, two in zip(a, b, strict=True))


def bench(kind: str, url: str, step_ms: int, repeat: int, sqlite_path: Path | None = None) -> None:
    with open_store(url) as store:
        written, fill_s = fill(store, step_ms)
        raw_size = file_size(sqlite_path) if sqlite_path else 0
        raw = year_chart(store)
        raw_ms = median_ms(lambda: year_chart(store), repeat)

        keep_all = Retention(store, raw_days=400, lookback_hours=72)  # rollups, raw readings kept
        started = time.perf_counter()
        first = keep_all.run(now_ms=NOW_MS)
        first_s = time.perf_counter() - started
        rolled = year_chart(store)
        rolled_ms = median_ms(lambda: year_chart(store), repeat)
        steady_s = median_ms(lambda: keep_all.run(now_ms=NOW_MS + HOUR_MS), max(3, repeat // 2)) / 1000

        started = time.perf_counter()
        Retention(store, raw_days=90, lookback_hours=72).run(now_ms=NOW_MS + HOUR_MS)
        prune_s = time.perf_counter() - started
        pruned = year_chart(store)
        pruned_ms = median_ms(lambda: year_chart(store), repeat)

    print(f"{kind}: {written:,} readings (3 series, one every {step_ms // 1000} s, 375 days), "
          f"written in {fill_s:.1f} s")
    print("  (1) 1-year chart, 3 series x 365 daily buckets, median of", repeat)
    print(f"      raw readings only      {raw_ms:8.1f} ms   (baseline)")
    print(f"      from hourly rollups    {rolled_ms:8.1f} ms   x{rolled_ms / raw_ms:.3f} of raw, "
          f"{raw_ms / rolled_ms:.0f} times faster; same buckets: {alike(rolled, raw)}")
    # The range starts 20 minutes into an hour whose raw readings are gone: that hour is left out.
    print(f"      after pruning to 90 d  {pruned_ms:8.1f} ms   x{pruned_ms / raw_ms:.3f} of raw; "
          f"same buckets after the first: {alike([p[1:] for p in pruned], [r[1:] for r in raw])}")
    print("  (2) rollup job")
    print(f"      first run, whole year  {first_s:8.2f} s    x{first_s / fill_s:.2f} of writing the year "
          f"({first.rollup_rows:,} hour rows)")
    print(f"      steady run (72 h)      {steady_s:8.3f} s    x{steady_s / fill_s:.4f} of writing the year")
    print(f"      pruning 285 days       {prune_s:8.2f} s    x{prune_s / fill_s:.2f} of writing the year")
    if sqlite_path is not None:
        report_sizes(sqlite_path, raw_size, written)


def file_size(path: Path) -> int:
    """The SQLite file's size once its write-ahead log is folded in."""
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


def report_sizes(path: Path, raw_size: int, written: int) -> None:
    """Bytes per series-year: the file holding raw readings, against one holding rollups only."""
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM points")
        db.commit()
        db.execute("VACUUM")
    rollup_size = file_size(path)
    series, days = len(METRICS), 375
    per_raw = raw_size / series * 365 / days
    per_rollup = rollup_size / series * 365 / days
    print("  (3) storage per series and year (SQLite file)")
    print(f"      raw readings           {per_raw / 1e6:8.2f} MB   ({raw_size / written:.1f} bytes a reading)")
    print(f"      hourly rollups only    {per_rollup / 1e6:8.2f} MB   x{per_rollup / per_raw:.3f} of raw")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step-s", type=int, default=60, help="seconds between readings of a series")
    parser.add_argument("--repeat", type=int, default=5, help="timed queries per figure (median reported)")
    args = parser.parse_args()
    step_ms = args.step_s * 1000
    with tempfile.TemporaryDirectory(prefix="sqlite-") as folder:
        path = Path(folder) / "readings.db"
        bench("SQLite", f"sqlite:///{path}", step_ms, args.repeat, sqlite_path=path)
    with tempfile.TemporaryDirectory(prefix="influxd-") as folder:
        influxd = Influxd(Path(folder))
        influxd.start()
        try:
            bench("InfluxDB", influxd.url(f"bench_{uuid.uuid4().hex[:8]}"), step_ms, args.repeat)
        finally:
            influxd.stop()


if __name__ == "__main__":
    main()
