"""Delivers spooled readings to the broker with QoS 1, deleting them only once acknowledged."""

from __future__ import annotations

import logging

import paho.mqtt.client as paho

from orchard.spool import Spool

log = logging.getLogger(__name__)

# A batch stays well under the ingester's 256 KB payload limit.
MAX_BATCH_BYTES = 128 * 1024
MAX_BATCH_ENTRIES = 1000


class Publisher:
    def __init__(self, client: paho.Client, topic: str, spool: Spool, ack_timeout_s: float = 30.0) -> None:
        self.client = client
        self.topic = topic
        self.spool = spool
        self.ack_timeout_s = ack_timeout_s
        self.published = 0

    def flush(self) -> int:
        """Publish spooled entries in batches while the broker acknowledges them; return how many."""
        sent = 0
        while self.client.is_connected() and len(self.spool):
            rows = self._next_batch()
            ids = [row_id for row_id, _ in rows]
            entries = [item for _, item in rows]
            payload = entries[0] if len(entries) == 1 else b"[" + b",".join(entries) + b"]"
            info = self.client.publish(self.topic, payload, qos=1)
            try:
                info.wait_for_publish(self.ack_timeout_s)
            except (RuntimeError, ValueError) as exc:
                log.info("publish of %d entries not sent (%s); they stay spooled", len(ids), exc)
                break
            if not info.is_published():
                log.info("no acknowledgement for %d entries in %.0fs; they stay spooled",
                         len(ids), self.ack_timeout_s)
                break
            self.spool.delete(ids)
            sent += len(ids)
        self.published += sent
        return sent

    def _next_batch(self) -> list[tuple[int, bytes]]:
        rows = self.spool.peek(MAX_BATCH_ENTRIES)
        size = 0
        for index, (_, item) in enumerate(rows):
            size += len(item) + 1
            if size > MAX_BATCH_BYTES and index > 0:
                return rows[:index]
        return rows
