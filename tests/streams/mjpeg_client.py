"""A browser-like MJPEG viewer on a raw socket: de-chunks the HTTP response and splits the parts.

Like a browser it shows a frame once: a part repeating the previous one (the relay
sends a stream's first frame twice, see streams/mjpeg.py) is counted in `repeats`.

A raw socket lets a test stall (never read), shut the connection at any point, and
stop the reading thread at once, which an HTTP library does not.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from dataclasses import dataclass


@dataclass
class Part:
    received_at: float  # time.monotonic()
    headers: dict[str, str]
    body: bytes


def request(port: int, path: str, token: str | None = None, rcvbuf: int | None = None) -> socket.socket:
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before connecting: it sets the window
    sock.connect(("127.0.0.1", port))
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\n{auth}\r\n".encode())
    return sock


class MjpegViewer:
    def __init__(self, port: int, path: str, token: str | None = None, read: bool = True,
                 rcvbuf: int | None = None) -> None:
        self.sock = request(port, path, token, rcvbuf)
        self.parts: queue.Queue[Part] = queue.Queue()
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.error: BaseException | None = None
        self.ended = threading.Event()
        self.repeats = 0
        self._thread = threading.Thread(target=self._read, daemon=True) if read else None
        if self._thread:
            self._thread.start()

    def next(self, timeout: float = 10.0) -> Part:
        return self.parts.get(timeout=timeout)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        if self._thread:
            self._thread.join(timeout=10)

    def _read(self) -> None:
        try:
            stream = self.sock.makefile("rb")
            status_line = stream.readline()
            self.status = int(status_line.split()[1])
            while (line := stream.readline().rstrip(b"\r\n")):
                name, _, value = line.decode().partition(":")
                self.headers[name.strip().lower()] = value.strip()
            boundary = self.headers["content-type"].split("boundary=", 1)[1].encode()
            body = _Dechunked(stream)
            body.until(b"--" + boundary + b"\r\n")
            last_time, last_jpeg = None, None
            while True:
                head = body.until(b"\r\n\r\n")
                headers = {}
                for line in head.decode().split("\r\n")[:-2]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                jpeg = body.exactly(int(headers["content-length"]))
                if headers.get("x-frame-time") == last_time and jpeg == last_jpeg:
                    self.repeats += 1
                else:
                    self.parts.put(Part(time.monotonic(), headers, jpeg))
                last_time, last_jpeg = headers.get("x-frame-time"), jpeg
                body.until(b"\r\n--" + boundary + b"\r\n")
        except (OSError, EOFError, ValueError, IndexError, KeyError) as exc:
            self.error = exc
        finally:
            self.ended.set()


class _Dechunked:
    """The body of a chunked HTTP response, read on demand."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.buffer = bytearray()

    def _more(self) -> None:
        size = int(self.stream.readline().strip() or b"0", 16)
        if size == 0:
            raise EOFError("the response ended")
        data = self.stream.read(size)
        if len(data) < size:
            raise EOFError("connection closed mid-chunk")
        self.stream.readline()
        self.buffer += data

    def until(self, marker: bytes) -> bytes:
        while (at := self.buffer.find(marker)) < 0:
            self._more()
        out = bytes(self.buffer[:at + len(marker)])
        del self.buffer[:at + len(marker)]
        return out

    def exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._more()
        out = bytes(self.buffer[:size])
        del self.buffer[:size]
        return out
