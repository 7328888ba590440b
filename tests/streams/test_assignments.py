"""A camera's frames and status count only from the device the registry assigns it to (issue 7, item 3)."""

from __future__ import annotations

import json
import os
import time

import orjson

from orchard.registry import orchards
from orchard.registry.db import session_factory
from tests.mqtt_helpers import Collector, publish, wait_until
from tests.streams.conftest import make_jpeg, wait_for_frame


def test_a_device_of_another_farm_cannot_publish_as_cam_01(start_relay, camera, broker):
    relay = start_relay(registry={("demo", "node-01"): ["cam-01"], ("east", "node-e1"): ["cam-e1"]})
    letters = Collector(broker.url("orchard-ingest"), "orchard/deadletter")
    try:
        real = make_jpeg(1)
        camera.publish(real, camera="cam-01", device="node-01", farm="demo")
        wait_for_frame(relay, real, camera="cam-01")
        # The broker lets the simulator account publish anywhere: only the relay stands in the way here.
        forged = make_jpeg(66)
        camera.publish(forged, camera="cam-01", device="node-e1", farm="east")
        publish(broker.url("orchard-simulator"), "orchard/east/node-e1/status",
                json.dumps({"state": "online", "cameras": ["cam-01"]}).encode(), retain=True)
        letter = orjson.loads(letters.get(timeout=10)[1])
        assert letter["reason"] == "unassigned_camera"
        assert letter["topic"] == "orchard/east/node-e1/camera/cam-01/jpeg"
        assert "cam-01" in letter["detail"]
        time.sleep(0.5)
        token = relay.token("cam-01")
        assert relay.get("/cameras/cam-01/latest.jpg", token).content == real  # not the forged frame
        assert relay.on_loop(lambda: relay.relay.hub.address("cam-01")) == ("demo", "node-01")  # live cmds go home
        assert relay.metric("orchard_streams_frames_rejected_total", reason="unassigned_camera") == 1
        own = make_jpeg(2)
        camera.publish(own, camera="cam-e1", device="node-e1", farm="east")
        wait_for_frame(relay, own, camera="cam-e1")
    finally:
        letters.close()


def test_invented_camera_ids_leave_nothing_behind(start_relay, camera):
    relay = start_relay(registry={("farm1", "dev-a"): ["cam-1"]}, settings={"archive_every_s": 0.01})
    jpeg = make_jpeg(1)
    for n in range(40):
        camera.publish(jpeg, camera=f"made-up-{n}")
    camera.publish(jpeg, camera="cam-1")
    wait_for_frame(relay, jpeg, camera="cam-1")
    wait_until(lambda: relay.metric("orchard_streams_frames_rejected_total", reason="unassigned_camera") == 40,
               message="every invented camera refused")
    hub = relay.relay.hub
    assert relay.on_loop(hub.cameras) == ["cam-1"]
    assert relay.on_loop(lambda: list(relay.relay.intake._pending)) == []
    assert os.listdir(relay.relay.archive.root) == ["cam-1"]
    assert [c["camera"] for c in relay.get("/cameras", relay.token("*")).json()] == ["cam-1"]


def test_a_camera_added_to_the_registry_is_served_soon_after(start_relay, camera):
    relay = start_relay(registry={("farm1", "dev-a"): []}, assignments_retry_s=0.5)
    first = make_jpeg(1)
    camera.publish(first, camera="cam-new")
    wait_until(lambda: relay.metric("orchard_streams_frames_rejected_total", reason="unassigned_camera") == 1,
               message="unknown camera refused")
    with session_factory(relay.settings.db_url).begin() as session:
        orchards.create_camera(session, "cam-new", "dev-a")
    deadline = time.monotonic() + 10
    second = make_jpeg(2)
    while relay.on_loop(lambda: relay.relay.hub.latest("cam-new")) is None and time.monotonic() < deadline:
        camera.publish(second, camera="cam-new")  # each unknown frame asks for an early registry read
        time.sleep(0.3)
    wait_for_frame(relay, second, camera="cam-new")


def test_each_camera_knows_its_farms_time_zone(tmp_path):
    """Timelapses burn in times on the farm's clock: the relay reads each camera's farm zone with its owner."""
    from orchard.registry.models import Farm
    from streams.assignments import CameraAssignments
    from tests.streams.conftest import make_registry

    db_url = f"sqlite:///{tmp_path / 'registry.db'}"
    make_registry(db_url, {("demo", "node-01"): ["cam-01"], ("east", "node-e1"): ["cam-e1"]})
    sessions = session_factory(db_url)
    with sessions.begin() as session:
        session.get(Farm, "demo").timezone = "Asia/Shanghai"
    assignments = CameraAssignments(sessions)
    assert assignments.refresh()
    assert assignments.zone("cam-01") == "Asia/Shanghai"
    assert assignments.zone("cam-e1") == "UTC"
    assert assignments.zone("cam-unknown") == "UTC"
