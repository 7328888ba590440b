"""`orchard ingest` rolls readings up and prunes raw readings on its own timer, as every instance does."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from orchard.readings import Reading, Series
from orchard.store import open_store
from orchard.times import wall_clock_ms
from tests.mqtt_helpers import wait_until

DAY_MS = 86_400_000
TAGS = {"farm": "farm1", "device": "dev-a"}


def test_two_ingesters_roll_up_and_prune_the_same_store_without_harm(broker, tmp_path):
    url = f"sqlite:///{tmp_path / 'readings.db'}"
    now = wall_clock_ms()
    old = [Reading("soil_temp_c", 10.0 + i % 7, now - 30 * DAY_MS + i * 60_000, TAGS) for i in range(600)]
    recent = [Reading("soil_temp_c", 20.0, now - DAY_MS, TAGS)]
    with open_store(url) as store:
        store.write(old + recent)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")},
           "ORCHARD_MQTT_URL": broker.url("orchard-ingest"), "ORCHARD_DATA_DIR": str(tmp_path),
           "ORCHARD_STORE_URL": url, "ORCHARD_RAW_DAYS": "10", "ORCHARD_ROLLUP_EVERY_S": "1"}
    processes = [subprocess.Popen([sys.executable, "-m", "ingest", "--port", "0"], cwd=tmp_path,
                                  env={**env, "ORCHARD_INGEST_CLIENT_ID": f"ingest-{uuid.uuid4().hex[:8]}"},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(2)]
    try:
        with open_store(url) as store:
            wait_until(lambda: store.oldest_raw_ms() == recent[0].ts_ms, timeout=60, interval=0.5,
                       message="the raw readings past 10 days to go")
            buckets = store.query(Series.of("soil_temp_c", TAGS), now - 40 * DAY_MS, now)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
    assert sum(b.count for b in buckets) == 601
    assert (min(b.min for b in buckets), max(b.max for b in buckets)) == (10.0, 20.0)
    assert sum(b.mean * b.count for b in buckets) == sum(r.value for r in old + recent)
