"""The repo's Mosquitto config on a real broker: who may publish where."""

import pytest

from orchard.mqtt import make_client
from tests.mqtt_helpers import Collector, publish, wait_until


def test_a_device_publishes_under_its_own_topic(broker):
    watcher = Collector(broker.url("orchard-ingest"), "orchard/#")
    try:
        publish(broker.url("dev-a"), "orchard/farm1/dev-a/telemetry", b'{"air_temp_c": 20}')
        assert watcher.get() == ("orchard/farm1/dev-a/telemetry", b'{"air_temp_c": 20}')
    finally:
        watcher.close()


@pytest.mark.parametrize("topic", [
    "orchard/farm1/dev-b/telemetry",      # another device's readings
    "orchard/farm1/dev-b/status",         # another device's availability
    "orchard/farm1/alerts",               # alerts are the ingester's
    "orchard/deadletter",
    "orchard/farm1/dev-b/cmd",            # commands come from the services
])
def test_device_a_cannot_publish_for_anyone_else(broker, topic):
    watcher = Collector(broker.url("orchard-ingest"), "orchard/#")
    try:
        publish(broker.url("dev-a"), topic, b'{"air_temp_c": -5}')
        publish(broker.url("dev-a"), "orchard/farm1/dev-a/telemetry", b"marker")
        # The broker delivers in order: once the marker arrives, the forged message would have too.
        assert watcher.drain() == [("orchard/farm1/dev-a/telemetry", b"marker")]
    finally:
        watcher.close()


def test_a_device_cannot_read_other_devices_telemetry(broker):
    snoop = Collector(broker.url("dev-a"), "orchard/+/dev-b/telemetry")
    try:
        publish(broker.url("dev-b"), "orchard/farm1/dev-b/telemetry", b'{"air_temp_c": 20}')
        assert snoop.drain() == []
    finally:
        snoop.close()


@pytest.mark.parametrize("password", ["wrong", None])
def test_wrong_or_missing_credentials_are_refused(broker, password):
    client, address = make_client(f"mqtt://127.0.0.1:{broker.port}")
    if password:
        client.username_pw_set("dev-a", password)
    result = {}
    client.on_connect = lambda c, u, f, rc, p: result.setdefault("rc", rc)
    client.connect(address.host, address.port)
    client.loop_start()
    try:
        rc = wait_until(lambda: result.get("rc"), message="CONNACK")
        assert rc.is_failure
    finally:
        client.loop_stop()


def test_the_dashboard_account_reads_devices_status_and_nothing_else(broker):
    dashboard = Collector(broker.url("orchard-dashboard"), "orchard/#")
    watcher = Collector(broker.url("orchard-ingest"), "orchard/#")
    try:
        publish(broker.url("dev-a"), "orchard/farm1/dev-a/telemetry", b'{"air_temp_c": 20}')
        publish(broker.url("dev-a"), "orchard/farm1/dev-a/status", b'{"state": "online"}')
        assert dashboard.get() == ("orchard/farm1/dev-a/status", b'{"state": "online"}')
        publish(broker.url("orchard-dashboard"), "orchard/farm1/dev-a/cmd", b'{"camera": "cam-a", "mode": "live"}')
        publish(broker.url("dev-a"), "orchard/farm1/dev-a/telemetry", b"marker")
        assert dashboard.drain() == []  # no readings; and its forged command never reached the broker's others
        assert ("orchard/farm1/dev-a/cmd", b'{"camera": "cam-a", "mode": "live"}') not in watcher.drain()
    finally:
        dashboard.close()
        watcher.close()
