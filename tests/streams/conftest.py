"""Fixtures for relay tests: a real uvicorn serving the app on a free port, a camera publishing to Mosquitto."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import cv2
import httpx
import numpy as np
import pytest
import uvicorn

from orchard.auth import mint_camera_token
from orchard.mqtt import make_client
from orchard.settings import Settings
from streams.app import create_app
from streams.service import Relay
from tests.mqtt_helpers import wait_until
from tests.services import free_port

SECRET = "streams-test-secret-" + "s" * 32
FARM, DEVICE, CAMERA = "farm1", "dev-a", "cam-1"


def make_jpeg(n: int = 0, width: int = 320, height: int = 240, noise: bool = False, quality: int = 85) -> bytes:
    """A real JPEG showing `n`, so every frame differs; `noise` makes it large (hard to compress)."""
    rng = np.random.default_rng(n)
    if noise:
        image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    else:
        image = np.full((height, width, 3), (40 + n * 7 % 200, 120, 60), np.uint8)
    cv2.putText(image, str(n), (10, height // 2), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return jpeg.tobytes()


class RunningRelay:
    """The relay app under a real uvicorn in a thread of this process (so a test can count its tasks)."""

    def __init__(self, settings: Settings, **options) -> None:
        self.settings = settings
        self.relay = Relay(settings, **options)
        self.app = create_app(settings, relay=self.relay)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on", timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)
        self.http = httpx.Client(base_url=self.url, timeout=20)

    def start(self) -> RunningRelay:
        self.thread.start()
        wait_until(lambda: self.server.started or not self.thread.is_alive(), message="uvicorn started")
        assert self.server.started, "uvicorn did not start"
        wait_until(lambda: self.relay.intake.subscribed, message="relay subscribed to the broker")
        return self

    def stop(self) -> None:
        if not self.thread.is_alive():
            return
        self.http.close()
        self.relay.close_streams_threadsafe()
        self.server.should_exit = True
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "uvicorn did not stop"

    def token(self, *cameras: str, ttl_s: float = 600) -> str:
        return mint_camera_token(SECRET, cameras or (CAMERA,), ttl_s)

    def get(self, path: str, token: str | None = None, **kwargs) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.get(path, headers=headers, **kwargs)

    def on_loop(self, func):
        """Call `func()` on the server's event loop and return its result."""
        async def call():
            return func()
        return asyncio.run_coroutine_threadsafe(call(), self.relay.loop).result(timeout=10)

    def metric(self, name: str, **labels: str) -> float:
        return self.relay.stats.value(name, **labels)


class Camera:
    """A field unit's camera: publishes JPEGs as the simulator account over one connection."""

    def __init__(self, url: str) -> None:
        self.client, address = make_client(url)
        self.client.connect(address.host, address.port)
        self.client.loop_start()

    def publish(self, jpeg: bytes, camera: str = CAMERA, device: str = DEVICE, farm: str = FARM) -> None:
        self.client.publish(f"orchard/{farm}/{device}/camera/{camera}/jpeg", jpeg, qos=1).wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def start_relay(broker, tmp_path) -> Iterator:
    """Start a relay with settings overrides (archive_every_s=..., camera_idle_s=...) and Relay options."""
    running: list[RunningRelay] = []

    def start(settings: dict | None = None, **options) -> RunningRelay:
        environ = {
            "ORCHARD_MQTT_URL": broker.url("orchard-streams"),
            "ORCHARD_SECRET_KEY": SECRET,
            "ORCHARD_DATA_DIR": str(tmp_path / "data"),
            **{f"ORCHARD_{k.upper()}": str(v) for k, v in (settings or {}).items()},
        }
        relay = RunningRelay(Settings.load(environ), **options)
        running.append(relay)
        return relay.start()

    yield start
    for relay in running:
        relay.stop()


@pytest.fixture
def relay(start_relay) -> RunningRelay:
    return start_relay()


@pytest.fixture
def camera(broker) -> Iterator[Camera]:
    cam = Camera(broker.url("orchard-simulator"))
    yield cam
    cam.close()


def wait_for_frame(relay: RunningRelay, jpeg: bytes, camera: str = CAMERA) -> None:
    """Wait until the relay's latest frame of `camera` is `jpeg`."""
    def arrived():
        frame = relay.on_loop(lambda: relay.relay.hub.latest(camera))
        return frame is not None and frame.jpeg == jpeg
    wait_until(arrived, message=f"frame on {camera}")
