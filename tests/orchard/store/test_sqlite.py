"""The SQLite backend: files, URLs, reopening, locking and threads."""

from __future__ import annotations

import logging
import sqlite3
import threading

import pytest

from orchard.errors import SettingsError, StoreError, StoreUnavailable
from orchard.readings import Bucket, Latest, Reading, Series
from orchard.store import open_store
from orchard.store.sqlite import SqliteStore

TAGS = {"farm": "f1", "device": "d1"}
T0 = 1_700_000_000_000


def test_the_file_is_created_under_missing_folders(tmp_path):
    path = tmp_path / "data" / "farm one" / "readings.db"
    with open_store(f"sqlite:///{path}") as store:
        store.write([Reading("rain_mm", 1.0, T0, TAGS)])
    assert path.is_file()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_relative_url_is_relative_to_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with SqliteStore.from_url("sqlite:///data/readings.db") as store:
        store.write([Reading("rain_mm", 1.0, T0, TAGS)])
    assert (tmp_path / "data" / "readings.db").is_file()


def test_an_in_memory_store_works():
    with SqliteStore.from_url("sqlite:///:memory:") as store:
        store.write([Reading("rain_mm", 1.0, T0, TAGS)])
        assert store.latest() == [Latest(Series.of("rain_mm", TAGS), T0, 1.0)]


@pytest.mark.parametrize("url", ["sqlite://readings.db", "sqlite:///", "sqlite:", "postgres:///x.db"])
def test_bad_urls_are_settings_errors(url):
    with pytest.raises(SettingsError, match="ORCHARD_STORE_URL"):
        SqliteStore.from_url(url)


def test_a_reopened_file_keeps_its_readings_and_series(tmp_path):
    url = f"sqlite:///{tmp_path}/readings.db"
    with open_store(url) as store:
        store.write([Reading("air_temp_c", float(i), T0 + i * 1000, TAGS) for i in range(10)])
    with open_store(url) as store:
        store.write([Reading("air_temp_c", 10.0, T0 + 10_000, TAGS)])
        assert store.list_series() == [Series.of("air_temp_c", TAGS)]
        assert store.latest() == [Latest(Series.of("air_temp_c", TAGS), T0 + 10_000, 10.0)]
        assert store.query(Series.of("air_temp_c", TAGS), T0, T0 + 60_000, bucket_ms=60_000) == [
            Bucket(T0 - T0 % 60_000, 5.0, 0.0, 10.0, 11)]
    with sqlite3.connect(tmp_path / "readings.db") as db:
        assert db.execute("SELECT id, metric, tags FROM series").fetchall() == [
            (1, "air_temp_c", '{"device":"d1","farm":"f1"}')]
        assert db.execute("SELECT count(*) FROM points").fetchone() == (11,)


def test_two_stores_on_one_file_see_each_others_series(tmp_path):
    url = f"sqlite:///{tmp_path}/readings.db"
    with open_store(url) as ingester, open_store(url) as dashboard:
        ingester.write([Reading("air_temp_c", 1.0, T0, TAGS)])
        assert dashboard.list_series() == [Series.of("air_temp_c", TAGS)]
        ingester.write([Reading("soil_ph", 6.0, T0, TAGS)])
        dashboard.write([Reading("air_temp_c", 2.0, T0 + 1, TAGS)])
        assert [item.value for item in ingester.latest()] == [2.0, 6.0]
        assert [item.value for item in dashboard.latest()] == [2.0, 6.0]


def test_a_locked_file_is_unavailable_until_released(tmp_path, caplog):
    path = tmp_path / "readings.db"
    store = SqliteStore(path, timeout_s=0.05)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    with caplog.at_level(logging.INFO, logger="orchard.store.sqlite"):
        for _ in range(3):
            with pytest.raises(StoreUnavailable, match="locked"):
                store.write([Reading("m", 1.0, T0, TAGS)])
        other.execute("ROLLBACK")
        store.write([Reading("m", 1.0, T0, TAGS)])
    assert [r.levelname for r in caplog.records] == ["WARNING", "INFO"]
    assert store.latest() == [Latest(Series.of("m", TAGS), T0, 1.0)]
    other.close()
    store.close()


def test_a_refused_batch_leaves_nothing_behind(tmp_path):
    with SqliteStore(tmp_path / "r.db") as store:
        with pytest.raises(StoreError):
            store.write([Reading("new_metric", 1.0, T0, TAGS), Reading("m", "warm", T0, TAGS)])
        assert store.list_series() == [] and store.latest() == []
        store.write([Reading("new_metric", 2.0, T0, TAGS)])
        assert store.latest() == [Latest(Series.of("new_metric", TAGS), T0, 2.0)]


def test_a_closed_store_raises_store_error(tmp_path):
    store = SqliteStore(tmp_path / "r.db")
    store.close()
    with pytest.raises(StoreError):
        store.latest()


def test_writer_threads_and_reader_threads_share_one_store(tmp_path):
    store = SqliteStore(tmp_path / "r.db")
    errors: list[BaseException] = []

    def writer(device: str) -> None:
        tags = {"farm": "f1", "device": device}
        try:
            for batch in range(20):
                store.write([Reading("m", float(i), T0 + batch * 100 + i, tags) for i in range(100)])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(50):
                store.latest()
                store.list_series({"farm": "f1"})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"d{n}",)) for n in range(4)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(store.latest()) == 4
    for n in range(4):
        (total,) = store.query(Series.of("m", {"farm": "f1", "device": f"d{n}"}), T0, T0 + 2000, 86_400_000)
        assert total.count == 2000
    store.close()
