"""The ingester wired together: subscriber → decoder → batch → writer, with dead letters."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from wsgiref.simple_server import WSGIServer

from prometheus_client import start_http_server

from ingest.decode import Decoder
from ingest.inbox import Inbox
from ingest.locations import DeviceLocations
from ingest.stats import IngestStats
from ingest.subscriber import Delivery, Subscriber
from ingest.writer import Writer
from orchard import topics
from orchard.deadletter import DeadLetters
from orchard.errors import PayloadError, SpoolFull
from orchard.readings import Reading
from orchard.spool import Spool
from orchard.store import TimeSeriesStore
from orchard.supervise import Supervisor
from orchard.times import wall_clock_ms

log = logging.getLogger(__name__)

# Bounded so a flood blocks the network thread (TCP back-pressure) instead of memory.
INBOX_SIZE = 50_000
# Messages decoded per pass; a batch is checked for size between passes.
TAKE_AT_ONCE = 500
# While a batch can be neither stored nor spooled (a full disk), how often to try again.
HOLD_RETRY_S = 1.0


class Ingester:
    def __init__(
        self,
        mqtt_url: str,
        store: TimeSeriesStore,
        spool_path: Path,
        client_id: str = "orchard-ingest",
        group: str = "",
        session_expiry_s: int = 7 * 86400,
        leaving: bool = False,
        batch_size: int = 5000,
        batch_ms: int = 200,
        locations: DeviceLocations | None = None,
        supervisor: Supervisor | None = None,
    ) -> None:
        self.supervisor = supervisor or Supervisor()
        self.store = store
        self.batch_size = batch_size
        self.batch_s = batch_ms / 1000
        self.stats = IngestStats()
        self.inbox: Inbox[Delivery] = Inbox(INBOX_SIZE)
        self.subscriber = Subscriber(mqtt_url, client_id, self.inbox, group=group,
                                     session_expiry_s=session_expiry_s, leaving=leaving)
        self.dead_letters = DeadLetters(self.subscriber.publish)
        self.locations = locations
        self.decoder = Decoder(locations)
        self.spool = Spool(spool_path)
        self.writer = Writer(store, self.spool, self.stats, on_refused=self._refused)
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._holding = False  # a batch waits, unacknowledged, for room on the disk
        self._metrics_server: WSGIServer | None = None
        self.supervisor.on_failure(lambda loop: self.stats.worker_up.set(0))

    def serve_metrics(self, host: str, port: int) -> None:
        self._metrics_server, _ = start_http_server(port, host, registry=self.stats.registry)

    def start(self) -> None:
        if self.locations is not None and self.locations.refresh():
            self.decoder.forget()
        self._worker = self.supervisor.spawn("ingest-worker", self._work)
        self.stats.worker_up.set(1)
        self.subscriber.start()

    @property
    def alive(self) -> bool:
        """Whether the worker is running (False after it failed: the process should exit)."""
        return self._worker is not None and self._worker.is_alive()

    def drained(self, quiet_s: float = 2.0) -> bool:
        """While leaving a group: whether the session has given all it held and all of it is stored."""
        return (self.subscriber.unsubscribed.is_set() and not len(self.inbox) and not len(self.spool)
                and time.monotonic() - self.subscriber.last_message_at >= max(quiet_s, 2 * self.batch_s))

    def stop(self, end_session: bool = False) -> None:
        """Finish the batch in hand, acknowledge it, and disconnect; `end_session` makes the broker forget it."""
        self.supervisor.stop()
        self._stop.set()
        if self._worker is not None:
            self._worker.join(timeout=30)
        self.subscriber.stop(end_session=end_session)
        self.spool.close()
        self.store.close()
        if self._metrics_server is not None:
            self._metrics_server.shutdown()

    def _work(self) -> None:
        readings: list[Reading] = []
        deliveries: list[Delivery] = []
        first_at = 0.0
        while not self._stop.is_set():
            if self._holding:  # take nothing more: the inbox fills and the broker keeps the rest
                self.writer.replay()
                if not self._flush(readings, deliveries):
                    self._stop.wait(HOLD_RETRY_S)
                    continue
                readings, deliveries = [], []
            if deliveries:
                self.inbox.wait(max(0.0, first_at + self.batch_s - time.monotonic()))
            else:
                self.inbox.wait(0.2)
            taken = self.inbox.take(TAKE_AT_ONCE)
            if taken:
                if not deliveries:
                    first_at = time.monotonic()
                self._take(taken, readings)
                deliveries.extend(taken)
            if deliveries and (len(readings) >= self.batch_size
                               or time.monotonic() - first_at >= self.batch_s or not readings):
                if self._flush(readings, deliveries):
                    readings, deliveries = [], []
            if not deliveries:
                self.writer.replay()
                if self.locations is not None and self.locations.refresh_due() and self.locations.refresh():
                    self.decoder.forget()
        if deliveries:
            self._flush(readings, deliveries)

    def _take(self, deliveries: list[Delivery], readings: list[Reading]) -> None:
        """Decode deliveries into `readings`; dead-letter what cannot be used."""
        decode = self.decoder.decode
        now_ms = wall_clock_ms()
        before = len(readings)
        for delivery in deliveries:
            try:
                message = decode(delivery.topic, delivery.payload, now_ms)
            except PayloadError as exc:
                self.stats.rejected.labels(exc.reason).inc()
                self.dead_letters.send(delivery.topic, exc.reason, exc.detail, delivery.payload)
                continue
            readings.extend(message.readings)
            if message.rejected:
                self._reject_values(delivery, message.rejected)
        self.stats.messages.inc(len(deliveries))
        self.stats.readings.inc(len(readings) - before)

    def _reject_values(self, delivery: Delivery, rejected) -> None:
        for value in rejected:
            self.stats.rejected.labels(value.reason).inc()
        self.dead_letters.send(
            delivery.topic, rejected[0].reason, f"{len(rejected)} value(s) refused", delivery.payload,
            values=[{"metric": r.metric, "value": repr(r.value)[:40], "reason": r.reason} for r in rejected[:50]],
        )

    def _flush(self, readings: list[Reading], deliveries: list[Delivery]) -> bool:
        """Store or spool a batch, then acknowledge it; False (nothing acknowledged) on a full disk."""
        try:
            self.writer.write(readings)
        except SpoolFull as exc:
            if not self._holding:
                log.error("%s: not acknowledging %d messages; the broker keeps them until there is room",
                          exc, len(deliveries))
                self._holding = True
                self.stats.spool_full.set(1)
            return False
        if self._holding:
            log.info("the batch held for room on the disk is stored; acknowledging again")
            self._holding = False
            self.stats.spool_full.set(0)
        self.subscriber.ack(deliveries)
        return True

    def _refused(self, readings, why: str) -> None:
        sample = readings[0]
        topic = topics.telemetry(sample.tags.get("farm", "unknown"), sample.tags.get("device", "unknown"))
        self.dead_letters.send(topic, "store_refused", why[:500], b"", readings=len(readings))
