"""The ingester's MQTT client: paho with a buffered socket and acknowledgements sent in bulk.

Only the ingester uses it, because only there was it measured to pay (`bench.ingest`:
the ingester drains a backlog faster than a bare paho subscriber). It relies on three
internals of paho 2.2 — `_create_socket()`, `_sock` and `_packet_queue()` — which is
why pyproject pins paho to the minor version tested and
`tests/ingest/test_fast_client.py` fails loudly if they change.
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

    def ack_many(self, mids: list[int]) -> None:
        """Acknowledge QoS 1 messages (manual_ack mode) with one write instead of one per message."""
        if not mids:
            return
        packet = b"".join(struct.pack("!BBH", paho.PUBACK, 2, mid) for mid in mids)
        # One queued "packet" holding many PUBACKs: paho writes it as it is.
        self._packet_queue(paho.PUBACK, packet, 0, 0)
