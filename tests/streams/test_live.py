"""Demand-driven live mode, as the device sees it on its cmd topic (subscribed as the simulator)."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from streams.live import LiveTiming
from tests.mqtt_helpers import Collector, publish, wait_until
from tests.streams.conftest import CAMERA, DEVICE, FARM, make_jpeg, wait_for_frame
from tests.streams.mjpeg_client import MjpegViewer, request

CMD = f"orchard/{FARM}/{DEVICE}/cmd"
FAST = LiveTiming(ttl_s=3, renew_s=0.5, grace_s=0.6, fps=2)


@pytest.fixture
def device_cmds(broker):
    collector = Collector(broker.url("orchard-simulator"), CMD)
    yield collector
    collector.close()


def commands(collector: Collector, quiet_s: float = 0.3) -> list[dict]:
    return [json.loads(payload) for _, payload in collector.drain(quiet_s)]


def test_first_viewer_makes_the_camera_live_renewed_then_idle_after_the_last(start_relay, camera, device_cmds):
    relay = start_relay(live_timing=FAST)
    jpeg = make_jpeg(1)
    camera.publish(jpeg)
    wait_for_frame(relay, jpeg)
    assert commands(device_cmds) == []  # nobody watches: the camera stays idle

    viewer = MjpegViewer(relay.port, f"/cameras/{CAMERA}/stream.mjpg", relay.token())
    topic, payload = device_cmds.get(timeout=5)
    assert topic == CMD
    name = relay.relay.live.instance
    assert name.startswith("orchard-streams-")  # the relay names itself, so that several can serve a camera
    assert json.loads(payload) == {"camera": CAMERA, "mode": "live", "ttl_s": 3, "fps": 2, "relay": name}
    second = MjpegViewer(relay.port, f"/cameras/{CAMERA}/stream.mjpg", relay.token())
    time.sleep(1.8)
    renewals = commands(device_cmds, quiet_s=0.05)
    assert 2 <= len(renewals) <= 5 and all(c["mode"] == "live" for c in renewals)  # one stream of renewals

    viewer.close()
    time.sleep(FAST.grace_s + 0.3)
    assert all(c["mode"] == "live" for c in commands(device_cmds, quiet_s=0.05))  # one viewer is still here
    second.close()
    rest = commands(device_cmds, quiet_s=FAST.grace_s + 0.7)
    assert rest and rest[-1] == {"camera": CAMERA, "mode": "idle", "relay": name}
    assert relay.metric("orchard_streams_live_commands_total", mode="idle") == 1


def test_a_page_reload_within_the_grace_does_not_flap(start_relay, camera, device_cmds):
    relay = start_relay(live_timing=LiveTiming(ttl_s=30, renew_s=10, grace_s=1.0))
    jpeg = make_jpeg(1)
    camera.publish(jpeg)
    wait_for_frame(relay, jpeg)
    first = MjpegViewer(relay.port, f"/cameras/{CAMERA}/stream.mjpg", relay.token())
    first.next()
    first.close()
    reloaded = MjpegViewer(relay.port, f"/cameras/{CAMERA}/stream.mjpg", relay.token())
    reloaded.next()
    time.sleep(1.5)
    assert [c["mode"] for c in commands(device_cmds)] == ["live"]
    reloaded.close()
    assert [c["mode"] for c in commands(device_cmds, quiet_s=2.0)] == ["idle"]


def test_a_viewer_before_any_frame_makes_the_camera_live_once_its_device_is_known(start_relay, camera,
                                                                                 device_cmds):
    relay = start_relay(live_timing=FAST)
    viewer = MjpegViewer(relay.port, f"/cameras/{CAMERA}/stream.mjpg", relay.token())
    try:
        wait_until(lambda: relay.metric("orchard_streams_viewers") == 1, message="viewer open")
        assert commands(device_cmds) == []  # no frame yet: no device to tell
        jpeg = make_jpeg(1)
        camera.publish(jpeg)  # the next idle snapshot names the device
        assert json.loads(device_cmds.get(timeout=5)[1])["mode"] == "live"
        assert viewer.next().body == jpeg
    finally:
        viewer.close()


def test_a_retained_status_listing_cameras_addresses_them_before_a_frame(broker, start_relay, device_cmds):
    publish(broker.url("orchard-simulator"), f"orchard/{FARM}/{DEVICE}/status",
            json.dumps({"state": "online", "cameras": [CAMERA]}).encode(), retain=True)
    relay = start_relay(live_timing=FAST)
    wait_until(lambda: relay.on_loop(lambda: relay.relay.hub.address(CAMERA)) == (FARM, DEVICE),
               message="camera learned from status")
    viewer = MjpegViewer(relay.port, f"/cameras/{CAMERA}/stream.mjpg", relay.token())
    try:
        assert json.loads(device_cmds.get(timeout=5)[1])["mode"] == "live"
    finally:
        viewer.close()


def test_a_viewer_that_stops_reading_does_not_keep_the_camera_live(start_relay, camera, device_cmds):
    relay = start_relay(live_timing=FAST, stall_s=0.5)
    frames = [make_jpeg(n, 640, 480, noise=True, quality=95) for n in range(30)]
    camera.publish(frames[0])
    wait_for_frame(relay, frames[0])
    stalled = request(relay.port, f"/cameras/{CAMERA}/stream.mjpg", relay.token(), rcvbuf=4096)
    try:
        assert json.loads(device_cmds.get(timeout=5)[1])["mode"] == "live"
        for jpeg in frames[1:]:  # the camera streams while live; the phone's buffers fill up
            camera.publish(jpeg)
        # Its one frame in flight takes "forever": after renewal and grace the camera goes idle.
        wait_until(lambda: any(c["mode"] == "idle" for c in commands(device_cmds, quiet_s=0.1)),
                   timeout=10, message="idle while the only viewer is stalled")
        assert relay.on_loop(lambda: relay.relay.hub.viewer_count(CAMERA)) == 1  # still connected

        # The phone comes back and reads again: the camera goes live again.
        reader = threading.Thread(target=lambda: _read_all(stalled), daemon=True)
        reader.start()
        assert json.loads(device_cmds.get(timeout=10)[1])["mode"] == "live"
    finally:
        stalled.shutdown(socket.SHUT_RDWR)
        stalled.close()


def _read_all(sock: socket.socket) -> None:
    try:
        while sock.recv(1 << 20):
            pass
    except OSError:
        pass


def test_stopping_the_relay_tells_live_cameras_to_go_idle(start_relay, camera, device_cmds):
    relay = start_relay(live_timing=LiveTiming(ttl_s=30, renew_s=10, grace_s=5))
    jpeg = make_jpeg(1)
    camera.publish(jpeg)
    wait_for_frame(relay, jpeg)
    viewer = MjpegViewer(relay.port, f"/cameras/{CAMERA}/stream.mjpg", relay.token())
    try:
        assert json.loads(device_cmds.get(timeout=5)[1])["mode"] == "live"
        relay.stop()
        assert json.loads(device_cmds.get(timeout=5)[1]) == {"camera": CAMERA, "mode": "idle",
                                                             "relay": relay.relay.live.instance}
        assert viewer.ended.wait(5)  # and the stream was ended, not left hanging
    finally:
        viewer.close()
