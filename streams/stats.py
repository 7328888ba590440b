"""The relay's counters, served on /metrics (Prometheus text format)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class StreamsStats:
    """One registry per app, so several relays can run in one process (tests)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.received = Counter("orchard_streams_frames_received", "Camera frames received over MQTT", registry=r)
        self.rejected = Counter("orchard_streams_frames_rejected", "Camera frames refused, by reason",
                                ["reason"], registry=r)
        self.skipped = Counter("orchard_streams_frames_skipped",
                               "Valid frames dropped unchecked because newer ones of the camera were waiting",
                               registry=r)
        self.sent = Counter("orchard_streams_frames_sent", "Frames sent to viewers (latest.jpg and MJPEG parts)",
                            registry=r)
        self.viewers = Gauge("orchard_streams_viewers", "Open MJPEG streams", registry=r)
        self.archived = Counter("orchard_streams_archive_writes", "Snapshots written to the archive", registry=r)
        self.archive_deleted = Counter("orchard_streams_archive_deleted",
                                       "Archived snapshots deleted by retention", registry=r)
        self.commands = Counter("orchard_streams_live_commands", "Live-mode commands published to devices",
                                ["mode"], registry=r)
        self.timelapses = Counter("orchard_streams_timelapses_built", "Timelapse videos encoded (cache misses)",
                                  registry=r)
        self.mqtt_up = Gauge("orchard_streams_mqtt_connected", "1 while subscribed to the broker", registry=r)

    def value(self, name: str, **labels: str) -> float:
        """Current value of a sample, for tests."""
        return self.registry.get_sample_value(name, labels or None) or 0.0
