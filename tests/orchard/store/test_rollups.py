"""Retention and hourly rollups, the same on SQLite and a real influxd: raw readings go, rollups answer."""

from __future__ import annotations

import pytest

from orchard.readings import Bucket, Reading, Series
from orchard.retention import Retention
from orchard.store.rollups import HOUR_MS
from tests.orchard.store.test_contract import T0, store  # noqa: F401  (the two-backend fixture)

DAY_MS = 86_400_000
NOW = T0 + 13 * HOUR_MS + 20 * 60_000  # a run in the afternoon, between two hours
D1 = {"farm": "f1", "device": "d1"}
D2 = {"farm": "f1", "device": "d2"}
AIR = Series.of("air_temp_c", D1)
GONE = Series.of("air_temp_c", D2)
STEP_MS = 30 * 60_000


def value(ts: int) -> float:
    """A value that differs within each hour, so mean, min and max all tell."""
    return round(((ts // 60_000) * 7919 % 1000) / 10 - 20, 1)


def history(tags: dict[str, str], start: int, end: int) -> list[Reading]:
    """A reading every 30 minutes over [start, end), the first 7 minutes after start."""
    return [Reading("air_temp_c", value(ts), ts, tags) for ts in range(start + 7 * 60_000, end, STEP_MS)]


def expected(readings: list[Reading], start: int, end: int, width: int) -> list[Bucket]:
    grouped: dict[int, list[float]] = {}
    for r in readings:
        if start <= r.ts_ms < end:
            grouped.setdefault(r.ts_ms - r.ts_ms % width, []).append(r.value)
    return [Bucket(at, sum(v) / len(v), min(v), max(v), len(v)) for at, v in sorted(grouped.items())]


def same(actual: list[Bucket], wanted: list[Bucket]) -> bool:
    return [(b.start_ms, b.min, b.max, b.count) for b in actual] == \
        [(b.start_ms, b.min, b.max, b.count) for b in wanted] and \
        all(a.mean == pytest.approx(w.mean, rel=1e-12) for a, w in zip(actual, wanted, strict=True))


@pytest.fixture
def year(store):  # noqa: F811
    """400 days of one series, and a second series whose device died 200 days ago."""
    readings = history(D1, NOW - 400 * DAY_MS, NOW)
    dead = history(D2, NOW - 300 * DAY_MS, NOW - 200 * DAY_MS)
    store.write(readings)
    store.write(dead)
    return readings, dead


def test_raw_readings_past_the_window_are_gone_and_their_rollups_answer_a_one_year_chart(store, year):  # noqa: F811
    readings, dead = year
    one_year = (NOW - 365 * DAY_MS, NOW)
    before = store.query(AIR, *one_year)
    assert same(before, expected(readings, *one_year, DAY_MS))

    done = Retention(store, raw_days=90, lookback_hours=72).run(now_ms=NOW)

    cutoff = NOW - NOW % HOUR_MS - 90 * DAY_MS
    assert done.raw_before_ms == cutoff
    assert store.oldest_raw_ms() is not None and store.oldest_raw_ms() >= cutoff  # raw readings are gone
    assert store.rollup_marks().raw_since_ms == cutoff
    # The same 1-year chart, now answered by the rollups for 9 months and by raw readings for 3;
    # the hour the range starts in is cut by it and gone from raw readings: it is left out.
    after = store.query(AIR, *one_year)
    first_hour_end = one_year[0] - one_year[0] % HOUR_MS + HOUR_MS
    assert same(after, expected(readings, first_hour_end, NOW, DAY_MS))
    assert same(after[1:], before[1:]) and after[0].count < before[0].count
    # Each rolled hour keeps its mean, min, max and count.
    old_day = (NOW - 300 * DAY_MS - NOW % DAY_MS, NOW - 299 * DAY_MS - NOW % DAY_MS)
    hours = store.query(AIR, *old_day, bucket_ms=HOUR_MS)
    assert len(hours) == 24 and {b.count for b in hours} == {2}
    assert same(hours, expected(readings, *old_day, HOUR_MS))
    # A series with no raw reading left still lists and still charts.
    assert GONE in store.list_series({"device": "d2"})
    assert same(store.query(GONE, *one_year), expected(dead, *one_year, DAY_MS))


def test_a_finer_chart_of_pruned_days_gets_one_bucket_per_hour_and_recent_days_stay_raw(store, year):  # noqa: F811
    readings, _ = year
    Retention(store, raw_days=90, lookback_hours=72).run(now_ms=NOW)
    old_day = (NOW - 120 * DAY_MS - NOW % DAY_MS, NOW - 119 * DAY_MS - NOW % DAY_MS)
    assert same(store.query(AIR, *old_day, bucket_ms=STEP_MS), expected(readings, *old_day, HOUR_MS))
    recent_day = (NOW - 10 * DAY_MS - NOW % DAY_MS, NOW - 9 * DAY_MS - NOW % DAY_MS)
    assert same(store.query(AIR, *recent_day, bucket_ms=STEP_MS), expected(readings, *recent_day, STEP_MS))


def test_late_readings_within_the_lookback_reach_the_rollups(store):  # noqa: F811
    retention = Retention(store, raw_days=90, lookback_hours=72)
    readings = history(D1, NOW - 5 * DAY_MS, NOW)
    store.write(readings)
    retention.run(now_ms=NOW)
    late = [Reading("air_temp_c", 55.0, NOW - 30 * HOUR_MS + 1000, D1),
            Reading("air_temp_c", -35.0, NOW - 30 * HOUR_MS + 2000, D1)]
    store.write(late)  # a Pi flushing a day-old spool
    retention.run(now_ms=NOW + HOUR_MS)
    span = (NOW - 5 * DAY_MS - NOW % HOUR_MS, NOW - NOW % HOUR_MS)
    assert store.rollup_marks().rolled_until_ms == NOW - NOW % HOUR_MS + HOUR_MS
    assert same(store.query(AIR, *span, bucket_ms=HOUR_MS), expected(readings + late, *span, HOUR_MS))


def test_running_again_or_from_two_stores_changes_nothing(store, year):  # noqa: F811
    readings, _ = year
    Retention(store, raw_days=90, lookback_hours=72).run(now_ms=NOW)
    first = store.query(AIR, NOW - 365 * DAY_MS, NOW, bucket_ms=HOUR_MS)
    Retention(store, raw_days=90, lookback_hours=72).run(now_ms=NOW)
    Retention(store, raw_days=90, lookback_hours=72).run(now_ms=NOW - 2 * HOUR_MS)  # a slower instance
    assert store.query(AIR, NOW - 365 * DAY_MS, NOW, bucket_ms=HOUR_MS) == first
    assert store.rollup_marks().rolled_until_ms == NOW - NOW % HOUR_MS


def test_raw_readings_are_never_pruned_before_they_are_rolled_up(store, year):  # noqa: F811
    oldest = store.oldest_raw_ms()
    store.prune_raw(NOW)
    assert store.oldest_raw_ms() == oldest
    assert store.rollup_marks().raw_since_ms is None


def test_the_raw_window_must_be_longer_than_the_lookback(store):  # noqa: F811
    with pytest.raises(ValueError):
        Retention(store, raw_days=2, lookback_hours=48)


def test_a_reading_older_than_the_window_written_after_pruning_goes_at_the_next_run(store):  # noqa: F811
    retention = Retention(store, raw_days=10, lookback_hours=72)
    store.write(history(D1, NOW - 12 * DAY_MS, NOW))
    retention.run(now_ms=NOW)
    cutoff = store.rollup_marks().raw_since_ms
    assert cutoff is not None and store.oldest_raw_ms() >= cutoff
    store.write([Reading("air_temp_c", 1.0, NOW - 30 * DAY_MS, D1)])  # a Pi's clock, or a very old spool
    assert store.oldest_raw_ms() == NOW - 30 * DAY_MS
    retention.run(now_ms=NOW + HOUR_MS)
    assert store.oldest_raw_ms() >= cutoff
