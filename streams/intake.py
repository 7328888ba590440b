"""Camera frames in: a paho subscriber whose network thread only hands messages to the event loop.

A frame or status counts only for a camera the registry assigns to the publishing
device (the topic's farm and device, which the broker's ACL ties to its credentials);
the rest are dead-lettered as `unassigned_camera` before any per-camera state exists.

Each camera's frames are checked in arrival order on a small thread pool (the JPEG
decode check and the hash take milliseconds for large frames); cameras are checked
side by side. If a camera sends faster than its frames can be checked, the oldest
unchecked ones are skipped: a viewer wants the newest picture, not a backlog.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import orjson
import paho.mqtt.client as paho

from orchard import topics
from orchard.deadletter import DeadLetters
from orchard.errors import PayloadError
from orchard.mqtt import connect, make_client, reason_text
from streams.hub import Frame
from streams.jpeg import check_jpeg
from streams.stats import StreamsStats

log = logging.getLogger(__name__)

# Unchecked frames kept per camera; older ones are skipped when a camera outruns the checks.
PENDING_PER_CAMERA = 4
MAX_STATUS_BYTES = 65536


def _checked(camera: str, device: str, farm: str, payload: bytes, arrived_at: float) -> Frame:
    """Runs on the check pool: the frame if `payload` is a whole JPEG, else PayloadError."""
    info = check_jpeg(payload)
    etag = hashlib.blake2b(payload, digest_size=10).hexdigest()
    return Frame(camera, farm, device, payload, arrived_at, etag, info.width, info.height)


class Intake:
    def __init__(
        self,
        mqtt_url: str,
        client_id: str,
        stats: StreamsStats,
        deliver: Callable[[Frame], None],
        learn: Callable[[str, str, str], object],
        assigned: Callable[[str, str, str], bool],
        on_unassigned: Callable[[], None] = lambda: None,
        check_workers: int = 2,
    ) -> None:
        self.stats = stats
        self._deliver = deliver
        self._learn = learn
        self._assigned = assigned  # (camera, farm, device) -> does the registry give this camera to this device?
        self._on_unassigned = on_unassigned
        # Not a persistent session: a frame missed while away is replaced by the next one.
        # A suffix of its own per process, so that several relays can share one broker account and setting.
        self.client_id = f"{client_id}-{secrets.token_hex(3)}"
        self.client, self.address = make_client(mqtt_url, self.client_id)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.subscribed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pool = ThreadPoolExecutor(max_workers=check_workers, thread_name_prefix="jpeg-check")
        self._pending: dict[str, deque[tuple]] = {}
        self._checking: dict[str, asyncio.Task] = {}
        # A JPEG's first bytes say what it claims to be; the rest is no use to whoever debugs it.
        self._dead_letters = DeadLetters(self.publish, what="a camera frame", excerpt_bytes=64)

    # --- paho's network thread: parse the topic, hand over, return ---

    def _on_connect(self, client: paho.Client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("broker %s refused the camera relay: %s", self.address, reason_text(reason_code))
            return
        log.info("connected to %s", self.address)
        client.subscribe([(topics.CAMERA_SUBSCRIPTION, 1), (topics.STATUS_SUBSCRIPTION, 1)])

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        refused = [code for code in reason_codes if code.is_failure]
        if refused:
            log.error("broker %s refused the camera subscriptions: %s", self.address, reason_text(refused[0]))
            return
        self.subscribed = True
        self.stats.mqtt_up.set(1)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if self.subscribed:
            log.warning("lost the broker %s (%s); reconnecting", self.address, reason_text(reason_code))
        self.subscribed = False
        self.stats.mqtt_up.set(0)

    def _on_message(self, client, userdata, message: paho.MQTTMessage) -> None:
        loop = self._loop
        if loop is None:
            return
        arrived_at = time.time()
        try:
            where = topics.parse(message.topic)
        except (PayloadError, UnicodeDecodeError):
            where = None
        try:
            if where is None:
                loop.call_soon_threadsafe(self._reject, "bad_topic", "not a camera or status topic", "")
            elif where.kind == "camera" and where.camera is not None:
                loop.call_soon_threadsafe(self._arrived, where.camera, where.device, where.farm,
                                          bytes(message.payload), arrived_at)
            elif where.kind == "status":
                loop.call_soon_threadsafe(self._status, where.farm, where.device, bytes(message.payload))
        except RuntimeError:
            pass  # the loop has closed: we are shutting down

    # --- the event loop ---

    def _arrived(self, camera: str, device: str, farm: str, payload: bytes, arrived_at: float) -> None:
        self.stats.received.inc()
        if not self._assigned(camera, farm, device):
            # Before any per-camera state: invented ids must not grow memory, disk or metrics.
            self._on_unassigned()
            self._reject("unassigned_camera", f"camera {camera} is not assigned to device {device} of farm {farm}",
                         topics.camera_jpeg(farm, device, camera), payload)
            return
        pending = self._pending.setdefault(camera, deque())
        if len(pending) >= PENDING_PER_CAMERA:
            pending.popleft()
            self.stats.skipped.inc()
        pending.append((camera, device, farm, payload, arrived_at))
        if camera not in self._checking:
            self._checking[camera] = asyncio.get_running_loop().create_task(
                self._check(camera), name=f"check:{camera}")

    async def _check(self, camera: str) -> None:
        """Check one camera's waiting frames in order; ends when none are left."""
        pending = self._pending[camera]
        loop = asyncio.get_running_loop()
        try:
            while pending:
                arrival = pending.popleft()
                topic = topics.camera_jpeg(arrival[2], arrival[1], camera)
                try:
                    frame = await loop.run_in_executor(self._pool, _checked, *arrival)
                except PayloadError as exc:
                    self._reject(exc.reason, exc.detail, topic, arrival[3])
                    continue
                except Exception as exc:  # a decoder bug must not stop the camera's frames
                    self._reject("undecodable", f"{type(exc).__name__}: {exc}", topic, arrival[3])
                    continue
                self._deliver(frame)
        finally:
            del self._checking[camera]
            if not pending:
                self._pending.pop(camera, None)

    def _status(self, farm: str, device: str, payload: bytes) -> None:
        """A device's retained status may list its cameras: then live commands can reach them before a frame."""
        if len(payload) > MAX_STATUS_BYTES:
            return
        try:
            cameras = orjson.loads(payload).get("cameras")
        except (orjson.JSONDecodeError, AttributeError):
            return
        if isinstance(cameras, list):
            for camera in cameras:
                if isinstance(camera, str) and self._assigned(camera, farm, device):
                    self._learn(camera, farm, device)

    def _reject(self, reason: str, detail: str, topic: str, payload: bytes = b"") -> None:
        self.stats.rejected.labels(reason).inc()
        self._dead_letters.send(topic, reason, detail, payload)

    def publish(self, topic: str, payload: bytes) -> None:
        """QoS 1; paho queues it while the broker is away and sends it on reconnection."""
        self.client.publish(topic, payload, qos=1)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        connect(self.client, self.address)

    async def stop(self) -> None:
        self._loop = None
        self.subscribed = False  # a disconnection we asked for is not worth a warning
        self.client.disconnect()
        await asyncio.to_thread(self.client.loop_stop)
        self.stats.mqtt_up.set(0)
        for task in list(self._checking.values()):
            task.cancel()
        await asyncio.gather(*self._checking.values(), return_exceptions=True)
        self._pool.shutdown(wait=False, cancel_futures=True)
