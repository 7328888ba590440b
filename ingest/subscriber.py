"""The ingester's MQTT side: a persistent QoS 1 session whose messages are acknowledged on request.

The network callback only queues the message; acknowledgements are sent later, after
the readings are durable, and only for messages of the current connection (after a
reconnect the broker redelivers whatever was not acknowledged).

With a `group`, several ingesters share the telemetry: an MQTT 5 shared subscription
(`$share/<group>/orchard/+/+/telemetry`) gives each message to one member, and each member
keeps its own persistent session (its client id must differ from the others').
"""

from __future__ import annotations

import logging
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ingest.fast_client import FastClient
from ingest.inbox import Inbox
from orchard import topics
from orchard.mqtt import connect, make_client, reason_text

log = logging.getLogger(__name__)

MEMBER_ID_FILE = "ingest-client-id"


@dataclass(slots=True)
class Delivery:
    """A received message and the connection it came on."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    connection: int


def member_id(data_dir: Path) -> str:
    """This group member's client id: made once (from the host name, which differs per replica of
    `docker compose --scale`) and kept in the data dir beside the spool, so a re-created container
    that keeps its volume resumes its session instead of stranding it."""
    path = data_dir / MEMBER_ID_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    host = re.sub(r"[^A-Za-z0-9_.-]", "-", socket.gethostname())[:60] or "host"
    made = f"orchard-ingest-{host}-{secrets.token_hex(3)}"
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(made + "\n")
    return made


def shared(subscription: str, group: str) -> str:
    """The shared-subscription filter through which the members of `group` split `subscription`."""
    return f"$share/{group}/{subscription}"


class Subscriber:
    def __init__(self, mqtt_url: str, client_id: str, inbox: Inbox,
                 subscriptions: tuple[str, ...] = (topics.TELEMETRY_SUBSCRIPTION,),
                 group: str = "", session_expiry_s: int = 7 * 86400, leaving: bool = False) -> None:
        self.inbox = inbox
        self.leaving = leaving  # a member retired for good: unsubscribe, take what its session holds
        self.unsubscribed = threading.Event()
        self.last_message_at = time.monotonic()
        self.subscriptions = tuple(shared(s, group) for s in subscriptions) if group else subscriptions
        # MQTT 3.1.1 without a group, so that any broker will do; a group needs MQTT 5.
        self.session_expiry_s = session_expiry_s if group else None
        self._url, self._client_id = mqtt_url, client_id
        client, self.address = make_client(mqtt_url, client_id, persistent=True, manual_ack=True,
                                           client_class=FastClient, mqtt5=bool(group))
        self.client: FastClient = client  # type: ignore[assignment]
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_unsubscribe = self._on_unsubscribe
        self.connection = 0
        self.connected = False

    def _on_connect(self, client: paho.Client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("broker %s refused the ingester: %s", self.address, reason_text(reason_code))
            return
        self.connection += 1
        self.connected = True
        log.info("connected to %s (session present: %s)", self.address, flags.session_present)
        if self.leaving:
            client.unsubscribe(list(self.subscriptions))
        else:
            client.subscribe([(topic, 1) for topic in self.subscriptions])

    def _on_unsubscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        self.unsubscribed.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if self.connected:
            log.warning("lost the broker %s (%s); reconnecting", self.address, reason_text(reason_code))
        self.connected = False

    def _on_message(self, client, userdata, message: paho.MQTTMessage) -> None:
        try:
            topic = message.topic
        except UnicodeDecodeError:
            topic = repr(message._topic)[:200]  # a topic that is not UTF-8 is dead-lettered as bad_topic
        self.last_message_at = time.monotonic()
        # bytes() of paho's bytes payload is the same object, not a copy
        self.inbox.put(Delivery(topic, bytes(message.payload), message.mid, message.qos, self.connection))

    def ack(self, deliveries: list[Delivery]) -> None:
        """Acknowledge in arrival order; deliveries from an earlier connection will be redelivered."""
        current = self.connection
        self.client.ack_many([d.mid for d in deliveries if d.qos == 1 and d.connection == current])

    def publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1)

    def start(self) -> None:
        connect(self.client, self.address, session_expiry_s=self.session_expiry_s)

    def stop(self, end_session: bool = False) -> None:
        """Disconnect; the broker keeps the session unless `end_session`."""
        self.connected = False
        properties = None
        if end_session and self.session_expiry_s is not None:  # MQTT 5: expiry 0 at disconnect
            properties = Properties(PacketTypes.DISCONNECT)
            properties.SessionExpiryInterval = 0
        self.client.disconnect(properties=properties)
        self.client.loop_stop()
        if end_session and self.session_expiry_s is None:  # MQTT 3.1.1: a clean session replaces it
            clean, address = make_client(self._url, self._client_id)
            clean.connect(address.host, address.port)
            clean.loop_start()
            clean.disconnect()
            clean.loop_stop()
