"""Devices provisioned with `orchard admin` on a real Mosquitto: sync-broker decides who may publish where."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchard.mqtt import make_client
from tests.mqtt_helpers import Collector, publish, wait_until
from tests.orchard.admin.conftest import run_admin
from tests.services import BROKER_USERS, Mosquitto

SERVICES = {name: BROKER_USERS[name] for name in ("orchard-ingest", "orchard-streams", "orchard-simulator")}


def connack(url: str):
    """The broker's answer to a connection with these credentials."""
    client, address = make_client(url)
    answers: queue.Queue = queue.Queue()
    client.on_connect = lambda c, u, f, rc, p: answers.put(rc)
    client.connect(address.host, address.port)
    client.loop_start()
    try:
        return answers.get(timeout=10)
    finally:
        client.disconnect()
        client.loop_stop()


@dataclass
class Cooperative:
    """A registry, a broker reading the files sync-broker writes, and the devices' passwords."""

    broker: Mosquitto
    db_url: str
    passwords: dict[str, str]

    def admin(self, *args: object, **options):
        return run_admin(self.db_url, *args, **options)

    def sync(self) -> None:
        pid_file = self.broker.workdir / "mosquitto.pid"
        pid_file.write_text(f"{self.broker.process.pid}\n")
        result = self.admin("sync-broker", "--passwd", self.broker.passwd, "--acl", self.broker.acl,
                            "--reload-pid", pid_file)
        assert "told to reload" in result.output

    def add_device(self, device: str, farm: str) -> None:
        out = self.admin("add-device", device, "--farm", farm, "--broker-url", f"mqtt://127.0.0.1:{self.broker.port}")
        self.passwords[device] = out.stdout.split("ORCHARD_MQTT_PASSWORD=")[1].split()[0]

    def url(self, user: str, password: str | None = None) -> str:
        secret = password or self.passwords.get(user) or self.broker.users[user]
        return f"mqtt://{user}:{secret}@127.0.0.1:{self.broker.port}"

    def accepted(self, user: str, password: str | None = None) -> bool:
        return not connack(self.url(user, password)).is_failure


@pytest.fixture
def coop(tmp_path) -> Iterator[Cooperative]:
    """Farms hillside and valley; node-a and node-b on hillside, provisioned and synced into a running broker."""
    workdir = tmp_path / "broker"
    workdir.mkdir()
    broker = Mosquitto(workdir, users=SERVICES, acl=workdir / "acl")
    coop = Cooperative(broker, f"sqlite:///{tmp_path / 'registry.db'}", {})
    # The broker's first start: the services' accounts, and rules from an empty registry.
    coop.admin("sync-broker", "--passwd", broker.passwd, "--acl", broker.acl)
    broker.start()
    try:
        coop.admin("add-farm", "hillside", "--name", "Hillside")
        coop.admin("add-farm", "valley", "--name", "Valley")
        coop.add_device("node-a", "hillside")
        coop.add_device("node-b", "hillside")
        assert not coop.accepted("node-a"), "a device is let in before sync-broker"
        coop.sync()
        wait_until(lambda: coop.accepted("node-a"), timeout=10, message="node-a accepted after the sync")
        yield coop
    finally:
        broker.stop()


def only_marker_arrives(coop: Cooperative, device: str, topic: str) -> list:
    """Publish on `topic` as `device`, then a marker on its own telemetry; return what the ingester got."""
    watcher = Collector(coop.url("orchard-ingest"), "orchard/#")
    try:
        publish(coop.url(device), topic, b'{"air_temp_c": -5}')
        publish(coop.url(device), f"orchard/hillside/{device}/telemetry", b"marker")
        # The broker delivers in order: once the marker arrives, the forged message would have too.
        return watcher.drain()
    finally:
        watcher.close()


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
