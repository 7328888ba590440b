"""MQTT transport: broker URLs and paho clients set up the same way by every service.

This module knows nothing about soil or cameras; callers route what arrives. Clients
are stock paho (the ingester alone swaps in its measured `ingest.fast_client`).
"""

from __future__ import annotations

import logging
import random
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from orchard.errors import SettingsError

log = logging.getLogger(__name__)

# Reconnect waits (seconds) are drawn afresh before every attempt, so that thousands of units
# cut off together (a broker restart, a village's uplink) do not come back in the same second.
RECONNECT_FIRST_S = (0.5, 4.0)
RECONNECT_CAP_S = (4.0, 10.0)


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise SettingsError(f"ORCHARD_MQTT_URL: expected mqtt://host:port, got {url!r}")
        tls = parts.scheme == "mqtts"
        return cls(
            host=parts.hostname,
            port=parts.port or (8883 if tls else 1883),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
        )

    def __str__(self) -> str:
        user = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"


def make_client(
    url: str,
    client_id: str = "",
    *,
    persistent: bool = False,
    manual_ack: bool = False,
    client_class: type[paho.Client] = paho.Client,
    mqtt5: bool = False,
) -> tuple[paho.Client, BrokerAddress]:
    """A paho client for the broker at `url`, not yet connected.

    `persistent` keeps the session (subscriptions and queued QoS 1 messages) on the
    broker while the client is away; it needs a fixed `client_id`. MQTT 3.1.1 is used
    so that every broker a cooperative may run (Mosquitto, amqtt, EMQX) works, unless
    `mqtt5` asks for MQTT 5 (shared subscriptions); connect it with `connect(...,
    session_expiry_s=...)`, since MQTT 5 says at connect time whether the session is kept.
    """
    address = BrokerAddress.parse(url)
    if persistent and not client_id:
        raise ValueError("a persistent session needs a fixed client id")
    client = client_class(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=None if mqtt5 else not persistent,
        protocol=paho.MQTTv5 if mqtt5 else paho.MQTTv311,
        manual_ack=manual_ack,
    )
    if address.username:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
    jitter_reconnects(client)
    # paho's own limit on QoS 1 messages in flight; the spool paces the device instead.
    client.max_inflight_messages_set(100)
    client.max_queued_messages_set(0)
    return client, address


def jitter_reconnects(client: paho.Client) -> None:
    """Short, capped reconnect waits with jitter: paho doubles the wait after each failed attempt up
    to the cap, and both are drawn again before every attempt (paho itself has no jitter)."""
    def draw(*_: object) -> None:
        client.reconnect_delay_set(min_delay=random.uniform(*RECONNECT_FIRST_S),  # type: ignore[arg-type]
                                   max_delay=random.uniform(*RECONNECT_CAP_S))  # type: ignore[arg-type]

    draw()
    client.on_pre_connect = draw


def connect(client: paho.Client, address: BrokerAddress, keepalive: int = 30,
            session_expiry_s: int | None = None) -> None:
    """Start the network thread and connect in the background; paho reconnects by itself.

    `session_expiry_s` (MQTT 5 clients only) resumes the broker's session on every connect
    and asks it to keep the session that long after a disconnect.
    """
    if session_expiry_s is None:
        client.connect_async(address.host, address.port, keepalive=keepalive)
    else:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = session_expiry_s
        client.connect_async(address.host, address.port, keepalive=keepalive, clean_start=False,
                             properties=properties)
    client.loop_start()


def reason_text(reason_code: object) -> str:
    """A readable reason for a (dis)connect, for logs."""
    return getattr(reason_code, "getName", lambda: str(reason_code))()
