"""A TCP relay that can cut the link silently: nothing is closed, no RST, bytes just stop.

While the link is cut, bytes wait, as TCP segments do while they are retransmitted.
After `restore`, a connection's held bytes go through at its next retransmission on
Linux's schedule (200 ms, doubling, counted from its first held byte), so a
connection may sit silent a while after the link is back, as a real one does.
"""

from __future__ import annotations

import socket
import threading
import time

from tests.services import free_port

RTO_S = 0.2
MAX_RTO_S = 120.0


def next_retransmission(held_since: float, restored_at: float, rto_s: float = RTO_S) -> float:
    """When a segment first held at `held_since` is next retransmitted, at or after `restored_at`."""
    at, step = held_since, rto_s
    while at < restored_at:
        at += step
        step = min(step * 2, MAX_RTO_S)
    return at


class Relay:
    def __init__(self, target_port: int, host: str = "127.0.0.1") -> None:
        self.target = (host, target_port)
        self.port = free_port()
        self._listener = socket.create_server((host, self.port))
        self._up = threading.Event()
        self._up.set()
        self._restored_at = 0.0
        self._sockets: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, name="relay-accept", daemon=True).start()

    def cut(self) -> None:
        self._up.clear()

    def restore(self) -> None:
        self._restored_at = time.monotonic()
        self._up.set()

    def close(self) -> None:
        self._closed = True
        self._up.set()
        for sock in [self._listener, *self._sockets]:
            try:
                sock.close()
            except OSError:
                pass

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                continue
            self._sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not self._up.is_set():  # a FIN waits too: the other side learns nothing while cut
                    held_since = time.monotonic()
                    self._up.wait()
                    delay = next_retransmission(held_since, self._restored_at) - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
