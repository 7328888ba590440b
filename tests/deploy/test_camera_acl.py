"""Issue 7 item 3 end to end: a real Mosquitto with sync-broker's ACL, the relay behind it, a hostile device."""

from __future__ import annotations

import time

from orchard.mqtt import make_client
from orchard.settings import Settings
from tests.mqtt_helpers import wait_until
from tests.streams.conftest import SECRET, RunningRelay, make_jpeg


def test_a_device_of_farm_east_is_not_served_as_the_demo_farms_camera(coop, tmp_path):
    coop.admin("add-farm", "east", "--name", "East")
    coop.admin("add-farm", "demo", "--name", "Demo")
    coop.add_device("node-e1", "east")
    coop.add_device("node-01", "demo")
    coop.admin("add-camera", "cam-e1", "--device", "node-e1")
    coop.admin("add-camera", "cam-01", "--device", "node-01")
    coop.sync()
    wait_until(lambda: coop.accepted("node-e1"), timeout=10, message="node-e1 accepted after the sync")
    settings = Settings(mqtt_url=coop.url("orchard-streams"), secret_key=SECRET, data_dir=tmp_path / "data",
                        db_url=coop.db_url, _env_file=None)
    relay = RunningRelay(settings).start()
    clients = []
    try:
        def device(name: str):
            client, address = make_client(coop.url(name))
            client.connect(address.host, address.port)
            client.loop_start()
            clients.append(client)
            wait_until(client.is_connected, timeout=10, message=f"{name} connected")
            return client

        real, forged, own = make_jpeg(1), make_jpeg(66), make_jpeg(7)
        device("node-01").publish("orchard/demo/node-01/camera/cam-01/jpeg", real, qos=1).wait_for_publish(10)
        wait_until(lambda: relay.relay.hub.latest("cam-01") is not None, message="cam-01's own frame")
        attacker = device("node-e1")
        attacker.publish("orchard/east/node-e1/camera/cam-01/jpeg", forged, qos=0)
        # Mosquitto 2.0 answers a publish its ACL denies by closing the connection.
        wait_until(lambda: not attacker.is_connected(), timeout=10, message="the broker refused the forged frame")
        device("node-e1").publish("orchard/east/node-e1/camera/cam-e1/jpeg", own, qos=1).wait_for_publish(10)
        wait_until(lambda: relay.relay.hub.latest("cam-e1") is not None, message="node-e1's own camera")
        time.sleep(0.3)
        token = relay.token("cam-01")
        assert relay.get("/cameras/cam-01/latest.jpg", token).content == real
        assert relay.relay.hub.address("cam-01") == ("demo", "node-01")
        assert relay.get("/cameras/cam-e1/latest.jpg", relay.token("cam-e1")).content == own
    finally:
        for client in clients:
            client.disconnect()
            client.loop_stop()
        relay.stop()
