"""Device health: each unit's retained status from MQTT, judged together with the age of its last reading.

The dashboard subscribes to `orchard/+/+/status` (retained, the device's last will says
`offline`); the network thread only stores the newest status per device.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import orjson
import paho.mqtt.client as paho

from orchard import mqtt, topics
from orchard.errors import OrchardError, PayloadError

log = logging.getLogger(__name__)

STALE_AFTER_MS = 15 * 60_000  # no reading for this long: the unit is stale even if it says it is online
OFFLINE_AFTER_MS = 2 * 3_600_000  # no status known and no reading for this long: offline


@dataclass(frozen=True)
class Status:
    """What a device last said about itself."""

    state: str  # "online" or "offline"
    received_ms: int  # when the dashboard got it (a retained status arrives when the dashboard starts)
    sent_ms: int | None = None  # the device's own time stamp, if it gave one
    spooled: int | None = None
    version: str | None = None


@dataclass(frozen=True)
class Health:
    """A device's health as a farmer reads it."""

    state: str  # "online", "stale", "offline" or "unknown"
    last_seen_ms: int | None
    status: Status | None


def judge(status: Status | None, last_reading_ms: int | None, now_ms: int) -> Health:
    """Online only when the unit says so and its readings are fresh; its will or silence make it offline."""
    seen = max(filter(None, (last_reading_ms, status.sent_ms if status else None)), default=None)
    age = None if last_reading_ms is None else now_ms - last_reading_ms
    if status is not None and status.state == "offline":
        return Health("offline", seen, status)
    if status is not None and status.state == "online":
        return Health("online" if age is not None and age <= STALE_AFTER_MS else "stale", seen, status)
    if age is None:
        return Health("unknown", seen, status)
    if age <= STALE_AFTER_MS:
        return Health("online", seen, status)
    return Health("stale" if age <= OFFLINE_AFTER_MS else "offline", seen, status)


def parse_status(payload: bytes, now_ms: int) -> Status:
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise PayloadError("bad_json", "status is not JSON") from None
    if not isinstance(body, dict) or body.get("state") not in ("online", "offline"):
        raise PayloadError("bad_status", "status needs state online or offline")
    spooled = body.get("spooled")
    version = body.get("version", body.get("agent"))
    sent = body.get("ts")
    return Status(body["state"], now_ms, sent if isinstance(sent, int) and not isinstance(sent, bool) else None,
                  spooled if isinstance(spooled, int) else None,
                  str(version)[:32] if isinstance(version, (str, int, float)) else None)


class StatusBoard:
    """The newest status of every device, kept current by an MQTT subscription."""

    def __init__(self, mqtt_url: str) -> None:
        self.mqtt_url = mqtt_url
        self._statuses: dict[tuple[str, str], Status] = {}
        self._lock = threading.Lock()
        self._client: paho.Client | None = None
        self.subscribed = threading.Event()

    def start(self) -> None:
        client, address = mqtt.make_client(self.mqtt_url)
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        self._client = client
        try:
            mqtt.connect(client, address)
        except (OSError, OrchardError) as exc:
            log.warning("device status unavailable (%s): devices are judged by their readings alone", exc)

    def stop(self) -> None:
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
            self._client = None

    def _on_connect(self, client, userdata, flags, reason_code, properties=None) -> None:
        if reason_code.is_failure:
            log.warning("broker refused the dashboard: %s", mqtt.reason_text(reason_code))
            return
        client.subscribe(topics.STATUS_SUBSCRIPTION, qos=1)  # here, so a reconnect subscribes again
        self.subscribed.set()

    def _on_message(self, client, userdata, message) -> None:
        try:
            topic = topics.parse(message.topic)
            status = parse_status(message.payload, int(time.time() * 1000))
        except PayloadError as exc:
            log.debug("ignored status on %s: %s", message.topic, exc)
            return
        with self._lock:
            self._statuses[(topic.farm, topic.device)] = status

    def get(self, farm: str, device: str) -> Status | None:
        with self._lock:
            return self._statuses.get((farm, device))
