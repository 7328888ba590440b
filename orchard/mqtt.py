"""MQTT transport: broker URLs and paho clients set up the same way by every service.

This module knows nothing about soil or cameras; callers route what arrives.
"""

from __future__ import annotations

import logging
import ssl
import struct
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from orchard.errors import SettingsError

log = logging.getLogger(__name__)


class BufferedSocket:
    """A socket read 64 KB at a time.

    paho reads each packet's header with one-byte recv() calls and serves one packet
    per select(); on a busy subscription that is several system calls per message.
    `pending()` tells paho's loop that buffered bytes are waiting (as it asks TLS
    sockets), so it keeps reading without waiting in select().
    """

    def __init__(self, sock) -> None:
        self._sock = sock
        self._buffer = b""
        self._pos = 0

    def recv(self, size: int) -> bytes:
        if self._pos >= len(self._buffer):
            data = self._sock.recv(65536)
            if len(data) <= size:
                return data
            self._buffer, self._pos = data, 0
        chunk = self._buffer[self._pos:self._pos + size]
        self._pos += len(chunk)
        return chunk

    def pending(self) -> int:
        inner = getattr(self._sock, "pending", None)
        return len(self._buffer) - self._pos + (inner() if inner else 0)

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


class Client(paho.Client):
    """paho's client with a buffered socket and acknowledgements sent in bulk."""

    # Packets served from the buffer per wake-up; then paho gets to write (acks, pings).
    READ_BURST = 256

    def _create_socket(self):
        return BufferedSocket(super()._create_socket())

    def loop_read(self, max_packets: int = 1) -> paho.MQTTErrorCode:
        """Serve every packet already buffered, not just one per select()."""
        rc = super().loop_read(max_packets)
        for _ in range(self.READ_BURST):
            sock = self._sock
            if rc or not isinstance(sock, BufferedSocket) or not sock.pending():
                break
            rc = super().loop_read(max_packets)
        return rc

    def ack_many(self, mids: list[int]) -> None:
        """Acknowledge QoS 1 messages (manual_ack mode) with one write instead of one per message."""
        if not mids:
            return
        packet = b"".join(struct.pack("!BBH", paho.PUBACK, 2, mid) for mid in mids)
        # One queued "packet" holding many PUBACKs: paho writes it as it is.
        self._packet_queue(paho.PUBACK, packet, 0, 0)


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
) -> tuple[Client, BrokerAddress]:
    """A paho client for the broker at `url`, not yet connected.

    `persistent` keeps the session (subscriptions and queued QoS 1 messages) on the
    broker while the client is away; it needs a fixed `client_id`. MQTT 3.1.1 is used
    so that every broker a cooperative may run (Mosquitto, amqtt, EMQX) works.
    """
    address = BrokerAddress.parse(url)
    if persistent and not client_id:
        raise ValueError("a persistent session needs a fixed client id")
    client = Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=not persistent,
        protocol=paho.MQTTv311,
        manual_ack=manual_ack,
    )
    if address.username:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
    client.reconnect_delay_set(min_delay=1, max_delay=60)
    # paho's own limit on QoS 1 messages in flight; the spool paces the device instead.
    client.max_inflight_messages_set(100)
    client.max_queued_messages_set(0)
    return client, address


def connect(client: paho.Client, address: BrokerAddress, keepalive: int = 30) -> None:
    """Start the network thread and connect in the background; paho reconnects by itself."""
    client.connect_async(address.host, address.port, keepalive=keepalive)
    client.loop_start()


def reason_text(reason_code: object) -> str:
    """A readable reason for a (dis)connect, for logs."""
    return getattr(reason_code, "getName", lambda: str(reason_code))()
