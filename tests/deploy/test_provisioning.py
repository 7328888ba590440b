"""Devices provisioned with `orchard admin` on a real Mosquitto: sync-broker decides who may publish where."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest

from orchard.mqtt import make_client
from tests.deploy.conftest import connack, only_marker_arrives
from tests.mqtt_helpers import Collector, publish, wait_until


def test_a_device_publishes_readings_status_and_frames_under_its_own_topic(coop):
    watcher = Collector(coop.url("orchard-ingest"), "orchard/#")
    try:
        for topic, payload in [("orchard/hillside/node-a/telemetry", b'{"air_temp_c": 20}'),
                               ("orchard/hillside/node-a/status", b'{"state": "online"}'),
                               ("orchard/hillside/node-a/camera/cam-1/jpeg", b"\xff\xd8jpeg\xff\xd9")]:
            publish(coop.url("node-a"), topic, payload)
            assert watcher.get() == (topic, payload)
    finally:
        watcher.close()


@pytest.mark.parametrize("topic", [
    "orchard/hillside/node-b/telemetry",      # another device's readings
    "orchard/hillside/node-b/camera/cam-1/jpeg",
    "orchard/hillside/node-a/camera/cam-2/jpeg",   # a camera the registry does not give it
    "orchard/valley/node-a/telemetry",        # its own id under another farm
    "orchard/valley/node-a/status",
    "orchard/hillside/alerts",                # the ingester's
    "orchard/hillside/node-a/cmd",            # commands come from the services
])
def test_a_device_cannot_publish_anywhere_else(coop, topic):
    assert only_marker_arrives(coop, "node-a", topic) == [("orchard/hillside/node-a/telemetry", b"marker")]


def test_a_device_reads_its_own_commands_only(coop):
    own = Collector(coop.url("node-a"), "orchard/hillside/node-a/cmd")
    other = Collector(coop.url("node-a"), "orchard/hillside/node-b/cmd")
    try:
        publish(coop.url("orchard-streams"), "orchard/hillside/node-b/cmd", b'{"camera": "live"}')
        publish(coop.url("orchard-streams"), "orchard/hillside/node-a/cmd", b'{"camera": "idle"}')
        assert own.get() == ("orchard/hillside/node-a/cmd", b'{"camera": "idle"}')
        assert other.drain() == []
    finally:
        own.close()
        other.close()


def test_a_revoked_device_is_refused_after_the_next_sync(coop):
    connected, address = make_client(coop.url("node-a"))
    events: queue.Queue = queue.Queue()
    connected.on_connect = lambda c, u, f, rc, p: events.put(("connected", rc.is_failure))
    connected.on_disconnect = lambda c, u, f, rc, p: events.put(("dropped", None))
    connected.connect(address.host, address.port)
    connected.loop_start()
    try:
        assert events.get(timeout=10) == ("connected", False)
        coop.admin("revoke-device", "node-a")
        assert coop.accepted("node-a"), "revoking takes effect at the sync, not before"
        coop.sync()
        assert events.get(timeout=10) == ("dropped", None), "a stolen unit that is online is cut off too"
    finally:
        connected.loop_stop()
    wait_until(lambda: not coop.accepted("node-a"), timeout=10, message="node-a refused")
    assert connack(coop.url("node-a")).is_failure
    assert only_marker_arrives(coop, "node-b", "orchard/hillside/node-b/status") == [
        ("orchard/hillside/node-b/status", b'{"air_temp_c": -5}'), ("orchard/hillside/node-b/telemetry", b"marker")]


def test_a_reset_password_replaces_the_old_one_at_the_next_sync(coop):
    old = coop.passwords["node-b"]
    new = coop.admin("reset-device-password", "node-b").stdout.split("ORCHARD_MQTT_PASSWORD=")[1].split()[0]
    coop.sync()
    wait_until(lambda: coop.accepted("node-b", new), timeout=10, message="the new password accepted")
    assert not coop.accepted("node-b", old)


def test_the_service_accounts_keep_working_after_syncs(coop):
    before = [line for line in Path(coop.broker.passwd).read_text().splitlines() if line.startswith("orchard-")]
    coop.add_device("node-v", "valley")
    coop.sync()
    after = [line for line in Path(coop.broker.passwd).read_text().splitlines() if line.startswith("orchard-")]
    assert after == before and len(after) == 3
    watcher = Collector(coop.url("orchard-ingest"), "orchard/#")
    try:
        publish(coop.url("orchard-simulator"), "orchard/demo/node-07/telemetry", b'{"air_temp_c": 12}')
        assert watcher.get() == ("orchard/demo/node-07/telemetry", b'{"air_temp_c": 12}')
        publish(coop.url("orchard-streams"), "orchard/valley/node-v/cmd", b"{}")
        assert watcher.get() == ("orchard/valley/node-v/cmd", b"{}")
        publish(coop.url("node-v"), "orchard/valley/node-v/telemetry", b'{"soil_ph": 6.5}')
        assert watcher.get() == ("orchard/valley/node-v/telemetry", b'{"soil_ph": 6.5}')
    finally:
        watcher.close()


def test_a_device_may_publish_frames_only_of_the_cameras_the_registry_gives_it(coop):
    coop.admin("add-farm", "east", "--name", "East")
    coop.admin("add-farm", "demo", "--name", "Demo")
    coop.add_device("node-e1", "east")
    coop.add_device("node-01", "demo")
    coop.admin("add-camera", "cam-e1", "--device", "node-e1")
    coop.admin("add-camera", "cam-01", "--device", "node-01")
    coop.sync()
    wait_until(lambda: coop.accepted("node-e1"), timeout=10, message="node-e1 accepted after the sync")
    # With its own credentials, under its own farm and id, naming the demo farm's camera: refused.
    assert only_marker_arrives(coop, "node-e1", "orchard/east/node-e1/camera/cam-01/jpeg", farm="east") == [
        ("orchard/east/node-e1/telemetry", b"marker")]
    own = "orchard/east/node-e1/camera/cam-e1/jpeg"
    assert only_marker_arrives(coop, "node-e1", own, farm="east") == [
        (own, b'{"air_temp_c": -5}'), ("orchard/east/node-e1/telemetry", b"marker")]
