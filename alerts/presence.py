"""Devices' retained status and cameras' frame arrivals, as heard on MQTT; only times are kept.

The alerts service subscribes to `orchard/+/+/status` (retained: a restart hears every
device's state again at once) and to camera topics at QoS 0, where it keeps the arrival time
of each camera's newest frame and drops the image. Called on paho's network thread: cheap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import orjson

from orchard import topics
from orchard.errors import PayloadError

log = logging.getLogger(__name__)

OFFLINE = "offline"


class Presence:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.started_at = clock()  # cameras are given their idle intervals from here after a restart
        self._status: dict[tuple[str, str], tuple[str, datetime]] = {}
        self._frames: dict[tuple[str, str, str], datetime] = {}
        self._bad_logged = False

    def heard(self, topic: str, payload: bytes | bytearray) -> None:
        """Note one message: a status (state and since when) or a frame (when only)."""
        try:
            where = topics.parse(topic)
        except PayloadError:
            return
        if where.kind == "camera" and where.camera is not None:
            self._frames[(where.farm, where.device, where.camera)] = self.clock()
        elif where.kind == "status":
            self._heard_status((where.farm, where.device), payload)

    def _heard_status(self, device: tuple[str, str], payload: bytes | bytearray) -> None:
        if not payload:  # a cleared retained status: the device was removed
            self._status.pop(device, None)
            return
        try:
            state = orjson.loads(payload).get("state")
        except (orjson.JSONDecodeError, AttributeError):
            state = None
        if not isinstance(state, str):
            if not self._bad_logged:
                self._bad_logged = True
                log.warning("ignoring a status without a state on %s/%s (logged once)", *device)
            return
        before = self._status.get(device)
        if before is None or before[0] != state:  # a repeated state keeps its first time
            self._status[device] = (state, self.clock())

    def offline_since(self, farm: str, device: str) -> datetime | None:
        """When the device's retained status turned `offline`, if it is."""
        status = self._status.get((farm, device))
        return status[1] if status is not None and status[0] == OFFLINE else None

    def last_frame(self, farm: str, device: str, camera: str) -> datetime | None:
        return self._frames.get((farm, device, camera))
