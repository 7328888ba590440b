"""`orchard retention --once` against a real SQLite store, and the settings that steer it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from orchard.errors import SettingsError
from orchard.readings import Reading, Series
from orchard.settings import Settings
from orchard.store import open_store
from orchard.times import wall_clock_ms

DAY_MS = 86_400_000
TAGS = {"farm": "f1", "device": "d1"}


def test_once_rolls_up_and_deletes_raw_readings_past_the_window(tmp_path):
    url = f"sqlite:///{tmp_path / 'readings.db'}"
    now = wall_clock_ms()
    old = [Reading("soil_temp_c", 10.0 + i % 3, now - 20 * DAY_MS + i * 60_000, TAGS) for i in range(120)]
    recent = [Reading("soil_temp_c", 15.0, now - DAY_MS, TAGS)]
    with open_store(url) as store:
        store.write(old + recent)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")}
    env = {**clean, "ORCHARD_STORE_URL": url, "ORCHARD_DATA_DIR": str(tmp_path), "ORCHARD_RAW_DAYS": "10"}
    done = subprocess.run([sys.executable, "-m", "orchard.cli", "retention", "--once"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "deleted 120 raw reading(s) older than 10 days" in done.stdout
    with open_store(url) as store:
        assert store.oldest_raw_ms() == recent[0].ts_ms
        buckets = store.query(Series.of("soil_temp_c", TAGS), now - 30 * DAY_MS, now)
        assert sum(b.count for b in buckets) == 121
        assert min(b.min for b in buckets) == 10.0 and max(b.max for b in buckets) == 15.0


def test_the_raw_window_must_outlast_the_lookback():
    assert Settings.load({}).raw_days == 90
    with pytest.raises(SettingsError, match="ORCHARD_RAW_DAYS"):
        Settings.load({"ORCHARD_RAW_DAYS": "2", "ORCHARD_ROLLUP_LOOKBACK_HOURS": "72"})
    with pytest.raises(SettingsError, match="ORCHARD_RAW_DAYS"):
        Settings.load({"ORCHARD_RAW_DAYS": "-1"})
