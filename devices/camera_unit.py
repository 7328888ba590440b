"""One camera of a field unit: a snapshot every few minutes, live frames only while someone watches.

Commands arrive as JSON on the device's `orchard/{farm}/{device}/cmd` topic:

    {"camera": "cam-01", "mode": "live", "ttl_s": 30, "fps": 2}   live until now + ttl_s
    {"camera": "cam-01", "mode": "idle"}                           back to snapshots at once

Without "camera" a command applies to every camera of the device. Live mode ends by
itself after ttl_s (timed on the monotonic clock: a Pi may have no real-time clock),
so a lost stop command costs at most ttl_s of uplink; a watcher renews it meanwhile.

Several relays may watch one camera; each names itself in its commands ("relay": "<id>").
Every relay's renewal counts alike, and a relay's "idle" ends only its own lease: the
camera stays live while any relay renews. An "idle" without "relay" ends every lease.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import orjson
import paho.mqtt.client as paho

from devices.camera import Source, encode_jpeg
from orchard.errors import PayloadError, SensorError
from orchard.topics import ID_PATTERN

log = logging.getLogger(__name__)

IDLE, LIVE = "idle", "live"
DEFAULT_TTL_S = 30.0
MAX_TTL_S = 600.0
MAX_FPS = 10.0
MAX_LEASES = 16  # relays a camera remembers at once; more are a misconfiguration or an attack
MAX_RELAY_CHARS = 128
RETRY_S = 30.0  # a missed snapshot is tried again this soon, not a whole idle interval later


@dataclass(frozen=True)
class CameraConfig:
    """How often and how large a unit's cameras send frames."""

    idle_s: float = 300.0
    live_fps: float = 2.0
    width: int = 1024
    height: int = 576
    quality: int = 75

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> CameraConfig:
        """The camera_* values of orchard Settings, with `overrides` taking precedence."""
        values = dict(idle_s=settings.camera_idle_s, live_fps=settings.camera_live_fps, width=settings.camera_width,
                      height=settings.camera_height, quality=settings.camera_quality)
        return cls(**{**values, **overrides})


@dataclass(frozen=True)
class CameraCommand:
    """A validated camera command; `camera` None means every camera of the device."""

    mode: str
    camera: str | None = None
    ttl_s: float = DEFAULT_TTL_S
    fps: float | None = None
    relay: str | None = None  # which relay instance sent it; None: one that does not say


def _positive(data: dict, key: str, reason: str, cap: float) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise PayloadError(reason, f"{key} must be a positive number, got {value!r:.40}")
    return min(float(value), cap)


def parse_command(payload: bytes) -> CameraCommand:
    """A camera command from a cmd payload; raises PayloadError with a short reason code."""
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise PayloadError("bad_json", str(exc)) from None
    if not isinstance(data, dict):
        raise PayloadError("not_an_object", "a command is a JSON object")
    mode = data.get("mode")
    if mode not in (IDLE, LIVE):
        raise PayloadError("unknown_mode", f"mode must be 'live' or 'idle', got {mode!r:.40}")
    camera = data.get("camera")
    if camera is not None and not (isinstance(camera, str) and ID_PATTERN.fullmatch(camera)):
        raise PayloadError("bad_camera", f"camera must match {ID_PATTERN.pattern}, got {camera!r:.80}")
    relay = data.get("relay")
    if relay is not None and not (isinstance(relay, str) and 0 < len(relay) <= MAX_RELAY_CHARS):
        raise PayloadError("bad_relay", f"relay must be a name of 1 to {MAX_RELAY_CHARS} characters, "
                                        f"got {relay!r:.80}")
    if mode == IDLE:
        return CameraCommand(IDLE, camera, relay=relay)
    ttl = _positive(data, "ttl_s", "bad_ttl", MAX_TTL_S)
    fps = _positive(data, "fps", "bad_fps", MAX_FPS)
    return CameraCommand(LIVE, camera, DEFAULT_TTL_S if ttl is None else ttl, fps, relay)


class CameraUnit:
    """One camera's mode and schedule; `tick` sends a frame when one is due."""

    def __init__(self, camera: str, source: Source, topic: str, client: paho.Client,
                 config: CameraConfig = CameraConfig(), clock: Callable[[], float] = time.monotonic) -> None:
        self.camera = camera
        self.source = source
        self.topic = topic
        self.client = client
        self.config = config
        self.clock = clock
        self.published = 0
        self.skipped = 0
        self.last_size = 0
        self._lock = threading.Lock()
        self._mode = IDLE
        self._fps = config.live_fps
        self._live_until = 0.0
        self._leases: dict[str | None, float] = {}  # relay -> live until (monotonic), while live
        self._next = clock()  # a first snapshot at start, so the relay has a picture at once
        self._last_sent = -math.inf
        self._in_flight: paho.MQTTMessageInfo | None = None
        self._failing = False
        self._missed = False  # a frame was due while the broker was away

    @property
    def mode(self) -> str:
        return self._mode

    def command(self, command: CameraCommand) -> None:
        """Switch mode; cheap and thread-safe, for the MQTT network thread."""
        with self._lock:
            now = self.clock()
            if command.mode == LIVE:
                fps = min(command.fps or self.config.live_fps, MAX_FPS)
                if self._mode != LIVE:
                    log.info("%s: live at %g fps for %gs", self.topic, fps, command.ttl_s)
                    self._next = now  # the first watcher must not wait for the next frame
                else:
                    self._next = min(self._next, self._last_sent + 1.0 / fps)
                self._lease(now, command.relay, now + command.ttl_s)
                self._mode, self._fps = LIVE, fps
            elif self._mode == LIVE:
                if command.relay is not None:
                    self._lease(now, command.relay, None)
                if command.relay is None or not self._leases:
                    log.info("%s: back to idle", self.topic)
                    self._to_idle(now)

    def _lease(self, now: float, relay: str | None, until: float | None) -> None:
        """Set (or with None end) one relay's lease; live lasts until the last lease ends."""
        leases = self._leases
        for key in [key for key, end in leases.items() if end <= now]:
            del leases[key]
        if until is None:
            leases.pop(relay, None)
        else:
            leases[relay] = until
            if len(leases) > MAX_LEASES:
                del leases[min(leases, key=leases.__getitem__)]
        self._live_until = max(leases.values(), default=now)

    def reconnected(self) -> None:
        """The broker is back: send the frame missed meanwhile as soon as the run loop can."""
        with self._lock:
            if self._missed:
                self._next, self._missed = min(self._next, self.clock()), False

    def _to_idle(self, now: float) -> None:
        self._mode = IDLE
        self._leases.clear()
        self._next = max(self._last_sent + self.config.idle_s, now)  # idle_s after the last frame sent

    def next_due(self) -> float:
        """When (on the monotonic clock) this camera next needs the run loop."""
        with self._lock:
            return min(self._next, self._live_until) if self._mode == LIVE else self._next

    def tick(self, now: float) -> float:
        """Send a frame if one is due at `now`; return when the next is due."""
        with self._lock:
            if self._mode == LIVE and now >= self._live_until:
                log.info("%s: live ended after its ttl", self.topic)
                self._to_idle(now)
            if now < self._next:
                return min(self._next, self._live_until) if self._mode == LIVE else self._next
            live = self._mode == LIVE
            period = 1.0 / self._fps if live else self.config.idle_s
            self._next += period
            if self._next <= now:  # late (a slow grab, a long flush): keep the cadence, no burst
                self._next = now + period
        if not self._send(qos=0 if live else 1) and not live:
            with self._lock:
                self._next = min(self._next, now + min(RETRY_S, self.config.idle_s))
        return self.next_due()

    def _send(self, qos: int) -> bool:
        """Grab, encode and publish one frame; False if it could not be sent."""
        if not self.client.is_connected():
            self.skipped += 1  # frames are never spooled: the next one replaces this one
            with self._lock:
                self._missed = True
            return False
        if qos == 0 and self._in_flight is not None and not _written(self._in_flight):
            self.skipped += 1  # the uplink has not sent the previous live frame yet: do not queue more
            return True
        try:
            jpeg = encode_jpeg(self.source.grab(), self.config.width, self.config.height, self.config.quality)
        except (SensorError, cv2.error, OSError) as exc:
            if not self._failing:
                log.warning("%s: camera failed: %s", self.topic, exc)
                self._failing = True
            return False
        if self._failing:
            log.info("%s: camera gives frames again", self.topic)
            self._failing = False
        info = self.client.publish(self.topic, jpeg, qos=qos)
        self._in_flight = info if qos == 0 else None
        with self._lock:
            self._last_sent = self.clock()
        self.published += 1
        self.last_size = len(jpeg)
        return True


def _written(info: paho.MQTTMessageInfo) -> bool:
    """Whether paho has handed a QoS 0 message to the socket (or given up on it)."""
    try:
        return info.is_published()
    except (RuntimeError, ValueError):
        return True


class CameraCommands:
    """Routes cmd-topic payloads to a device's cameras; a bad command is logged once per cause."""

    def __init__(self, device: str, units: Sequence[CameraUnit]) -> None:
        self.device = device
        self.units = {unit.camera: unit for unit in units}
        self.rejected = 0
        self._warned: set[str] = set()

    def handle(self, payload: bytes) -> bool:
        """Apply one command; False (and a warning the first time per cause) if it was ignored."""
        try:
            command = parse_command(payload)
            if command.camera is not None and command.camera not in self.units:
                raise PayloadError("unknown_camera", f"this device has no camera {command.camera!r}")
        except PayloadError as exc:
            self.rejected += 1
            if exc.reason not in self._warned:
                self._warned.add(exc.reason)
                log.warning("%s: ignored a command (%s); further ones like it are not logged", self.device, exc)
            return False
        targets = self.units.values() if command.camera is None else [self.units[command.camera]]
        for unit in targets:
            unit.command(command)
        return True
