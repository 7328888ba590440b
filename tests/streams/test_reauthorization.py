"""An open MJPEG stream is authorized again every few seconds and at its token's expiry, and ended when not."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from orchard.auth import mint_camera_token
from orchard.auth.policy import Policy
from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from orchard.registry.models import Claim, User
from orchard.registry.people import set_claim_status
from orchard.settings import Settings
from tests.mqtt_helpers import wait_until
from tests.streams.conftest import CAMERA, SECRET, Camera, RunningRelay, make_jpeg
from tests.streams.mjpeg_client import MjpegViewer
from tests.world import PASSWORD, build_world

REAUTH_S = 1.0


class Feed:
    """A camera that keeps streaming (as if live) until stopped."""

    def __init__(self, publisher: Camera, **where: str) -> None:
        self.publisher, self.where = publisher, where
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        n = 0
        while not self.stopped.is_set():
            n += 1
            self.publisher.publish(make_jpeg(n), **self.where)
            time.sleep(0.2)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(10)


@pytest.fixture
def cooperative(broker, tmp_path, camera):
    registry = f"sqlite:///{tmp_path / 'registry.db'}"
    upgrade(registry)
    sessions = session_factory(registry)
    world = build_world(sessions)
    settings = Settings(mqtt_url=broker.url("orchard-streams"), secret_key=SECRET, data_dir=tmp_path / "data",
                        db_url=registry, _env_file=None)
    relay = RunningRelay(settings, policy=Policy(sessions, SECRET, cache_s=1.0), reauth_s=REAUTH_S).start()
    feed = Feed(camera, camera="cam-17", device="hill-1", farm="hill")
    wait_until(lambda: relay.relay.hub.latest("cam-17") is not None, message="cam-17 streaming")
    try:
        yield relay, sessions, world
    finally:
        feed.stop()
        relay.stop()


def ana_token(relay: RunningRelay, world) -> str:
    """Ana's camera token as the API mints it (with her credential generation)."""
    viewer = relay.relay.policy.from_password("ana", PASSWORD, "127.0.0.1")[0]
    return relay.relay.policy.camera_token(viewer, ["cam-17"], 3600)


def ana_watches(relay: RunningRelay, world) -> MjpegViewer:
    token = ana_token(relay, world)
    viewer = MjpegViewer(relay.port, "/cameras/cam-17/stream.mjpg", token)
    viewer.next()
    assert viewer.status == 200
    return viewer


def assert_ends_within(viewer: MjpegViewer, seconds: float) -> None:
    assert viewer.ended.wait(seconds), "the stream kept going"
    assert isinstance(viewer.error, EOFError)  # ended by the server's last chunk, not cut mid-frame
    while not viewer.parts.empty():
        viewer.parts.get()
    time.sleep(0.6)
    assert viewer.parts.empty()


def test_a_stream_that_stays_authorized_keeps_flowing(cooperative):
    relay, _, world = cooperative
    viewer = ana_watches(relay, world)
    try:
        started = time.monotonic()
        while time.monotonic() - started < 4 * REAUTH_S:
            viewer.next(timeout=2)
        assert not viewer.ended.is_set()
    finally:
        viewer.close()


def test_cancelling_the_claim_ends_an_open_stream(cooperative):
    relay, sessions, world = cooperative
    viewer = ana_watches(relay, world)
    try:
        with sessions.begin() as s:
            claim = s.scalar(select(Claim).where(Claim.order_ref == "A-1"))
            set_claim_status(s, claim, "cancelled")
        # Re-checked every REAUTH_S against answers cached up to 1 s.
        assert_ends_within(viewer, REAUTH_S + 1.0 + 2.0)
        assert relay.get("/cameras/cam-17/latest.jpg", ana_token(relay, world)).status_code == 403
    finally:
        viewer.close()


def test_deactivating_the_user_ends_an_open_stream(cooperative):
    relay, sessions, world = cooperative
    viewer = ana_watches(relay, world)
    try:
        with sessions.begin() as s:
            s.get(User, world.users["customer_active"]).active = False
        assert_ends_within(viewer, REAUTH_S + 1.0 + 2.0)
    finally:
        viewer.close()


def test_a_stream_ends_when_its_token_expires(start_relay, camera):
    relay = start_relay(reauth_s=30)  # the periodic check is far off: only the expiry can end it
    feed = Feed(camera)
    try:
        wait_until(lambda: relay.relay.hub.latest(CAMERA) is not None, message="streaming")
        token = mint_camera_token(SECRET, [CAMERA], 3)
        expires = int(time.time()) + 3
        viewer = MjpegViewer(relay.port, f"/cameras/{CAMERA}/stream.mjpg", token)
        try:
            viewer.next()
            assert viewer.ended.wait(expires - time.time() + 1.5), "the stream outlived its token"
            assert time.time() >= expires - 0.05
        finally:
            viewer.close()
    finally:
        feed.stop()
