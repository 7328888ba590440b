"""Three ingesters on one MQTT 5 shared subscription: one is killed mid-stream and restarted,
and every acknowledged reading is in the store exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ingest.subscriber import member_id
from orchard.store import open_store
from tests.ingest.test_durability import drain, expect_all, send
from tests.mqtt_helpers import publish, wait_until
from tests.services import free_port

pytestmark = pytest.mark.slow

READINGS = 800
VALUES_PER_READING = 2  # the counting sensor gives soil_moisture_pct and custom_seq


def stored_points(store_url: str) -> tuple[int, int]:
    """(points, distinct values) of dev-a's custom_seq, counted by the store's own engine."""
    parts = urlsplit(store_url)
    if parts.scheme == "sqlite":
        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as db:
            row = db.execute("SELECT count(*), count(DISTINCT value) FROM points JOIN series ON id = series_id "
                             "WHERE metric = 'custom_seq' AND tags LIKE '%\"dev-a\"%'").fetchone()
        return int(row[0]), int(row[1])
    response = httpx.get(f"http://{parts.netloc}/query", timeout=10, params={
        "db": parts.path.strip("/"),
        "q": "SELECT count(\"value\"), count(distinct(\"value\")) FROM readings "
             "WHERE metric = 'custom_seq' AND device = 'dev-a'"})
    response.raise_for_status()
    values = response.json()["results"][0]["series"][0]["values"][0]
    return int(values[1]), int(values[2])


class IngesterProcess:
    """`python -m ingest` as one member of the group, with its own client id and /metrics port."""

    def __init__(self, env: dict[str, str], member: str) -> None:
        self.env = {**env, "ORCHARD_INGEST_CLIENT_ID": f"ingest-{member}",
                    "ORCHARD_DATA_DIR": str(Path(env["ORCHARD_DATA_DIR"]) / member)}
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "ingest", "--host", "127.0.0.1",
                                         "--port", str(self.port)], env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def readings_received(self) -> float:
        """Readings this process decoded since it started (0 until its /metrics answers)."""
        try:
            text = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5).text
        except httpx.HTTPError:
            return 0.0
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "orchard_ingest_readings_received_total":
                    return sample.value
        return 0.0


def test_three_ingesters_share_the_stream_and_one_killed_loses_nothing(broker, store_url, tmp_path, device):
    env = {**os.environ, "ORCHARD_MQTT_URL": broker.url("orchard-ingest"), "ORCHARD_STORE_URL": store_url,
           "ORCHARD_DATA_DIR": str(tmp_path / "ingest"), "ORCHARD_INGEST_GROUP": "ingest",
           "ORCHARD_INGEST_BATCH_SIZE": "50", "ORCHARD_INGEST_BATCH_MS": "20"}
    members = [IngesterProcess(env, name) for name in ("one", "two", "three")]
    for member in members:
        member.start()
    try:
        def every_member_stores() -> bool:
            publish(broker.url("dev-b"), "orchard/farm1/dev-b/telemetry", b'{"air_temp_c": 20}')
            return all(member.readings_received() > 0 for member in members)

        wait_until(every_member_stores, timeout=60, interval=0.3, message="all three members subscribed")
        device.start()
        wait_until(device.client.is_connected, message="device connected")
        send(device, 1)
        drain(device)
        expect_all(store_url, 1)

        sender = threading.Thread(target=send, args=(device, READINGS - 1, 0.001))
        sender.start()
        wait_until(lambda: stored_points(store_url)[0] >= 200, timeout=60, message="stream under way")
        victim = members[1]
        victim.kill()
        killed_at = stored_points(store_url)[0]
        sender.join()
        drain(device)  # every reading acknowledged by the broker; the victim's share waits in its session
        victim.start()
        expect_all(store_url, READINGS)
        assert killed_at < READINGS, "the kill came too late to test anything"
        assert stored_points(store_url) == (READINGS, READINGS)  # exactly once: no point twice, none missing

        # Shared, not copied: each survivor got part of the stream, none got all of it.
        survivors = [members[0].readings_received(), members[2].readings_received()]
        assert all(0 < received < READINGS * VALUES_PER_READING for received in survivors), survivors
        with open_store(store_url) as store:
            assert store.latest({"device": "dev-b"}), "the probes went through the group too"
    finally:
        for member in members:
            if member.process is not None and member.process.poll() is None:
                member.kill()


def test_a_member_retired_with_leave_hands_its_waiting_share_to_the_store(broker, tmp_path, device):
    store_url = f"sqlite:///{tmp_path / 'readings.db'}"
    env = {**os.environ, "ORCHARD_MQTT_URL": broker.url("orchard-ingest"), "ORCHARD_STORE_URL": store_url,
           "ORCHARD_DATA_DIR": str(tmp_path / "ingest"), "ORCHARD_INGEST_GROUP": "ingest",
           "ORCHARD_INGEST_BATCH_MS": "20"}
    staying, retired = IngesterProcess(env, "staying"), IngesterProcess(env, "retired")
    for member in (staying, retired):
        member.start()
    try:
        wait_until(lambda: publish(broker.url("dev-b"), "orchard/farm1/dev-b/telemetry", b'{"air_temp_c": 20}')
                   and staying.readings_received() > 0 and retired.readings_received() > 0,
                   timeout=60, interval=0.3, message="both members subscribed")
        retired.kill()  # scaled in without --leave: the broker keeps handing it a share
        device.start()
        wait_until(device.client.is_connected, message="device connected")
        send(device, 200)
        drain(device)
        wait_until(lambda: stored_points(store_url)[0] > 0, message="the staying member's share stored")
        time.sleep(2.0)
        assert stored_points(store_url)[0] < 200, "the retired member's share should wait in its session"

        leave = subprocess.run([sys.executable, "-m", "ingest", "--port", "0", "--leave"], env=retired.env,
                               timeout=120, capture_output=True, text=True)
        assert leave.returncode == 0, leave.stderr[-2000:]
        expect_all(store_url, 200)

        send(device, 100)  # the group is the staying member alone now
        drain(device)
        expect_all(store_url, 300)
        assert stored_points(store_url) == (300, 300)
    finally:
        for member in (staying, retired):
            if member.process is not None and member.process.poll() is None:
                member.kill()


def test_a_member_without_a_client_id_keeps_the_one_it_made_in_its_data_dir(tmp_path):
    first, second = member_id(tmp_path / "replica-1"), member_id(tmp_path / "replica-2")
    assert first.startswith("orchard-ingest-") and first != second  # replicas with the same environment differ
    assert member_id(tmp_path / "replica-1") == first  # a restarted or re-created replica resumes its session
