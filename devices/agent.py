"""The Pi agent: read the sensors every interval, spool the readings, publish them."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import orjson
import paho.mqtt.client as paho

from orchard import topics
from orchard.errors import SensorError
from orchard.mqtt import BrokerAddress, connect, make_client, reason_text
from orchard.spool import Spool
from devices.publisher import Publisher

log = logging.getLogger(__name__)


class Sensor(Protocol):
    name: str

    def read(self) -> dict[str, float]: ...


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class Agent:
    """One field unit: its sensors, its spool, and its connection to the broker."""

    def __init__(
        self,
        farm: str,
        device: str,
        sensors: Sequence[Sensor],
        spool: Spool,
        mqtt_url: str,
        client_id: str | None = None,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.farm = farm
        self.device = device
        self.sensors = list(sensors)
        self.spool = spool
        self.clock = clock
        self.client, self.address = make_client(mqtt_url, client_id or f"device-{farm}-{device}")
        self.status_topic = topics.status(farm, device)
        self.client.will_set(self.status_topic, orjson.dumps({"state": "offline"}), qos=1, retain=True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.publisher = Publisher(self.client, topics.telemetry(farm, device), spool)
        self._failing: set[str] = set()
        self._stopping = False

    def _on_connect(self, client: paho.Client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.warning("%s: broker %s refused connection: %s", self.device, self.address, reason_text(reason_code))
            return
        log.info("%s: connected to %s", self.device, self.address)
        status = {"state": "online", "ts": now_ms(), "spooled": len(self.spool)}
        client.publish(self.status_topic, orjson.dumps(status), qos=1, retain=True)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if not self._stopping:
            log.info("%s: disconnected (%s); readings spool until the broker is back",
                     self.device, reason_text(reason_code))

    def sample(self) -> dict[str, float]:
        """Read every sensor once and spool what they gave; a failing sensor is logged once."""
        values: dict[str, float] = {}
        for sensor in self.sensors:
            try:
                values.update(sensor.read())
            except (SensorError, OSError) as exc:
                if sensor.name not in self._failing:
                    log.warning("%s: sensor %s failed: %s", self.device, sensor.name, exc)
                    self._failing.add(sensor.name)
                continue
            if sensor.name in self._failing:
                log.info("%s: sensor %s reads again", self.device, sensor.name)
                self._failing.discard(sensor.name)
        if values:
            self.spool.append([orjson.dumps({"ts": self.clock(), "values": values})])
        return values

    def start(self) -> None:
        connect(self.client, self.address)

    def stop(self) -> None:
        """Disconnect cleanly: the broker then publishes no last will, so say offline ourselves."""
        self._stopping = True
        if self.client.is_connected():
            info = self.client.publish(self.status_topic, orjson.dumps({"state": "offline"}), qos=1, retain=True)
            try:
                info.wait_for_publish(2)
            except (RuntimeError, ValueError):
                pass
        self.client.disconnect()
        self.client.loop_stop()

    def run(self, interval_s: float, stop: threading.Event) -> None:
        """Sample every `interval_s` and publish until `stop` is set."""
        self.start()
        next_sample = time.monotonic()
        try:
            while not stop.is_set():
                if time.monotonic() >= next_sample:
                    self.sample()
                    next_sample = max(next_sample + interval_s, time.monotonic())
                self.publisher.flush()
                stop.wait(max(0.0, min(1.0, next_sample - time.monotonic())))
        finally:
            self.stop()
