"""A worker that dies takes the ingester down (non-zero exit), and what it held is not acknowledged."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid

import pytest

from ingest.service import Ingester
from orchard.store import open_store
from orchard.supervise import EXIT_FAILED
from tests.mqtt_helpers import publish, wait_until

READING = b'{"ts": 1790000000000, "values": {"soil_temp_c": 21.5}}'


class BuggyStore:
    """A real SQLite store with a bug in its write path, switched on by the test."""

    def __init__(self, url: str) -> None:
        self.inner = open_store(url)
        self.broken = False

    def write(self, readings):
        if self.broken:
            raise KeyError("starts_at")  # a bug, not an outage: nothing should treat it as one
        self.inner.write(readings)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_a_worker_that_dies_is_reported_and_its_batch_is_redelivered(broker, tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    client_id = f"ingest-{uuid.uuid4().hex[:8]}"
    store = BuggyStore(url)
    ingester = Ingester(broker.url("orchard-ingest"), store, tmp_path / "spool.db", client_id=client_id, batch_ms=20)
    ingester.start()
    try:
        def stored() -> bool:  # publish until the ingester has subscribed and stores
            publish(broker.url("dev-a"), "orchard/farm1/dev-a/telemetry", b'{"air_temp_c": 20}')
            return ingester.stats.value("orchard_ingest_readings_stored_total") >= 1
        wait_until(stored, interval=0.5, message="the ingester storing")
        assert ingester.stats.value("orchard_ingest_worker_up") == 1

        store.broken = True
        publish(broker.url("dev-a"), "orchard/farm1/dev-a/telemetry", READING)
        wait_until(lambda: ingester.supervisor.stopping.is_set(), message="the failure noticed")
        assert not ingester.alive
        assert ingester.supervisor.failure == "ingest-worker"
        assert ingester.stats.value("orchard_ingest_worker_up") == 0
    finally:
        ingester.stop()

    # The broker still holds the message the dead worker never acknowledged.
    again = Ingester(broker.url("orchard-ingest"), open_store(url), tmp_path / "spool.db", client_id=client_id,
                     batch_ms=20)
    again.start()
    def redelivered() -> bool:
        with open_store(url) as check:
            return any(latest.value == 21.5 for latest in check.latest({"device": "dev-a"}))
    try:
        wait_until(redelivered, message="the unacknowledged reading stored by the next ingester")
    finally:
        again.stop()


BUGS = {
    # the worker thread
    "ingest-worker": ("ingest.decode", "Decoder", "decode", "KeyError('a bug in decoding')"),
    # paho's network thread, through the message callback
    "paho-mqtt-client-": ("ingest.subscriber", "Subscriber", "_on_message", "KeyError('a bug in decoding')"),
}


@pytest.mark.parametrize("thread", sorted(BUGS))
def test_the_ingest_command_exits_non_zero_when_one_of_its_threads_dies(broker, tmp_path, thread):
    module, cls, method, error = BUGS[thread]
    script = textwrap.dedent(f"""
        import {module}

        def bug(self, *args):
            raise {error}

        {module}.{cls}.{method} = bug
        from ingest.__main__ import command
        command(["--port", "0"])
    """)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")},
           "ORCHARD_MQTT_URL": broker.url("orchard-ingest"), "ORCHARD_DATA_DIR": str(tmp_path),
           "ORCHARD_INGEST_CLIENT_ID": f"ingest-{uuid.uuid4().hex[:8]}"}
    process = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def delivered() -> bool:
            publish(broker.url("dev-a"), "orchard/farm1/dev-a/telemetry", READING)
            return process.poll() is not None
        wait_until(delivered, timeout=30, interval=1.0, message="the ingester to exit")
        output = process.communicate(timeout=10)[0]
    finally:
        process.kill()
        process.wait()
    assert process.returncode == EXIT_FAILED, output
    assert f"{thread}" in output and "failed; stopping" in output and "KeyError: 'a bug in decoding'" in output
