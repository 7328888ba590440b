"""deploy/caddy/Caddyfile on a real Caddy (Debian's `caddy`): one origin routes to each service, with HSTS
and a body cap.

The file is run as is but for its site address (plain HTTP on a free loopback port, so no
certificate is fetched) and its upstreams (free loopback ports instead of compose's host
names). Behind it: the real API, and two stand-ins that say which service was reached,
for the relay and the dashboard (each has its own tests).
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.api.conftest import api  # noqa: F401  (fixture: the real API)
from tests.deploy.test_compose import CADDYFILE
from tests.orchard.registry.conftest import sqlite_template  # noqa: F401  (fixture the API's needs)
from tests.services import free_port, require, wait_for_port


def stand_in(name: str) -> ThreadingHTTPServer:
    """An HTTP server answering `<name> <path>`, on a free loopback port."""

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f"{name} {self.path}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def proxy(request, tmp_path) -> Iterator[str]:
    caddy = require("caddy")
    server = request.getfixturevalue("api")
    streams, dashboard = stand_in("streams"), stand_in("dashboard")
    port = free_port()
    text = CADDYFILE.read_text()
    for original, local in (("{$SITE_ADDRESS:localhost}", f"http://127.0.0.1:{port}"),
                            ("api:8082", f"127.0.0.1:{server.port}"),
                            ("streams:8081", f"127.0.0.1:{streams.server_port}"),
                            ("dashboard:8083", f"127.0.0.1:{dashboard.server_port}")):
        assert original in text, original
        text = text.replace(original, local)
    config = tmp_path / "Caddyfile"
    config.write_text("{\n\tadmin off\n\tstorage file_system " + str(tmp_path / "data") + "\n}\n" + text)
    process = subprocess.Popen([caddy, "run", "--config", str(config), "--adapter", "caddyfile"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")})
    try:
        wait_for_port(port, timeout=30, process=process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        streams.shutdown()
        dashboard.shutdown()


def test_each_path_reaches_its_service_on_one_origin(proxy):
    me = httpx.get(f"{proxy}/api/me")
    assert me.status_code == 401 and me.json()["detail"]  # the real API's answer
    assert httpx.get(f"{proxy}/api/docs").status_code == 200
    assert httpx.get(f"{proxy}/cameras/cam-17/latest.jpg").text == "streams /cameras/cam-17/latest.jpg"
    assert httpx.get(f"{proxy}/cameras").text == "streams /cameras"
    assert httpx.get(f"{proxy}/").text == "dashboard /"
    assert httpx.get(f"{proxy}/farm/hill").text == "dashboard /farm/hill"
    assert httpx.get(f"{proxy}/apiary").text == "dashboard /apiary"  # a prefix, not any path starting "api"


def test_the_proxy_sends_hsts_and_hides_its_name(proxy):
    for path in ("/api/me", "/cameras/x", "/"):
        response = httpx.get(f"{proxy}{path}")
        assert response.headers["strict-transport-security"].startswith("max-age=31536000"), path
        assert "server" not in response.headers or "caddy" not in response.headers["server"].lower(), path


def test_the_proxy_refuses_a_declared_body_over_7_mb_itself(proxy, request):
    admin = request.getfixturevalue("api").client("admin")
    cookie = admin.cookies.get("orchard_session")
    response = httpx.post(f"{proxy}/api/trees/import", content=b"x" * (7 * 1024 * 1024),
                          headers={"Content-Type": "text/csv"}, cookies={"orchard_session": cookie})
    assert response.status_code == 413, response.text
    assert response.text == "the request body is larger than the API accepts"  # Caddy's words: the API never saw it


def test_the_proxy_refuses_a_megabyte_for_the_dashboard_itself(proxy):
    response = httpx.post(f"{proxy}/_dash-update-component", content=b"x" * (1024 * 1024),
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 413, response.text
    assert response.text == "the request body is larger than the dashboard accepts"  # the dashboard never saw it


def test_caddy_accepts_the_file_as_shipped(tmp_path):
    checked = subprocess.run([require("caddy"), "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
                             capture_output=True, text=True, timeout=60, env={"HOME": str(tmp_path)})
    assert checked.returncode == 0, checked.stderr[-2000:]


@pytest.mark.parametrize("megabytes", [1, 3, 6])
def test_a_body_over_the_apis_cap_is_its_413_through_the_proxy_never_a_502(proxy, request, megabytes):
    # The API refuses on the declared length; Caddy must still get (and pass on) that answer.
    cookie = request.getfixturevalue("api").client("admin").cookies.get("orchard_session")
    for _ in range(5):
        response = httpx.post(f"{proxy}/api/trees", content=b" " * (megabytes * 1024 * 1024),
                              headers={"Content-Type": "application/json"}, cookies={"orchard_session": cookie})
        assert response.status_code == 413, response.text
        assert "64 KB" in response.json()["detail"]
