"""Turn one MQTT telemetry message into tagged readings, or say why not."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.locations import DeviceLocations
from orchard import topics
from orchard.errors import PayloadError
from orchard.payload import Rejected, decode_telemetry
from orchard.readings import Reading


@dataclass(slots=True)
class Message:
    """What the ingester makes of one telemetry message."""

    readings: list[Reading] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


# Devices publish on a few thousand topics at most; a flood of junk topics only resets the cache.
TOPIC_CACHE_SIZE = 10_000


class Decoder:
    """Decodes telemetry, sharing one tags dict per device so batches stay cheap."""

    def __init__(self, locations: DeviceLocations | None = None) -> None:
        self.locations = locations
        self._tags: dict[str, dict[str, str]] = {}

    def forget(self) -> None:
        """Drop cached tags, e.g. after devices moved."""
        self._tags.clear()

    def tags_for(self, topic: str) -> dict[str, str]:
        """The tags of a telemetry topic's readings; PayloadError for any other topic."""
        tags = self._tags.get(topic)
        if tags is None:
            where = topics.parse(topic)
            if where.kind != "telemetry":
                raise PayloadError("bad_topic", f"not a telemetry topic: {topic[:200]!r}")
            if len(self._tags) >= TOPIC_CACHE_SIZE:
                self._tags.clear()
            tags = {"farm": where.farm, "device": where.device}
            if self.locations is not None:
                tags.update(self.locations.extra_tags(where.device))
            self._tags[topic] = tags
        return tags

    def decode(self, topic: str, payload: bytes, now_ms: int) -> Message:
        """Raise PayloadError when the whole message is unusable."""
        tags = self.tags_for(topic)
        decoded = decode_telemetry(payload, now_ms)
        readings = [Reading(metric, value, ts, tags) for metric, value, ts in decoded.values]
        return Message(readings, decoded.rejected)
