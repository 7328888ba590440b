"""Delivers spooled readings to the broker with QoS 1, deleting them only once acknowledged.

It runs on the device's uplink thread, never on the sampling loop: waiting for an
acknowledgement over a dead link must not delay a reading. A batch is published
once and then tracked until the broker acknowledges it (paho sends it again after
a reconnect), so an outage does not queue copies of it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import paho.mqtt.client as paho

from orchard.spool import Spool

log = logging.getLogger(__name__)

# A batch stays well under the ingester's 256 KB payload limit.
MAX_BATCH_BYTES = 128 * 1024
MAX_BATCH_ENTRIES = 1000
# No acknowledgement this long after publishing: the link is probably dead, though TCP has not noticed yet.
ACK_TIMEOUT_S = 10.0


class Publisher:
    def __init__(self, client: paho.Client, topic: str, spool: Spool, ack_timeout_s: float = ACK_TIMEOUT_S,
                 on_stalled: Callable[[], None] = lambda: None) -> None:
        self.client = client
        self.topic = topic
        self.spool = spool
        self.ack_timeout_s = ack_timeout_s
        self.on_stalled = on_stalled
        self.published = 0
        self._lock = threading.Lock()
        self._in_flight: tuple[list[int], paho.MQTTMessageInfo, float] | None = None

    def flush(self, stop: threading.Event | None = None) -> int:
        """Publish spooled entries in batches while the broker acknowledges them; return how many.

        Returns early, leaving the batch in flight, when it is not acknowledged within
        `ack_timeout_s` (then `on_stalled` is called) or when `stop` is set.
        """
        sent = 0
        with self._lock:
            while True:
                in_flight = self._in_flight
                if in_flight is None:
                    if not (self.client.is_connected() and len(self.spool)):
                        break
                    in_flight = self._in_flight = self._publish_next()
                ids, info, since = in_flight
                acknowledged = self._wait(info, since, stop)
                if acknowledged is None:  # paho could not take it: the entries stay spooled for the next try
                    self._in_flight = None
                    break
                if not acknowledged:
                    if time.monotonic() - since >= self.ack_timeout_s:
                        log.info("no acknowledgement for %d entries in %.0fs; they stay spooled", len(ids),
                                 time.monotonic() - since)
                        self._in_flight = (ids, info, time.monotonic())
                        self.on_stalled()
                    break
                self.spool.delete(ids)
                self._in_flight = None
                sent += len(ids)
        self.published += sent
        return sent

    def _publish_next(self) -> tuple[list[int], paho.MQTTMessageInfo, float]:
        rows = self._next_batch()
        ids = [row_id for row_id, _ in rows]
        entries = [item for _, item in rows]
        payload = entries[0] if len(entries) == 1 else b"[" + b",".join(entries) + b"]"
        return ids, self.client.publish(self.topic, payload, qos=1), time.monotonic()

    def _wait(self, info: paho.MQTTMessageInfo, since: float, stop: threading.Event | None) -> bool | None:
        """True once acknowledged, False on timeout or stop, None if paho refused the message."""
        deadline = since + self.ack_timeout_s
        try:
            while not info.is_published():
                left = deadline - time.monotonic()
                if left <= 0 or (stop is not None and stop.is_set()):
                    return False
                info.wait_for_publish(min(left, 0.25))
        except (RuntimeError, ValueError) as exc:
            log.info("publish not sent (%s); the entries stay spooled", exc)
            return None
        return True

    def _next_batch(self) -> list[tuple[int, bytes]]:
        rows = self.spool.peek(MAX_BATCH_ENTRIES)
        size = 0
        for index, (_, item) in enumerate(rows):
            size += len(item) + 1
            if size > MAX_BATCH_BYTES and index > 0:
                return rows[:index]
        return rows
