"""The acceptance rig: a device publishing through real Mosquitto, the real ingester, and `python -m alerts`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import orjson
from sqlalchemy import select

from ingest.service import Ingester
from orchard.mqtt import make_client
from orchard.registry.alerting import AlertEvent, AlertRule, Condition, Severity
from orchard.registry.db import session_factory
from orchard.store import open_store
from tests.mqtt_helpers import Collector, wait_until

REPO = Path(__file__).resolve().parents[2]


class FieldDevice:
    """dev-a of farm1 publishing `air_temp_c` every `every_s`, stamped with the wall clock, until stopped."""

    def __init__(self, broker_url: str, every_s: float = 1.0) -> None:
        self.temperature = 8.0
        self.every_s = every_s
        self.sent: list[tuple[int, float]] = []  # (ts ms, value) acknowledged by the broker
        self.client, address = make_client(broker_url, f"dev-a-{uuid.uuid4().hex[:6]}")
        self.client.connect(address.host, address.port)
        self.client.loop_start()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            value, ts = self.temperature, int(time.time() * 1000)
            payload = orjson.dumps({"ts": ts, "values": {"air_temp_c": value}})
            self.client.publish("orchard/farm1/dev-a/telemetry", payload, qos=1).wait_for_publish(10)
            self.sent.append((ts, value))
            self._stop.wait(self.every_s)

    def set(self, value: float) -> int:
        """Publish `value` from the next reading on; the wall-clock ms of that change."""
        self.temperature = value
        return int(time.time() * 1000)

    def silence(self) -> int:
        """Stop publishing; the time of the last reading sent."""
        self._stop.set()
        self._thread.join(timeout=10)
        return self.sent[-1][0]

    def close(self) -> None:
        self.silence()
        self.client.disconnect()
        self.client.loop_stop()


class AlertsProcess:
    """`python -m alerts` in its own process, as compose runs it."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        environ = {key: value for key, value in os.environ.items() if not key.startswith("ORCHARD_")}
        environ.update(self.env, PYTHONPATH=str(REPO))
        with open(self.workdir / "alerts.log", "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "alerts"], env=environ, cwd=self.workdir,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log(self) -> str:
        path = self.workdir / "alerts.log"
        return path.read_text(errors="replace") if path.exists() else ""


class Field:
    """Broker, ingester into the store, the alerts service and a watcher on orchard/farm1/alerts."""

    def __init__(self, broker, store_url: str, registry_url: str, workdir: Path) -> None:
        self.broker, self.registry_url = broker, registry_url
        self.sessions = session_factory(registry_url)
        self.ingester = Ingester(broker.url("orchard-ingest"), open_store(store_url), workdir / "ingest-spool.db",
                                 client_id=f"ingest-{uuid.uuid4().hex[:8]}", batch_ms=50)
        self.ingester.start()
        self.watcher = Collector(broker.url("orchard-ingest"), "orchard/farm1/alerts")
        self.service = AlertsProcess(workdir, {
            "ORCHARD_MQTT_URL": broker.url("orchard-alerts"), "ORCHARD_STORE_URL": store_url,
            "ORCHARD_DB_URL": registry_url, "ORCHARD_DATA_DIR": str(workdir / "data"),
            "ORCHARD_ALERTS_INTERVAL_S": "0.3", "ORCHARD_ALERTS_DEVICE_INTERVAL_S": "1",
        })
        self.device: FieldDevice | None = None

    def tune(self, key: str, kind: str, threshold: float, clear: float, duration_s: int, metric: str | None,
             condition: Condition, severity: Severity = Severity.CRITICAL) -> None:
        """A farm-wide setting of rule `key`, as a farmer makes it."""
        with self.sessions() as session:
            session.add(AlertRule(farm_id="farm1", key=key, kind=kind, metric=metric, condition=condition,
                                  threshold=threshold, clear_threshold=clear, duration_s=duration_s,
                                  severity=severity))
            session.commit()

    def start_device(self) -> FieldDevice:
        self.device = FieldDevice(self.broker.url("dev-a"))
        return self.device

    def next_event(self, timeout: float = 60.0) -> dict:
        try:
            _, payload = self.watcher.get(timeout=timeout)
        except Exception:
            tail = self.service.log()[-4000:]
            raise AssertionError(f"no alert event within {timeout}s; service log:\n{tail}") from None
        return orjson.loads(payload)

    def outbox(self) -> list[AlertEvent]:
        with self.sessions() as session:
            return list(session.scalars(select(AlertEvent).order_by(AlertEvent.id)))

    def wait_published(self, count: int) -> None:
        wait_until(lambda: len([e for e in self.outbox() if e.published_at is not None]) >= count,
                   message=f"{count} events marked published")

    def close(self) -> None:
        if self.device is not None:
            self.device.close()
        self.service.stop()
        self.watcher.close()
        self.ingester.stop()
