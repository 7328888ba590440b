"""The ingester's fast paho client: the paho internals it relies on, and its bulk acknowledgements on a real broker."""

from __future__ import annotations

import inspect
import socket
import struct
import threading
import time
import uuid

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from devices.agent import Agent
from ingest.fast_client import BufferedSocket, FastClient
from orchard.mqtt import make_client
from orchard.spool import Spool
from tests.mqtt_helpers import wait_until

CHANGED = ("paho {version} changed {what}, which ingest/fast_client.py relies on: adapt it and run "
           "bench.ingest again, or keep paho at the version pinned in pyproject.toml")


def test_the_paho_internals_the_fast_client_relies_on_are_still_there():
    version = paho.__version__ if hasattr(paho, "__version__") else "?"
    client = paho.Client(CallbackAPIVersion.VERSION2)
    create = getattr(paho.Client, "_create_socket", None)
    assert callable(create) and list(inspect.signature(create).parameters) == ["self"], \
        CHANGED.format(version=version, what="Client._create_socket()")
    assert hasattr(client, "_sock") and client._sock is None, CHANGED.format(version=version, what="Client._sock")
    queue = getattr(paho.Client, "_packet_queue", None)
    assert callable(queue) and list(inspect.signature(queue).parameters)[:5] == \
        ["self", "command", "packet", "mid", "qos"], CHANGED.format(version=version, what="Client._packet_queue()")
    assert list(inspect.signature(paho.Client.loop_read).parameters) == ["self", "max_packets"], \
        CHANGED.format(version=version, what="Client.loop_read()")
    source = inspect.getsource(paho.Client._loop)
    assert "pending()" in source, CHANGED.format(version=version, what="how _loop asks a socket for pending bytes")
    assert paho.PUBACK == 0x40
    assert list(inspect.signature(paho.Client._handle_publish).parameters) == ["self"], \
        CHANGED.format(version=version, what="Client._handle_publish()")
    assert list(inspect.signature(paho.Client._handle_on_message).parameters) == ["self", "message"], \
        CHANGED.format(version=version, what="Client._handle_on_message()")
    assert {"command", "packet"} <= set(client._in_packet) and client._manual_ack is False, \
        CHANGED.format(version=version, what="Client._in_packet or _manual_ack")
    assert callable(paho.time_func), CHANGED.format(version=version, what="time_func")


def publish_packet(topic: bytes, payload: bytes, qos: int, mid: int = 0, properties: bytes = b"\x00",
                   dup: bool = False, retain: bool = False) -> tuple[int, bytes]:
    """An MQTT 5 PUBLISH as it arrives: its first header byte and the rest after the remaining length."""
    header = 0x30 | (0x08 if dup else 0) | qos << 1 | (0x01 if retain else 0)
    body = struct.pack("!H", len(topic)) + topic + (struct.pack("!H", mid) if qos else b"") + properties + payload
    return header, body


@pytest.mark.parametrize("packet", [
    publish_packet(b"orchard/farm1/dev-a/telemetry", b'{"air_temp_c": 20}', qos=1, mid=7),
    publish_packet(b"orchard/farm1/dev-a/telemetry", b"", qos=1, mid=65535, dup=True),
    publish_packet(b"orchard/farm1/dev-a/telemetry", b"\x00\xff", qos=0, retain=True),
    publish_packet(b"orchard/x", b"with properties", qos=1, mid=3, properties=b"\x02\x01\x01"),  # format indicator
    publish_packet(b"", b"alias", qos=1, mid=4, properties=b"\x03\x23\x00\x01"),  # a topic alias
])
def test_mqtt5_messages_decode_as_paho_decodes_them(packet):
    def received(client_class) -> paho.MQTTMessage:
        client = client_class(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5, manual_ack=True)
        got: list[paho.MQTTMessage] = []
        client.on_message = lambda c, u, m: got.append(m)
        client._in_packet["command"], client._in_packet["packet"] = packet
        assert client._handle_publish() == paho.MQTTErrorCode.MQTT_ERR_SUCCESS
        return got[0]

    fast, stock = received(FastClient), received(paho.Client)
    assert (fast.topic, fast.payload, fast.mid, fast.qos, fast.dup, fast.retain) == \
        (stock.topic, stock.payload, stock.mid, stock.qos, stock.dup, stock.retain)
    if stock.properties is not None and stock.properties.json():
        assert fast.properties is not None and fast.properties.json() == stock.properties.json()


def test_only_the_ingester_uses_the_fast_client(broker, tmp_path):
    from ingest.inbox import Inbox
    from ingest.subscriber import Subscriber

    subscriber = Subscriber(broker.url("orchard-ingest"), "fast-check", Inbox())
    agent = Agent("farm1", "dev-a", [], Spool(tmp_path / "s.db"), broker.url("dev-a"))
    assert type(subscriber.client) is FastClient
    assert type(agent.client) is paho.Client


def test_bulk_acknowledgements_are_taken_by_a_real_broker(broker):
    """1,000 messages acknowledged with ack_many are not delivered again after a reconnect."""
    client_id = f"fast-{uuid.uuid4().hex[:6]}"
    topic = "orchard/farm1/dev-a/telemetry"
    mids: list[int] = []
    subscribed = threading.Event()

    def receiver():
        client, address = make_client(broker.url("orchard-ingest"), client_id, persistent=True, manual_ack=True,
                                      client_class=FastClient)
        client.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, qos=1)
        client.on_subscribe = lambda *a: subscribed.set()
        client.on_message = lambda c, u, m: mids.append(m.mid)
        client.connect(address.host, address.port)
        client.loop_start()
        return client

    client = receiver()
    assert subscribed.wait(10)
    sender, address = make_client(broker.url("dev-a"))
    sender.connect(address.host, address.port)
    sender.loop_start()
    infos = [sender.publish(topic, b'{"air_temp_c": %d}' % (n % 40), qos=1) for n in range(1000)]
    for info in infos:
        info.wait_for_publish(10)
    sender.disconnect()
    sender.loop_stop()
    wait_until(lambda: len(mids) == 1000, message="1000 messages received")
    client.ack_many(list(mids))
    wait_until(lambda: not client._out_packet, message="acknowledgements written")
    client.disconnect()
    client.loop_stop()

    mids.clear()
    subscribed.clear()
    client = receiver()
    try:
        assert subscribed.wait(10)
        time.sleep(1.0)  # time for a redelivery to arrive, if the broker kept anything
        assert mids == [], f"{len(mids)} messages delivered again: the broker did not take the bulk acknowledgements"
    finally:
        client.disconnect()
        client.loop_stop()


def test_buffered_socket_serves_small_reads_from_one_recv():
    left, right = socket.socketpair()
    try:
        right.sendall(b"\x30\x05hello\x40")
        buffered = BufferedSocket(left)
        assert buffered.recv(1) == b"\x30"
        assert buffered.pending() == 7
        assert buffered.recv(1) == b"\x05"
        assert buffered.recv(5) == b"hello"
        assert buffered.recv(10) == b"\x40"   # a short read, as a socket may give
        assert buffered.pending() == 0
        left.setblocking(False)
        with pytest.raises(BlockingIOError):
            buffered.recv(1)
        right.close()
        assert buffered.recv(1) == b""        # end of stream still reads as b""
        assert buffered.fileno() == left.fileno()
    finally:
        left.close()
