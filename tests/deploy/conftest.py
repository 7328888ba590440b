"""A cooperative provisioned with `orchard admin` on a real Mosquitto that reads the files sync-broker writes."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from dataclasses import dataclass

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
    """Farms hillside and valley; node-a (camera cam-1) and node-b on hillside, synced into a running broker."""
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
        coop.admin("add-camera", "cam-1", "--device", "node-a")
        assert not coop.accepted("node-a"), "a device is let in before sync-broker"
        coop.sync()
        wait_until(lambda: coop.accepted("node-a"), timeout=10, message="node-a accepted after the sync")
        yield coop
    finally:
        broker.stop()


def only_marker_arrives(coop: Cooperative, device: str, topic: str, farm: str = "hillside") -> list:
    """Publish on `topic` as `device`, then a marker on its own telemetry; return what the ingester got."""
    watcher = Collector(coop.url("orchard-ingest"), "orchard/#")
    try:
        publish(coop.url(device), topic, b'{"air_temp_c": -5}')
        publish(coop.url(device), f"orchard/{farm}/{device}/telemetry", b"marker")
        # The broker delivers in order: once the marker arrives, the forged message would have too.
        return watcher.drain()
    finally:
        watcher.close()
