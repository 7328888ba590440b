"""No reading is lost: store outage, ingester SIGKILL, broker restart, device offline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from orchard.readings import Series
from orchard.store import open_store
from tests.ingest.conftest import BASE_TS
from tests.mqtt_helpers import publish, wait_until

pytestmark = pytest.mark.slow


def sequence_in_store(store_url: str) -> list[float]:
    """The custom_seq values stored for dev-a, in time order (one per second of device time)."""
    with open_store(store_url) as store:
        series = Series.of("custom_seq", {"farm": "farm1", "device": "dev-a"})
        return [b.mean for b in store.query(series, BASE_TS, BASE_TS + 10**8, bucket_ms=1000)]


def send(device, count: int, pause_s: float = 0.0) -> None:
    """Sample `count` readings and publish whatever the broker will take."""
    for _ in range(count):
        device.sample()
        device.publisher.flush()
        if pause_s:
            time.sleep(pause_s)


def drain(device, timeout: float = 60.0) -> None:
    """Publish until the device's spool is empty: every reading acknowledged by the broker."""
    def empty() -> bool:
        device.publisher.flush()
        return len(device.spool) == 0
    wait_until(empty, timeout=timeout, interval=0.2, message="device spool to drain")


def expect_all(store_url: str, count: int, timeout: float = 90.0) -> None:
    wait_until(lambda: len(sequence_in_store(store_url)) >= count, timeout=timeout,
               message=f"{count} readings in the store")
    assert sequence_in_store(store_url) == [float(n) for n in range(1, count + 1)]


def test_nothing_is_lost_while_influxdb_is_down(influxd, start_ingester, device):
    url = influxd.url("outage")
    ingester = start_ingester(url)
    device.start()
    wait_until(device.client.is_connected, message="device connected")
    send(device, 50)
    drain(device)
    wait_until(lambda: len(sequence_in_store(url)) == 50, message="first 50 stored")

    influxd.stop()
    send(device, 100)
    drain(device)  # the ingester acknowledged all of it, so it must be in its spool
    wait_until(lambda: ingester.stats.value("orchard_ingest_readings_spooled_total") >= 200,
               message="readings spooled during the outage")
    assert ingester.writer.store_down
    time.sleep(1.0)

    influxd.start()
    expect_all(url, 150)
    wait_until(lambda: len(ingester.spool) == 0, message="ingester spool emptied")


def test_nothing_is_lost_when_the_ingester_is_killed(broker, influxd_session, tmp_path, device):
    url = influxd_session.url("killed")
    env = {**os.environ,
           "ORCHARD_MQTT_URL": broker.url("orchard-ingest"), "ORCHARD_STORE_URL": url,
           "ORCHARD_DATA_DIR": str(tmp_path / "ingest"), "ORCHARD_INGEST_CLIENT_ID": "ingest-sigkill",
           "ORCHARD_INGEST_BATCH_SIZE": "50", "ORCHARD_INGEST_BATCH_MS": "20"}

    def start() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "ingest", "--port", "0"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def probe_stored() -> bool:
        publish(broker.url("dev-b"), "orchard/farm1/dev-b/telemetry", b'{"air_temp_c": 20}')
        with open_store(url) as store:
            return bool(store.latest({"device": "dev-b"}))

    ingester = start()
    try:
        wait_until(probe_stored, interval=0.5, message="ingester subscribed and storing")
        device.start()
        wait_until(device.client.is_connected, message="device connected")
        send(device, 1)
        drain(device)
        wait_until(lambda: len(sequence_in_store(url)) == 1, message="first reading stored")

        sender = threading.Thread(target=send, args=(device, 1999, 0.001))
        sender.start()
        wait_until(lambda: len(sequence_in_store(url)) >= 300, timeout=60, message="stream under way")
        ingester.send_signal(signal.SIGKILL)
        ingester.wait()
        killed_at = len(sequence_in_store(url))
        sender.join()
        drain(device)  # the broker holds the rest for the ingester's persistent session
        ingester = start()
        expect_all(url, 2000)
        assert killed_at < 2000, "the kill came too late to test anything"
    finally:
        ingester.kill()
        ingester.wait()


def test_nothing_is_lost_when_the_broker_restarts(broker, start_ingester, device, tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    start_ingester(url)
    device.publisher.ack_timeout_s = 3
    device.start()
    wait_until(device.client.is_connected, message="device connected")
    send(device, 1)
    wait_until(lambda: len(sequence_in_store(url)) == 1, message="ingester storing")

    sender = threading.Thread(target=send, args=(device, 399, 0.005))
    sender.start()
    wait_until(lambda: len(sequence_in_store(url)) >= 100, message="stream under way")
    broker.restart()
    sender.join()
    drain(device)
    expect_all(url, 400)


def test_a_device_offline_for_a_while_sends_its_backlog_in_batches(broker, start_ingester, device, tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    ingester = start_ingester(url)
    device.start()
    wait_until(device.client.is_connected, message="device connected")
    send(device, 5)
    drain(device)
    wait_until(lambda: len(sequence_in_store(url)) == 5, message="first readings stored")

    broker.stop()
    wait_until(lambda: not device.client.is_connected(), message="device noticed the outage")
    send(device, 300)
    assert len(device.spool) == 300
    messages_before = ingester.stats.value("orchard_ingest_messages_received_total")

    broker.start()
    drain(device)
    expect_all(url, 305)
    batches = ingester.stats.value("orchard_ingest_messages_received_total") - messages_before
    assert 0 < batches < 10, f"300 spooled readings should go out in a few batches, took {batches} messages"
