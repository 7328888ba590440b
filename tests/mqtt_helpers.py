"""Small real-broker clients for tests: collect what arrives on a topic, publish and wait."""

from __future__ import annotations

import queue
import time

import paho.mqtt.client as paho

from orchard.mqtt import make_client


class Collector:
    """A subscriber that collects (topic, payload) pairs from a real broker."""

    def __init__(self, url: str, topic: str, client_id: str = "", persistent: bool = False) -> None:
        self.messages: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.client, address = make_client(url, client_id, persistent=persistent)
        subscribed: queue.Queue[list] = queue.Queue()
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, qos=1)
        self.client.on_subscribe = lambda c, u, mid, rcs, p: subscribed.put(rcs)
        self.client.on_message = lambda c, u, m: self.messages.put((m.topic, bytes(m.payload)))
        self.client.connect(address.host, address.port)
        self.client.loop_start()
        codes = subscribed.get(timeout=10)
        assert not codes[0].is_failure, f"subscription to {topic} refused: {codes[0]}"

    def get(self, timeout: float = 10.0) -> tuple[str, bytes]:
        return self.messages.get(timeout=timeout)

    def drain(self, quiet_s: float = 0.5) -> list[tuple[str, bytes]]:
        out = []
        while True:
            try:
                out.append(self.messages.get(timeout=quiet_s))
            except queue.Empty:
                return out

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def publish(url: str, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> paho.MQTTMessageInfo:
    """Connect, publish one message, wait for the broker's acknowledgement, disconnect."""
    client, address = make_client(url)
    client.connect(address.host, address.port)
    client.loop_start()
    try:
        info = client.publish(topic, payload, qos=qos, retain=retain)
        info.wait_for_publish(10)
        return info
    finally:
        client.disconnect()
        client.loop_stop()


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
