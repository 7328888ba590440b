"""The ingester's counters, served to Prometheus."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class IngestStats:
    """One registry per ingester, so several can run in one process (tests, the demo)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.messages = Counter("orchard_ingest_messages_received", "MQTT telemetry messages received", registry=r)
        self.readings = Counter("orchard_ingest_readings_received", "Readings decoded from messages", registry=r)
        self.stored = Counter("orchard_ingest_readings_stored", "Readings written to the store", registry=r)
        self.rejected = Counter("orchard_ingest_rejected", "Messages or values refused, by reason",
                                ["reason"], registry=r)
        self.spooled = Counter("orchard_ingest_readings_spooled", "Readings spooled to disk during a store outage",
                               registry=r)
        self.spool_depth = Gauge("orchard_ingest_spool_batches", "Batches waiting in the on-disk spool", registry=r)
        self.write_latency = Histogram(
            "orchard_ingest_write_seconds", "Time to write one batch to the store", registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
        )
        self.store_up = Gauge("orchard_ingest_store_up", "1 while the store accepts writes", registry=r)
        self.store_up.set(1)
        self.worker_up = Gauge("orchard_ingest_worker_up", "1 while the worker that stores readings runs", registry=r)
        self.spool_full = Gauge("orchard_ingest_spool_full",
                                "1 while the disk under the spool is full and messages are not acknowledged",
                                registry=r)

    def value(self, name: str, **labels: str) -> float:
        """Current value of a sample, for tests and the demo's summary line."""
        found = self.registry.get_sample_value(name, labels or None)
        return found or 0.0
