"""The alerts service: evaluate on a schedule, publish the outbox, hand notifications to the Courier.

One loop, supervised (orchard/supervise.py): a cycle that cannot reach the store or the registry
is skipped and logged once; anything else fails the service so that it is restarted. The MQTT
client hears statuses and camera frames (alerts/presence.py) and publishes alert events.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import paho.mqtt.client as paho
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from alerts.cycle import Cycle, Outcome
from alerts.delivery import Courier
from alerts.observations import Observer
from alerts.presence import Presence
from alerts.publisher import OutboxPublisher
from alerts.readings import StoreReadings
from orchard import topics
from orchard.errors import StoreError
from orchard.mqtt import connect, make_client, reason_text
from orchard.registry.models import utcnow
from orchard.store import TimeSeriesStore
from orchard.supervise import Supervisor

log = logging.getLogger(__name__)


class AlertsService:
    def __init__(self, sessions: sessionmaker[Session], store: TimeSeriesStore, mqtt_url: str, courier: Courier, *,
                 interval_s: float = 30.0, device_interval_s: float = 60.0, camera_idle_s: float = 300.0,
                 client_id: str = "orchard-alerts", clock: Callable[[], datetime] = utcnow,
                 supervisor: Supervisor | None = None, heartbeat: Path | None = None) -> None:
        self.sessions = sessions
        self.store = store
        self.interval_s = interval_s
        self.clock = clock
        self.courier = courier  # sends the outbox's due notifications, grouped per channel
        self.heartbeat = heartbeat  # touched after every completed cycle, for a container's health check
        self.supervisor = supervisor or Supervisor()
        self.presence = Presence(clock)
        self.client, self.address = make_client(mqtt_url, client_id)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = lambda client, userdata, message: self.presence.heard(message.topic,
                                                                                       message.payload)
        self.cycle = Cycle(sessions, Observer(StoreReadings(store), self.presence,
                                              device_interval_s=device_interval_s, camera_idle_s=camera_idle_s))
        self.publisher = OutboxPublisher(sessions, self.client)
        self.connected = threading.Event()
        self._failing: str | None = None

    def _on_connect(self, client: paho.Client, userdata: object, flags: object, reason: object,
                    properties: object) -> None:
        if getattr(reason, "is_failure", False):
            log.warning("broker %s refused the connection: %s", self.address, reason_text(reason))
            return
        # Subscribed on every connect, so a reconnect restores them; retained statuses arrive at once.
        client.subscribe([(topics.STATUS_SUBSCRIPTION, 1), (topics.CAMERA_SUBSCRIPTION, 0)])
        self.connected.set()
        log.info("connected to %s", self.address)

    def _on_disconnect(self, client: paho.Client, userdata: object, flags: object, reason: object,
                       properties: object) -> None:
        self.connected.clear()
        if not self.supervisor.stopping.is_set():
            log.warning("lost the broker %s (%s); reconnecting", self.address, reason_text(reason))

    def start(self) -> None:
        connect(self.client, self.address)
        # Statuses are retained: wait briefly for them so the first cycle knows who is offline.
        self.connected.wait(5.0)
        self.supervisor.spawn("alerts-cycle", self._loop)

    def stop(self) -> None:
        self.supervisor.stop()
        self.client.disconnect()
        self.client.loop_stop()
        self.store.close()

    def _loop(self) -> None:
        while not self.supervisor.stopping.is_set():
            started = time.monotonic()
            self.run_once()
            self.supervisor.stopping.wait(max(0.0, self.interval_s - (time.monotonic() - started)))

    def run_once(self) -> Outcome | None:
        """Evaluate, publish the outbox, deliver notifications; None if the store or registry was out of reach."""
        outcome = None
        try:
            outcome = self.cycle.run(self.clock())
            self.publisher.publish_pending()
            self.courier.deliver()
        except (StoreError, OperationalError) as exc:
            self._failed(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
            return None
        if self.heartbeat is not None:
            self.heartbeat.touch()
        if self._failing is not None:
            log.info("evaluating alerts again")
            self._failing = None
        if outcome.events:
            log.info("alerts: %d judged, events %s", outcome.evaluated, ", ".join(map(str, outcome.events)))
        return outcome

    def _failed(self, why: str) -> None:
        if self._failing is None:
            log.warning("skipping alert cycles until this clears: %s", why)
        self._failing = why
