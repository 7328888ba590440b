"""Turn one MQTT telemetry message into tagged readings, or say why not."""

from __future__ import annotations

from dataclasses import dataclass, field

from orchard import topics
from orchard.errors import PayloadError
from orchard.payload import Rejected, decode_telemetry
from orchard.readings import Reading


@dataclass(slots=True)
class Message:
    """What the ingester makes of one telemetry message."""

    readings: list[Reading] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


class Decoder:
    """Decodes telemetry, sharing one tags dict per device so batches stay cheap."""

    def __init__(self) -> None:
        self._tags: dict[tuple[str, str], dict[str, str]] = {}

    def tags_for(self, farm: str, device: str) -> dict[str, str]:
        key = (farm, device)
        tags = self._tags.get(key)
        if tags is None:
            tags = self._tags[key] = {"farm": farm, "device": device}
        return tags

    def decode(self, topic: str, payload: bytes, now_ms: int) -> Message:
        """Raise PayloadError when the whole message is unusable."""
        where = topics.parse(topic)
        if where.kind != "telemetry":
            raise PayloadError("bad_topic", f"not a telemetry topic: {topic[:200]!r}")
        decoded = decode_telemetry(payload, now_ms)
        tags = self.tags_for(where.farm, where.device)
        readings = [Reading(metric, value, ts, tags) for metric, value, ts in decoded.values]
        return Message(readings, decoded.rejected)
