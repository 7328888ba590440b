"""Slow-loris on every web service: `orchard api` and `orchard dashboard` drop a connection whose headers lag.

The relay's own case (and its kept-alive request) is tests/streams/test_main.py's.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.services import REPO, free_port, wait_for_port

SECRET = "slow-heads-test-secret-" + "s" * 32


@pytest.mark.parametrize("service, probe", [("api", "/api/openapi.json"), ("dashboard", "/login")])
def test_a_service_drops_connections_that_send_their_headers_too_slowly(tmp_path, service, probe):
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")},
           "ORCHARD_DATA_DIR": str(tmp_path), "ORCHARD_SECRET_KEY": SECRET}
    process = subprocess.Popen([sys.executable, "-m", "orchard.cli", service, "--port", str(port),
                                "--header-timeout", "1"], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=60, process=process)
        silent, dripping = (socket.create_connection(("127.0.0.1", port)) for _ in range(2))
        started = time.monotonic()
        for piece in (b"GET / HTTP/1.1\r\n", b"Host: x\r\n", b"X-A: 1\r\n", b"X-B: 2\r\n", b"X-C: 3\r\n"):
            try:
                dripping.sendall(piece)  # a header line every 0.6 s: never done
            except OSError:
                break
            time.sleep(0.6)
        for sock in (silent, dripping):
            sock.settimeout(10)
            try:
                assert sock.recv(65536) in (b"", b"HTTP/1.1 408 Request Timeout\r\n")
            except ConnectionResetError:
                pass
        assert time.monotonic() - started < 5  # 10 s if nothing cut them off
        assert httpx.get(f"http://127.0.0.1:{port}{probe}").status_code == 200  # others are served as ever
    finally:
        process.terminate()
        process.wait(timeout=30)
