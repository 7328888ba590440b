"""Live views over real HTTP: /cameras, latest.jpg and stream.mjpg, fed through a real broker."""

from __future__ import annotations

import asyncio
import gc
import os
import time

import psutil

from tests.mqtt_helpers import wait_until
from tests.streams.conftest import CAMERA, DEVICE, FARM, make_jpeg, wait_for_frame
from tests.streams.mjpeg_client import MjpegViewer, request


def test_latest_is_404_before_the_first_frame(relay):
    response = relay.get(f"/cameras/{CAMERA}/latest.jpg", relay.token())
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert "has not sent a frame" in response.json()["detail"]


def test_latest_serves_the_published_jpeg_byte_for_byte(relay, camera):
    jpeg = make_jpeg(1)
    camera.publish(jpeg)
    wait_for_frame(relay, jpeg)
    response = relay.get(f"/cameras/{CAMERA}/latest.jpg", relay.token())
    assert response.status_code == 200
    assert response.content == jpeg
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["etag"].startswith('"') and len(response.headers["etag"]) > 10
    assert response.headers["last-modified"].endswith("GMT")
    assert 0 <= float(response.headers["x-frame-age"]) < 10
    assert "x-frame-stale" not in response.headers
    head = relay.http.head(f"/cameras/{CAMERA}/latest.jpg", headers={"Authorization": f"Bearer {relay.token()}"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(jpeg)) and head.headers["etag"] == response.headers["etag"]


def test_if_none_match_gets_304_until_a_new_frame(relay, camera):
    first = make_jpeg(1)
    camera.publish(first)
    wait_for_frame(relay, first)
    etag = relay.get(f"/cameras/{CAMERA}/latest.jpg", relay.token()).headers["etag"]
    again = relay.get(f"/cameras/{CAMERA}/latest.jpg", relay.token(), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag

    second = make_jpeg(2)
    camera.publish(second)
    wait_for_frame(relay, second)
    changed = relay.get(f"/cameras/{CAMERA}/latest.jpg", relay.token(), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.content == second
    assert changed.headers["etag"] != etag


def test_a_silent_camera_is_marked_stale(start_relay, camera):
    relay = start_relay({"camera_idle_s": 0.2})  # stale after 2.5 idle intervals: 0.5 s
    jpeg = make_jpeg(1)
    camera.publish(jpeg)
    wait_for_frame(relay, jpeg)
    time.sleep(0.8)
    response = relay.get(f"/cameras/{CAMERA}/latest.jpg", relay.token())
    assert response.headers["x-frame-stale"] == "1"
    assert float(response.headers["x-frame-age"]) >= 0.5
    listed = relay.get("/cameras", relay.token()).json()
    assert listed[0]["stale"] is True


def test_cameras_lists_only_what_the_token_covers(relay, camera):
    for name in ("cam-1", "cam-2", "cam-3"):
        jpeg = make_jpeg(hash(name) % 50)
        camera.publish(jpeg, camera=name)
        wait_for_frame(relay, jpeg, camera=name)

    mine = relay.get("/cameras", relay.token("cam-2", "cam-9")).json()
    assert [c["camera"] for c in mine] == ["cam-2", "cam-9"]
    assert mine[0]["farm"] == FARM and mine[0]["device"] == DEVICE
    assert mine[0]["last_frame_at"].endswith("Z") and mine[0]["mode"] == "idle"
    assert (mine[0]["width"], mine[0]["height"]) == (320, 240)
    assert mine[1]["last_frame_at"] is None and mine[1]["stale"] is True  # named but not seen yet

    everything = relay.get("/cameras", relay.token("*")).json()
    assert [c["camera"] for c in everything] == ["cam-1", "cam-2", "cam-3"]


def test_mjpeg_sends_the_current_frame_then_each_new_one(relay, camera):
    frames = [make_jpeg(n) for n in range(4)]
    camera.publish(frames[0])
    wait_for_frame(relay, frames[0])
    viewer = MjpegViewer(relay.port, f"/cameras/{CAMERA}/stream.mjpg", relay.token())
    try:
        first = viewer.next()
        assert viewer.status == 200
        assert viewer.headers["content-type"].startswith("multipart/x-mixed-replace; boundary=")
        assert viewer.headers["cache-control"] == "no-store"
        assert first.body == frames[0]
        assert first.headers["content-type"] == "image/jpeg"
        assert int(first.headers["content-length"]) == len(frames[0])
        for jpeg in frames[1:]:
            camera.publish(jpeg)
            assert viewer.next().body == jpeg  # byte for byte, never re-encoded
    finally:
        viewer.close()
    wait_until(lambda: relay.metric("orchard_streams_viewers") == 0, message="viewer released")


def test_a_stalled_viewer_does_not_hold_up_another(relay, camera):
    frames = [make_jpeg(n, 640, 480, noise=True, quality=95) for n in range(20)]  # ~400 KB each
    camera.publish(frames[0])
    wait_for_frame(relay, frames[0])
    # A phone that stopped reading: a tiny receive window, and nothing read.
    stalled = request(relay.port, f"/cameras/{CAMERA}/stream.mjpg", relay.token(), rcvbuf=4096)
    viewer = MjpegViewer(relay.port, f"/cameras/{CAMERA}/stream.mjpg", relay.token())
    try:
        assert viewer.next().body == frames[0]
        sent_at = {}
        for n, jpeg in enumerate(frames[1:], start=1):
            sent_at[n] = time.monotonic()
            camera.publish(jpeg)
            part = viewer.next(timeout=5)
            assert part.body == jpeg, f"frame {n} skipped or out of order"
            assert part.received_at - sent_at[n] < 2.0, f"frame {n} took {part.received_at - sent_at[n]:.2f}s"
        # The stalled viewer really is stuck: it was sent far less than the 20 frames.
        assert relay.metric("orchard_streams_frames_sent_total") < 2 * 20
    finally:
        viewer.close()
        stalled.close()


def _server_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_thousand_viewers_coming_and_going_leave_nothing_behind(start_relay, camera):
    from streams.live import LiveTiming
    relay = start_relay(live_timing=LiveTiming(grace_s=0.1))
    jpeg = make_jpeg(1)
    camera.publish(jpeg, camera="cam-1")
    wait_for_frame(relay, jpeg, camera="cam-1")
    token = relay.token("cam-1", "cam-quiet")
    process = psutil.Process()

    def cycle(n: int) -> None:
        # Alternately: a viewer of a camera with a frame who leaves after the first part, and one of a
        # camera that never sends who leaves while the relay waits for a frame for it.
        path = "/cameras/cam-1/stream.mjpg" if n % 2 else "/cameras/cam-quiet/stream.mjpg"
        sock = request(relay.port, path, token)
        received = b""
        wanted = b"Content-Length" if n % 2 else b"\r\n\r\n"
        while wanted not in received:
            chunk = sock.recv(65536)
            assert chunk, "the relay closed the stream"
            received += chunk
        sock.close()

    def settled() -> tuple[int, int, int]:
        wait_until(lambda: relay.on_loop(lambda: relay.relay.hub.viewer_count()) == 0, message="viewers gone")
        wait_until(lambda: relay.on_loop(lambda: relay.relay.live.mode("cam-1")) == "idle", message="idle")
        time.sleep(0.3)
        gc.collect()
        tasks = relay.on_loop(lambda: len(asyncio.all_tasks()))
        return tasks, _server_fds(), process.memory_info().rss

    for n in range(100):  # warm up: imports, caches, allocator pools
        cycle(n)
    tasks_before, fds_before, rss_before = settled()
    for n in range(1000):
        cycle(n)
    tasks_after, fds_after, rss_after = settled()

    assert tasks_after == tasks_before
    assert fds_after <= fds_before + 2
    assert rss_after - rss_before < 30 * 1024 * 1024, f"RSS grew {(rss_after - rss_before) / 1e6:.1f} MB"
    assert relay.metric("orchard_streams_viewers") == 0


def test_every_answer_carries_the_security_headers(relay, camera):
    jpeg = make_jpeg(1)
    camera.publish(jpeg)
    wait_for_frame(relay, jpeg)
    token = relay.token()
    etag = relay.get(f"/cameras/{CAMERA}/latest.jpg", token).headers["etag"]
    answers = {
        "latest": relay.get(f"/cameras/{CAMERA}/latest.jpg", token),
        "304": relay.get(f"/cameras/{CAMERA}/latest.jpg", token, headers={"If-None-Match": etag}),
        "401": relay.get(f"/cameras/{CAMERA}/latest.jpg"),
        "404": relay.get("/cameras/cam-2/latest.jpg", relay.token("cam-2")),
        "list": relay.get("/cameras", token),
        "health": relay.get("/healthz"),
    }
    viewer = MjpegViewer(relay.port, f"/cameras/{CAMERA}/stream.mjpg", token)
    try:
        viewer.next()
        mjpeg = viewer.headers
    finally:
        viewer.close()
    assert answers["304"].status_code == 304 and answers["404"].status_code == 404
    for name, headers in [*((n, r.headers) for n, r in answers.items()), ("mjpeg", mjpeg)]:
        assert headers["x-content-type-options"] == "nosniff", name
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'self'" in csp, name
        assert headers["referrer-policy"] == "no-referrer", name  # tokens travel in URLs
