"""The Pi agent against a real broker: availability, last will, spooling."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap

import orjson

from devices.agent import Agent
from orchard.spool import Spool
from tests.mqtt_helpers import Collector, wait_until


class FlakySensor:
    name = "flaky"

    def __init__(self) -> None:
        self.fail = True

    def read(self) -> dict[str, float]:
        from orchard.errors import SensorError
        if self.fail:
            raise SensorError("no answer from 0x76 on I2C bus 1")
        return {"air_temp_c": 12.5}


def test_status_is_retained_online_and_a_clean_stop_says_offline(broker, tmp_path):
    agent = Agent("farm1", "dev-a", [], Spool(tmp_path / "s.db"), broker.url("dev-a"))
    agent.start()
    wait_until(agent.client.is_connected, message="agent connected")
    # A watcher arriving later still learns the state: the status is retained.
    watcher = Collector(broker.url("orchard-ingest"), "orchard/farm1/dev-a/status")
    try:
        topic, payload = watcher.get()
        assert orjson.loads(payload)["state"] == "online"
        agent.stop()
        assert orjson.loads(watcher.get()[1])["state"] == "offline"
    finally:
        watcher.close()


def test_a_unit_that_dies_is_reported_offline_by_its_last_will(broker, tmp_path):
    script = textwrap.dedent(f"""
        import time
        from orchard.spool import Spool
        from devices.agent import Agent
        agent = Agent("farm1", "dev-b", [], Spool({str(tmp_path / 's.db')!r}), {broker.url("dev-b")!r})
        agent.client.connect(agent.address.host, agent.address.port, keepalive=2)
        agent.client.loop_start()
        time.sleep(60)
    """)
    watcher = Collector(broker.url("orchard-ingest"), "orchard/farm1/dev-b/status")
    unit = subprocess.Popen([sys.executable, "-c", script])
    try:
        assert orjson.loads(watcher.get(timeout=20)[1])["state"] == "online"
        os.kill(unit.pid, signal.SIGKILL)  # a power cut: no DISCONNECT reaches the broker
        assert orjson.loads(watcher.get(timeout=20)[1]) == {"state": "offline"}
    finally:
        unit.kill()
        unit.wait()
        watcher.close()


def test_a_failing_sensor_is_skipped_and_logged_once(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="devices.agent")
    flaky = FlakySensor()

    class Steady:
        name = "steady"

        def read(self) -> dict[str, float]:
            return {"soil_moisture_pct": 30.0}

    agent = Agent("farm1", "dev-a", [flaky, Steady()], Spool(tmp_path / "s.db"), "mqtt://127.0.0.1:1")
    for _ in range(3):
        assert agent.sample() == {"soil_moisture_pct": 30.0}
    flaky.fail = False
    assert agent.sample() == {"soil_moisture_pct": 30.0, "air_temp_c": 12.5}
    failures = [r for r in caplog.records if "sensor flaky failed" in r.getMessage()]
    recoveries = [r for r in caplog.records if "sensor flaky reads again" in r.getMessage()]
    assert len(failures) == 1 and len(recoveries) == 1
    assert len(agent.spool) == 4
