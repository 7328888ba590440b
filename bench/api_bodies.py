"""API memory under a huge body: peak RSS while a client sends 400 MB to the shop webhook.

The API runs as `python -m api` under uvicorn; its idle RSS (after a few ordinary requests,
so every module is loaded) is the baseline of the same run. Each case pushes up to 400 MB
at the webhook over a raw socket until the API answers and closes; a thread samples the
API's RSS every 5 ms meanwhile. Target (issue 7): peak under idle + 50 MB.

  (a) Content-Length: 400 MB, no signature      - refused on the header (413)
  (b) chunked, signed headers, fresh timestamp  - read until the 16 KB cap, then 413
  (c) Content-Length: 400 MB to a JSON route     - refused on the header (413)
  (d) Content-Length: 8 MB to a JSON route       - read and dropped, then 413 (so a proxy passes it on)

Run: python -m bench.api_bodies [--megabytes 400]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

from tests.services import free_port, wait_for_port

SECRET = "bench-secret-" + "x" * 40
SHOP_SECRET = "bench-shop-secret-" + "y" * 20
TARGET_MB = 50


class PeakRss:
    """The highest RSS of a process, sampled in a thread until stopped."""

    def __init__(self, pid: int, every_s: float = 0.005) -> None:
        self.process = psutil.Process(pid)
        self.every_s = every_s
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.every_s)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        time.sleep(0.2)  # memory freed late still counts
        self._stop.set()
        self._thread.join()


def push(port: int, path: str, headers: dict[str, str], total: int, chunked: bool) -> tuple[int, int]:
    """Send up to `total` body bytes until the server answers; (status, bytes the socket took)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", *(f"{k}: {v}" for k, v in headers.items())]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    block = b"x" * (1024 * 1024)
    piece = memoryview((b"%x\r\n" % len(block)) + block + b"\r\n" if chunked else block)
    sent, offset, answer = 0, 0, b""
    sock.setblocking(False)
    try:
        while sent < total and not answer:
            try:
                answer = sock.recv(65536)
            except BlockingIOError:
                pass
            try:
                taken = sock.send(piece[offset:])
            except BlockingIOError:
                time.sleep(0.001)
                continue
            offset = (offset + taken) % len(piece)  # whole chunks, however the socket splits them
            sent += taken
    except (BrokenPipeError, ConnectionResetError):
        pass
    sock.setblocking(True)
    try:
        while b"\r\n" not in answer:
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    status = int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0
    return status, sent


def signed_headers() -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(SHOP_SECRET.encode(), stamp.encode() + b".", hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Orchard-Signature": f"sha256={digest}",
            "X-Orchard-Timestamp": stamp}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=400)
    args = parser.parse_args()
    total = args.megabytes * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        port = free_port()
        env = {**os.environ, "ORCHARD_DATA_DIR": tmp, "ORCHARD_DB_URL": f"sqlite:///{Path(tmp) / 'registry.db'}",
               "ORCHARD_STORE_URL": f"sqlite:///{Path(tmp) / 'readings.db'}", "ORCHARD_SECRET_KEY": SECRET,
               "ORCHARD_SHOP_SECRET": SHOP_SECRET, "ORCHARD_LOG_LEVEL": "WARNING"}
        api = subprocess.Popen([sys.executable, "-m", "api", "--port", str(port)], env=env)
        try:
            wait_for_port(port, timeout=60)
            url = f"http://127.0.0.1:{port}"
            for _ in range(20):  # load every module an answer needs before taking the baseline
                httpx.get(f"{url}/api/docs")
                httpx.get(f"{url}/api/me")
                httpx.post(f"{url}/api/claims/orders", content=b"{}", headers=signed_headers())
            time.sleep(0.5)
            idle = psutil.Process(api.pid).memory_info().rss
            print(f"API idle RSS: {idle / 2**20:.1f} MB (baseline, same run)")
            json_headers = {"Content-Type": "application/json"}
            cases = [
                ("(a) webhook, Content-Length, unsigned", "/api/claims/orders", json_headers, False, total),
                ("(b) webhook, chunked, signed headers", "/api/claims/orders", signed_headers(), True, total),
                ("(c) JSON route, Content-Length", "/api/trees", json_headers, False, total),
                ("(d) JSON route, Content-Length, drained", "/api/trees", json_headers, False, 8 * 1024 * 1024),
            ]
            worst = 0.0
            for name, path, headers, chunked, size in cases:
                with PeakRss(api.pid) as peak:
                    status, sent = push(port, path, headers, size, chunked)
                added = (peak.peak - idle) / 2**20
                worst = max(worst, added)
                print(f"{name}: HTTP {status} after {sent / 2**20:.1f} of {size / 2**20:.0f} MB offered; "
                      f"peak RSS {peak.peak / 2**20:.1f} MB = idle + {added:.1f} MB "
                      f"(x{peak.peak / idle:.2f} of idle)")
            verdict = "meets" if worst < TARGET_MB else "MISSES"
            print(f"worst: idle + {worst:.1f} MB; target idle + {TARGET_MB} MB: {verdict}")
        finally:
            api.terminate()
            api.wait(timeout=30)


if __name__ == "__main__":
    main()
