"""Frames in through a real broker: good ones reach viewers untouched, bad ones are counted and never served."""

from __future__ import annotations

import logging
import time

import orjson

from tests.mqtt_helpers import Collector, wait_until
from tests.streams.conftest import CAMERA, DEVICE, FARM, make_jpeg, wait_for_frame
from tests.streams.mjpeg_client import MjpegViewer


def test_truncated_and_corrupt_frames_are_refused_counted_and_never_served(relay, camera, broker, caplog):
    letters = Collector(broker.url("orchard-ingest"), "orchard/deadletter")
    good = make_jpeg(1)
    camera.publish(good)
    wait_for_frame(relay, good)
    viewer = MjpegViewer(relay.port, f"/cameras/{CAMERA}/stream.mjpg", relay.token())
    try:
        assert viewer.next().body == good
        other = make_jpeg(2)
        bad = {
            "truncated": [other[: len(other) // 2], other[:-1]],
            "corrupt": [other[: len(other) // 2] + good],  # a cut-off frame with a whole one behind it
            "not_jpeg": [b"GIF89a" + b"\x00" * 200],
            "too_small": [other[:50]],
        }
        def rejected() -> float:
            return sum(relay.metric("orchard_streams_frames_rejected_total", reason=r) for r in bad)

        with caplog.at_level(logging.WARNING, logger="streams.intake"):
            # One at a time: a burst faster than the checks would have its oldest frames skipped unchecked.
            for payload in [p for payloads in bad.values() for p in payloads]:
                before = rejected()
                camera.publish(payload)
                wait_until(lambda before=before: rejected() == before + 1, message="rejection counted")
        metrics = relay.get("/metrics").text
        assert 'orchard_streams_frames_rejected_total{reason="truncated"} 2.0' in metrics
        assert 'orchard_streams_frames_rejected_total{reason="corrupt"} 1.0' in metrics
        assert 'orchard_streams_frames_rejected_total{reason="not_jpeg"} 1.0' in metrics
        assert "orchard_streams_frames_received_total 6.0" in metrics
        # Logged once per cause, not once per frame.
        assert sum("(truncated)" in r.getMessage() for r in caplog.records) == 1

        latest = relay.get(f"/cameras/{CAMERA}/latest.jpg", relay.token())
        assert latest.content == good  # still the last good frame
        final = make_jpeg(3)
        camera.publish(final)
        assert viewer.next().body == final  # the viewer never saw the bad ones

        # Each refusal is also a dead letter saying which camera and why.
        letters_got = [orjson.loads(letters.get()[1]) for _ in range(5)]
        reasons = sorted(d["reason"] for d in letters_got)
        assert reasons == ["corrupt", "not_jpeg", "too_small", "truncated", "truncated"]
        assert {d["topic"] for d in letters_got} == {f"orchard/{FARM}/{DEVICE}/camera/{CAMERA}/jpeg"}
    finally:
        viewer.close()
        letters.close()


def test_frames_of_different_cameras_stay_apart(relay, camera):
    a, b = make_jpeg(10), make_jpeg(11)
    camera.publish(a, camera="cam-a", device="dev-a")
    camera.publish(b, camera="cam-b", device="dev-b", farm="farm2")
    wait_for_frame(relay, a, camera="cam-a")
    wait_for_frame(relay, b, camera="cam-b")
    token = relay.token("cam-a", "cam-b")
    assert relay.get("/cameras/cam-a/latest.jpg", token).content == a
    assert relay.get("/cameras/cam-b/latest.jpg", token).content == b
    listed = {c["camera"]: (c["farm"], c["device"]) for c in relay.get("/cameras", token).json()}
    assert listed == {"cam-a": ("farm1", "dev-a"), "cam-b": ("farm2", "dev-b")}


def test_a_frame_of_several_megabytes_is_served_whole(relay, camera):
    big = make_jpeg(5, 1600, 1200, noise=True, quality=97)
    assert 2 * 1024 * 1024 < len(big) <= 4 * 1024 * 1024
    camera.publish(big)
    wait_for_frame(relay, big)
    assert relay.get(f"/cameras/{CAMERA}/latest.jpg", relay.token()).content == big


def test_a_burst_faster_than_the_checks_skips_to_the_newest_frame(relay, camera):
    frames = [make_jpeg(n, 1600, 1200, noise=True) for n in range(12)]
    for jpeg in frames:  # QoS 1 back to back, as after a device's reconnection
        camera.client.publish(f"orchard/farm1/dev-a/camera/{CAMERA}/jpeg", jpeg, qos=1)
    wait_for_frame(relay, frames[-1])  # how many were skipped depends on this machine's speed
    time.sleep(0.3)
    assert relay.get(f"/cameras/{CAMERA}/latest.jpg", relay.token()).content == frames[-1]  # no older one after it
    assert relay.metric("orchard_streams_frames_received_total") == 12
