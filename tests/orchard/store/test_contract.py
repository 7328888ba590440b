"""The contract every TimeSeriesStore keeps, run against SQLite and a real influxd."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from orchard.errors import StoreError
from orchard.readings import Bucket, Latest, Reading, Series, Summary
from orchard.store import TimeSeriesStore, choose_bucket_ms, open_store

F1D1 = {"farm": "f1", "device": "d1"}
F1D2 = {"farm": "f1", "device": "d2"}
F2D1 = {"farm": "f2", "device": "d1"}
T0 = 2811 * 7 * 86_400_000  # November 2023, a multiple of every bucket width


@pytest.fixture(params=["sqlite", "influxdb"])
def store(request, tmp_path) -> Iterator[TimeSeriesStore]:
    if request.param == "sqlite":
        with open_store(f"sqlite:///{tmp_path}/readings.db") as sqlite_store:
            yield sqlite_store
        return
    influxd = request.getfixturevalue("influxd_session")
    database = f"contract_{uuid.uuid4().hex}"
    with open_store(influxd.url(database)) as influx_store:
        yield influx_store
    httpx.post(f"http://127.0.0.1:{influxd.port}/query", data={"q": f'DROP DATABASE "{database}"'})


def series(metric: str, tags: dict[str, str]) -> Series:
    return Series.of(metric, tags)


def test_an_empty_store_has_nothing(store):
    assert store.latest() == []
    assert store.list_series() == []
    assert store.query(series("air_temp_c", F1D1), T0, T0 + 60_000) == []
    store.write([])
    store.ping()


def test_written_readings_come_back_as_latest_with_tags_values_and_times(store):
    store.write([Reading("air_temp_c", 21.5, T0, F1D1), Reading("soil_moisture_pct", 33.0, T0 + 5, F1D1),
                 Reading("air_temp_c", 19.25, T0 + 7, F1D2)])
    assert store.latest() == [
        Latest(series("air_temp_c", F1D1), T0, 21.5),
        Latest(series("air_temp_c", F1D2), T0 + 7, 19.25),
        Latest(series("soil_moisture_pct", F1D1), T0 + 5, 33.0),
    ]


def test_rewriting_a_point_keeps_one_point_and_the_new_value(store):
    first = [Reading("rain_mm", float(i), T0 + i * 1000, F1D1) for i in range(10)]
    store.write(first)
    store.write(first)  # a spool replay
    store.write([Reading("rain_mm", 99.0, T0 + 9000, F1D1), Reading("rain_mm", 42.0, T0 + 3000, F1D1)])
    buckets = store.query(series("rain_mm", F1D1), T0, T0 + 10_000, bucket_ms=1000)
    assert [b.count for b in buckets] == [1] * 10
    assert [b.mean for b in buckets] == [0, 1, 2, 42, 4, 5, 6, 7, 8, 99]
    assert store.latest() == [Latest(series("rain_mm", F1D1), T0 + 9000, 99.0)]


def test_latest_is_the_newest_reading_per_series_whatever_the_write_order(store):
    store.write([Reading("battery_v", 3.7, T0 + 2000, F1D1), Reading("battery_v", 3.9, T0, F1D1)])
    store.write([Reading("battery_v", 3.1, T0 + 1000, F1D1)])  # older than the stored latest
    store.write([Reading("battery_v", 4.0, T0 - 5000, F1D2), Reading("battery_v", 4.1, T0 - 4000, F1D2)])
    assert store.latest() == [Latest(series("battery_v", F1D1), T0 + 2000, 3.7),
                              Latest(series("battery_v", F1D2), T0 - 4000, 4.1)]


def test_latest_and_list_series_respect_tag_filters(store):
    tree = {"farm": "f1", "device": "d1", "tree": "t7"}
    store.write([Reading("air_temp_c", 1.0, T0, F1D1), Reading("air_temp_c", 2.0, T0, F1D2),
                 Reading("air_temp_c", 3.0, T0, F2D1), Reading("rssi_dbm", -70.0, T0, F2D1),
                 Reading("soil_temp_c", 4.0, T0, tree)])
    assert [item.value for item in store.latest({"farm": "f1"})] == [1.0, 2.0, 4.0]
    assert [item.value for item in store.latest({"device": "d1"})] == [1.0, 3.0, -70.0, 4.0]
    assert [item.value for item in store.latest({"farm": "f2", "device": "d1"})] == [3.0, -70.0]
    assert store.latest({"tree": "t7"}) == [Latest(series("soil_temp_c", tree), T0, 4.0)]
    assert store.latest({"farm": "nowhere"}) == []
    # Sorted by metric, then by the (key, value) pairs: device d1 of f2 before device d2 of f1.
    assert store.list_series() == [series("air_temp_c", F1D1), series("air_temp_c", F2D1),
                                   series("air_temp_c", F1D2), series("rssi_dbm", F2D1),
                                   series("soil_temp_c", tree)]
    assert store.list_series({"farm": "f2"}) == [series("air_temp_c", F2D1), series("rssi_dbm", F2D1)]
    assert store.list_series({"tree": "t7", "farm": "f1"}) == [series("soil_temp_c", tree)]
    assert store.list_series({"tree": "t8"}) == []


def test_query_aggregates_each_epoch_aligned_bucket_and_omits_empty_ones(store):
    s = series("soil_moisture_pct", F1D1)
    values = {T0 + 0: 10.0, T0 + 2_000: 20.0, T0 + 9_999: 30.0,  # bucket T0
              T0 + 10_000: 1.5, T0 + 19_000: 2.5,                  # bucket T0+10s
              # nothing in T0+20s
              T0 + 30_000: -4.0, T0 + 35_000: 8.0, T0 + 39_999: 5.0,  # bucket T0+30s
              T0 + 40_000: 1000.0}                                 # at `end`: excluded
    store.write([Reading(s.metric, v, ts, F1D1) for ts, v in values.items()])
    assert store.query(s, T0, T0 + 40_000, bucket_ms=10_000) == [
        Bucket(T0, 20.0, 10.0, 30.0, 3),
        Bucket(T0 + 10_000, 2.0, 1.5, 2.5, 2),
        Bucket(T0 + 30_000, 3.0, -4.0, 8.0, 3),
    ]
    # A start inside a bucket: the bucket still starts at the epoch multiple, holding what is in range.
    assert store.query(s, T0 + 1_000, T0 + 12_000, bucket_ms=10_000) == [
        Bucket(T0, 25.0, 20.0, 30.0, 2), Bucket(T0 + 10_000, 1.5, 1.5, 1.5, 1)]
    assert store.query(s, T0 + 40_000, T0 + 40_000, bucket_ms=10_000) == []


def test_buckets_before_1970_also_start_at_epoch_multiples(store):
    s = series("m", F1D1)
    store.write([Reading("m", v, ts, F1D1) for ts, v in [(-1500, 1.0), (-1000, 2.0), (-1, 3.0), (0, 4.0)]])
    assert store.query(s, -5000, 1000, bucket_ms=1000) == [
        Bucket(-2000, 1.0, 1.0, 1.0, 1), Bucket(-1000, 2.5, 2.0, 3.0, 2), Bucket(0, 4.0, 4.0, 4.0, 1)]


def test_query_reads_only_the_series_asked_for(store):
    tree = {**F1D1, "tree": "t1"}
    store.write([Reading("air_temp_c", 10.0, T0, F1D1), Reading("air_temp_c", 50.0, T0, tree),
                 Reading("air_humidity_pct", 70.0, T0, F1D1), Reading("air_temp_c", 30.0, T0, F1D2)])
    assert store.query(series("air_temp_c", F1D1), T0, T0 + 1000) == [Bucket(T0, 10.0, 10.0, 10.0, 1)]
    assert store.query(series("air_temp_c", tree), T0, T0 + 1000) == [Bucket(T0, 50.0, 50.0, 50.0, 1)]
    assert store.query(series("air_temp_c", {"farm": "f1"}), T0, T0 + 1000) == []


def test_query_without_a_bucket_width_uses_choose_bucket_ms(store):
    day = 86_400_000
    s = series("air_pressure_hpa", F1D1)
    store.write([Reading(s.metric, 1000.0 + (i % 5), T0 + i * 60_000, F1D1) for i in range(24 * 60)])
    width = choose_bucket_ms(T0, T0 + day)
    buckets = store.query(s, T0, T0 + day)
    assert width == 300_000
    assert len(buckets) == day // width <= 500
    assert all(b.start_ms % width == 0 for b in buckets)
    assert buckets[0] == Bucket(T0, 1002.0, 1000.0, 1004.0, 5)
    assert sum(b.count for b in buckets) == 24 * 60


AWKWARD = {
    "farm": "f1",
    "plot": "north, by the river",
    "tree": 'old "pear" = 梨树',
    "owner": "O'Brien's C:\\corner",
    "place": "果园 ",
    "two words": "a=b,c d",
}


def test_awkward_tag_keys_and_values_round_trip(store):
    s = series("leaf_wetness_pct", AWKWARD)
    plain = series("leaf_wetness_pct", {"farm": "f1"})
    store.write([Reading(s.metric, 12.5, T0, AWKWARD), Reading(s.metric, 14.5, T0 + 1, AWKWARD),
                 Reading(s.metric, 1.0, T0, {"farm": "f1"})])
    assert store.latest() == [Latest(plain, T0, 1.0), Latest(s, T0 + 1, 14.5)]
    for key, value in AWKWARD.items():
        if key == "farm":
            continue
        assert store.list_series({key: value}) == [s], key
        assert store.latest({key: value}) == [Latest(s, T0 + 1, 14.5)], key
    assert store.list_series({"owner": "O'Brien's C:\\corner", "place": "果园"}) == []
    assert store.query(s, T0, T0 + 1000) == [Bucket(T0, 13.5, 12.5, 14.5, 2)]


def test_a_large_batch_round_trips(store):
    devices = [{"farm": "f1", "device": f"d{d}"} for d in range(5)]
    readings = [Reading("light_lux", float(i), T0 + i * 1000, tags)
                for tags in devices for i in range(10_000)]
    store.write(readings)
    assert len(store.list_series()) == 5
    assert store.latest({"device": "d3"}) == [Latest(series("light_lux", devices[3]), T0 + 9_999_000, 9999.0)]
    for tags in devices:
        (total,) = store.query(series("light_lux", tags), T0, T0 + 10_000_000, bucket_ms=86_400_000 * 7)
        assert (total.count, total.min, total.max, total.mean) == (10_000, 0.0, 9999.0, 4999.5)


@pytest.mark.parametrize("value", [-127.0, 0.1, 1e-3, 85.0, 0.0, -0.5, 1013.25, 2.0 ** 53 + 2,
                                   1e-300, 123456.789012345, 1 / 3, 6.02214076e23])
def test_floats_come_back_exactly(store, value):
    s = series("custom_metric", F1D1)
    store.write([Reading(s.metric, value, T0 + 1, F1D1)])
    assert store.latest() == [Latest(s, T0 + 1, value)]
    assert store.query(s, T0, T0 + 1000, bucket_ms=1000) == [Bucket(T0, value, value, value, 1)]


def test_integer_values_are_stored_as_floats(store):
    store.write([Reading("rssi_dbm", -71, T0, F1D1)])
    (latest,) = store.latest()
    assert latest.value == -71.0 and isinstance(latest.value, float)


def test_non_finite_values_are_refused(store):
    with pytest.raises(StoreError):
        store.write([Reading("air_temp_c", float("nan"), T0, F1D1)])
    with pytest.raises(StoreError):
        store.write([Reading("air_temp_c", float("inf"), T0, F1D1)])
    assert store.latest() == []


def test_a_bucket_width_must_be_positive(store):
    with pytest.raises(ValueError):
        store.query(series("air_temp_c", F1D1), T0, T0 + 1000, bucket_ms=0)


def test_summarize_aggregates_every_series_of_a_metric_over_a_window(store):
    tree = {"farm": "f1", "device": "d1", "tree": "t7"}
    store.write([Reading("rain_mm", 0.5 * i, T0 + i * 60_000, F1D1) for i in range(10)]
                + [Reading("rain_mm", 2.0, T0 + 30_000, F1D2), Reading("rain_mm", 7.0, T0 - 1, F1D2),
                   Reading("rain_mm", 9.0, T0 + 600_000, F1D2), Reading("rain_mm", 1.0, T0, tree),
                   Reading("air_temp_c", 3.0, T0, F1D1)])
    assert store.summarize("rain_mm", T0, T0 + 600_000) == [
        Summary(series("rain_mm", F1D1), 10, 22.5, 2.25, 0.0, 4.5, T0, T0 + 540_000),
        Summary(series("rain_mm", tree), 1, 1.0, 1.0, 1.0, 1.0, T0, T0),
        Summary(series("rain_mm", F1D2), 1, 2.0, 2.0, 2.0, 2.0, T0 + 30_000, T0 + 30_000),
    ]


def test_summarize_filters_by_tags_and_reads_every_metric_without_one(store):
    store.write([Reading("rain_mm", 1.0, T0, F1D1), Reading("air_temp_c", -1.5, T0 + 5, F1D1),
                 Reading("air_temp_c", 4.0, T0, F2D1)])
    assert store.summarize(None, T0, T0 + 1000, {"farm": "f1"}) == [
        Summary(series("air_temp_c", F1D1), 1, -1.5, -1.5, -1.5, -1.5, T0 + 5, T0 + 5),
        Summary(series("rain_mm", F1D1), 1, 1.0, 1.0, 1.0, 1.0, T0, T0),
    ]
    assert store.summarize("air_temp_c", T0 + 10, T0 + 1000) == []
    assert store.summarize("soil_ph", T0, T0 + 1000) == []
    assert store.summarize("rain_mm", T0 + 1000, T0) == []
