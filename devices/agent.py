"""The Pi agent: read the sensors every interval, spool the readings, publish them; send camera frames."""

from __future__ import annotations

import logging
import math
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import orjson
import paho.mqtt.client as paho

from devices.camera import Source
from devices.camera_unit import CameraCommands, CameraConfig, CameraUnit
from devices.publisher import Publisher
from orchard import topics
from orchard.errors import SensorError, SpoolFull
from orchard.mqtt import connect, make_client, reason_text
from orchard.spool import Spool
from orchard.supervise import Supervisor
from orchard.systemd import Notifier

log = logging.getLogger(__name__)

# Seconds of silence before paho pings the broker; a dead link with readings to send is noticed
# sooner, by the publisher's acknowledgement timeout.
KEEPALIVE_S = 30


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
        *,
        cameras: Mapping[str, Source] | None = None,
        camera_config: CameraConfig = CameraConfig(),
        wake: threading.Event | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        supervisor: Supervisor | None = None,
        notifier: Notifier | None = None,
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
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.publisher = Publisher(self.client, topics.telemetry(farm, device), spool,
                                   on_stalled=self._link_looks_dead)
        self.supervisor = supervisor or Supervisor()
        self.notifier = notifier or Notifier(None)  # systemd's watchdog, fed by the sampling loop
        self._send_now = threading.Event()  # wakes the uplink: a reading was spooled, or the broker is back
        self._uplink_stop = threading.Event()
        self._uplink: threading.Thread | None = None
        self.monotonic = monotonic
        self.wake = wake or threading.Event()  # set when a command wants the run loop now
        self.command_topic = topics.command(farm, device)
        self.cameras = [
            CameraUnit(camera, source, topics.camera_jpeg(farm, device, camera), self.client, camera_config, monotonic)
            for camera, source in (cameras or {}).items()
        ]
        self.commands = CameraCommands(device, self.cameras)
        self.listening = threading.Event()  # the broker has confirmed the subscription to commands
        self._failing: set[str] = set()
        self._stopping = False

    def _on_connect(self, client: paho.Client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.warning("%s: broker %s refused connection: %s", self.device, self.address, reason_text(reason_code))
            return
        log.info("%s: connected to %s", self.device, self.address)
        status = {"state": "online", "ts": now_ms(), "spooled": len(self.spool), "dropped": self.spool.dropped}
        client.publish(self.status_topic, orjson.dumps(status), qos=1, retain=True)
        self._send_now.set()
        if self.cameras:  # subscribing here restores it after every reconnect
            client.subscribe(self.command_topic, qos=1)
            for unit in self.cameras:
                unit.reconnected()
            self.wake.set()

    def _on_subscribe(self, client: paho.Client, userdata, mid, reason_codes, properties) -> None:
        if any(code.is_failure for code in reason_codes):
            log.warning("%s: broker refused the subscription to %s", self.device, self.command_topic)
        else:
            self.listening.set()

    def _on_message(self, client: paho.Client, userdata, message: paho.MQTTMessage) -> None:
        # paho's network thread: only parse and set state; frames are sent by the run loop.
        try:
            if message.topic == self.command_topic and self.commands.handle(bytes(message.payload)):
                self.wake.set()
        except Exception:  # one bad message must never stop the network loop
            log.exception("%s: command on %s failed", self.device, message.topic)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.listening.clear()
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
            try:
                self.spool.append([orjson.dumps({"ts": self.clock(), "values": values})])
            except SpoolFull as exc:  # said once by the spool; the next reading may fit again
                log.debug("%s: reading lost: %s", self.device, exc)
            self._send_now.set()
        return values

    def tick_cameras(self, now: float) -> float:
        """Send the camera frames due at `now`; return when the next is due (inf without cameras)."""
        return min((unit.tick(now) for unit in self.cameras), default=math.inf)

    def start(self) -> None:
        connect(self.client, self.address, keepalive=KEEPALIVE_S)

    def start_uplink(self) -> None:
        """Publish spooled readings on a thread of their own, so sampling never waits on the network."""
        self._uplink = self.supervisor.spawn(f"uplink-{self.device}", self._send_spooled)

    def _send_spooled(self) -> None:
        while not self._uplink_stop.is_set():
            self._send_now.wait(1.0)
            self._send_now.clear()
            self.publisher.flush(self._uplink_stop)

    def _link_looks_dead(self) -> None:
        """A publish went unacknowledged: drop the connection now rather than after TCP gives up,
        so paho reconnects (with a short, jittered backoff) and sends it again."""
        shutdown = getattr(self.client.socket(), "shutdown", None)
        if shutdown is not None and self.client.is_connected():
            log.info("%s: no acknowledgement from the broker; reconnecting", self.device)
            try:
                shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self) -> None:
        """Disconnect cleanly: the broker then publishes no last will, so say offline ourselves."""
        self._stopping = True
        self.supervisor.stop()  # the uplink ends now because it was told to, not on its own
        self._uplink_stop.set()
        if self._uplink is not None:
            self._uplink.join(timeout=5)
        if self.client.is_connected():
            info = self.client.publish(self.status_topic, orjson.dumps({"state": "offline"}), qos=1, retain=True)
            try:
                info.wait_for_publish(2)
            except (RuntimeError, ValueError):
                pass
        self.client.disconnect()
        self.client.loop_stop()
        for unit in self.cameras:
            unit.source.close()

    def run(self, interval_s: float, stop: threading.Event) -> None:
        """Sample every `interval_s` and send camera frames when due, until `stop` is set or a loop fails;
        the uplink thread publishes meanwhile."""
        self.start()
        self.start_uplink()
        wake_on(stop, self.wake)
        wake_on(self.supervisor.stopping, self.wake)
        clock = self.monotonic
        next_sample = clock()
        self.notifier.ready(f"{len(self.sensors)} sensor(s), {len(self.cameras)} camera(s)")
        try:
            while not stop.is_set() and not self.supervisor.stopping.is_set():
                # Fed only here: a sensor read or camera grab that hangs starves the watchdog, and systemd restarts us.
                self.notifier.alive()
                if clock() >= next_sample:
                    self.sample()
                    next_sample = max(next_sample + interval_s, clock())
                next_frame = self.tick_cameras(clock())
                self.wake.wait(max(0.0, min(1.0, next_sample - clock(), next_frame - clock())))
                self.wake.clear()  # before the next tick, so a command arriving after it is not missed
        finally:
            self.notifier.stopping()
            self.stop()


def wake_on(stop: threading.Event, wake: threading.Event) -> None:
    """Set `wake` once `stop` is set, so a loop sleeping on `wake` stops at once."""
    def relay() -> None:
        stop.wait()
        wake.set()

    threading.Thread(target=relay, name="wake-on-stop", daemon=True).start()
