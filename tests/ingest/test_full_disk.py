"""A full disk under the ingester's spool while InfluxDB is down: it stops acknowledging, loses nothing."""

from __future__ import annotations

import uuid

import pytest

from ingest.service import Ingester
from orchard.store import open_store
from tests.disk import cap_pages, fill, small_disk
from tests.ingest.test_durability import drain, expect_all, send
from tests.mqtt_helpers import wait_until

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("disk", ["tmpfs", "page_limit"])
def test_on_a_full_disk_the_ingester_holds_its_batch_unacknowledged_and_loses_nothing(
        disk, broker, influxd, device, tmp_path):
    url = influxd.url("full")
    with small_disk(tmp_path / "disk", size_kb=4096) as mounted:
        kind = disk if mounted is not None else "page_limit"
        folder = mounted if kind == "tmpfs" else tmp_path
        ingester = Ingester(broker.url("orchard-ingest"), open_store(url), folder / "ingest-spool.db",
                            client_id=f"ingest-{uuid.uuid4().hex[:8]}", batch_ms=50)
        ingester.start()
        try:
            device.start()
            wait_until(device.client.is_connected, message="device connected")
            send(device, 20)
            drain(device)
            wait_until(lambda: ingester.stats.value("orchard_ingest_readings_stored_total") >= 40,
                       message="first readings stored")

            influxd.stop()
            if kind == "tmpfs":
                fill(folder)
            else:
                cap_pages(ingester.spool._db, extra_pages=0)
            send(device, 200, pause_s=0.01)
            drain(device)  # the broker took them all; the ingester cannot, and must not acknowledge
            wait_until(lambda: ingester.stats.value("orchard_ingest_spool_full") == 1,
                       message="the ingester to notice the full disk")
            assert ingester.alive and ingester.stats.value("orchard_ingest_worker_up") == 1

            influxd.start()
            expect_all(url, 220)
            wait_until(lambda: ingester.stats.value("orchard_ingest_spool_full") == 0,
                       message="acknowledging again")
            assert ingester.alive
        finally:
            ingester.stop()
