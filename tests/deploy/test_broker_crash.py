"""A power cut of the broker while the ingester is away loses at most the last CRASH_WINDOW_S of readings.

Mosquitto keeps the ingester's queued messages in memory and saves them every
`autosave_interval`; what it acknowledged since the last save dies with it. The README
states this window; this test holds the repo's configuration to it.
"""

from __future__ import annotations

import signal
import time
import uuid

import orjson

from orchard.mqtt import make_client
from tests.mqtt_helpers import Collector, wait_until

CRASH_WINDOW_S = 3.0  # as the README states it
TOPIC = "orchard/farm1/dev-a/telemetry"


def leave_a_session(broker, client_id: str) -> None:
    """Subscribe with a persistent session and go away, as an ingester that stopped."""
    client, address = make_client(broker.url("orchard-ingest"), client_id, persistent=True)
    done: list[bool] = []
    client.on_connect = lambda c, u, f, rc, p: c.subscribe(TOPIC, qos=1)
    client.on_subscribe = lambda *a: done.append(True)
    client.connect(address.host, address.port)
    client.loop_start()
    wait_until(lambda: done, message="subscribed")
    client.disconnect()
    client.loop_stop()


def publish_acknowledged(broker, numbers: range) -> None:
    """QoS 1, each acknowledged by the broker: from here on the device has forgotten them."""
    client, address = make_client(broker.url("dev-a"))
    client.connect(address.host, address.port)
    client.loop_start()
    infos = [client.publish(TOPIC, orjson.dumps({"custom_seq": n}), qos=1) for n in numbers]
    for info in infos:
        info.wait_for_publish(10)
        assert info.is_published()
    client.disconnect()
    client.loop_stop()


def surviving(broker, client_id: str) -> set[int]:
    session = Collector(broker.url("orchard-ingest"), TOPIC, client_id=client_id, persistent=True)
    try:
        return {orjson.loads(payload)["custom_seq"] for _, payload in session.drain(quiet_s=1.0)}
    finally:
        session.close()


def test_readings_acknowledged_before_the_window_survive_a_broker_power_cut(broker):
    client_id = f"ingest-{uuid.uuid4().hex[:6]}"
    leave_a_session(broker, client_id)
    publish_acknowledged(broker, range(0, 100))
    time.sleep(CRASH_WINDOW_S + 0.5)
    publish_acknowledged(broker, range(100, 200))  # within the window: these may be lost
    broker.stop(signal.SIGKILL)
    broker.start()
    kept = surviving(broker, client_id)
    assert set(range(0, 100)) <= kept, f"lost {100 - len(kept & set(range(100)))} readings older than the window"
