"""The ingester's MQTT client: paho with a buffered socket and acknowledgements sent in bulk.

Only the ingester uses it, because only there was it measured to pay (`bench.ingest`:
the ingester drains a backlog faster than a bare paho subscriber). It relies on internals
of paho 2.2 — `_create_socket()`, `_sock`, `_packet_queue()`, and for MQTT 5 `_in_packet`,
`_handle_publish()` and `_handle_on_message()` — which is why pyproject pins paho to the
minor version tested and `tests/ingest/test_fast_client.py` fails loudly if they change.
"""

from __future__ import annotations

import struct

import paho.mqtt.client as paho


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


class FastClient(paho.Client):
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

    def _handle_publish(self) -> paho.MQTTErrorCode:
        """An MQTT 5 QoS 0/1 PUBLISH without properties (how the broker forwards telemetry) is decoded here.

        paho builds a Properties object for every MQTT 5 message, which costs ten times the rest
        of decoding (`bench.ingest` (e): an MQTT 5 ingester drained half as fast). Such a message
        gets `properties` None, as under MQTT 3.1.1; anything else goes to paho as before.
        """
        header, packet = self._in_packet["command"], self._in_packet["packet"]
        qos = (header & 0x06) >> 1
        if self._protocol != paho.MQTTv5 or qos == 2 or len(packet) < 3:
            return super()._handle_publish()
        (length,) = struct.unpack_from("!H", packet)
        at = 2 + length + (2 if qos else 0)  # where the property length is
        if length == 0 or len(packet) <= at or packet[at] != 0:  # a topic alias, or properties: paho's way
            return super()._handle_publish()
        message = paho.MQTTMessage(struct.unpack_from("!H", packet, 2 + length)[0] if qos else 0,
                                   bytes(packet[2:2 + length]))
        message.dup, message.qos, message.retain = bool(header & 0x08), qos, bool(header & 0x01)
        message.payload = bytes(packet[at + 1:])
        message.timestamp = paho.time_func()
        self._handle_on_message(message)
        if qos == 1 and not self._manual_ack:
            return self._send_puback(message.mid)
        return paho.MQTTErrorCode.MQTT_ERR_SUCCESS

    def ack_many(self, mids: list[int]) -> None:
        """Acknowledge QoS 1 messages (manual_ack mode) with one write instead of one per message."""
        if not mids:
            return
        packet = b"".join(struct.pack("!BBH", paho.PUBACK, 2, mid) for mid in mids)
        # One queued "packet" holding many PUBACKs: paho writes it as it is.
        self._packet_queue(paho.PUBACK, packet, 0, 0)
