"""`python -m streams` and `orchard streams` as an operator runs them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from orchard.auth import mint_camera_token
from tests.mqtt_helpers import publish, wait_until
from tests.services import free_port, wait_for_port
from tests.streams.conftest import CAMERA, CAMERAS, DEVICE, FARM, SECRET, Camera, make_jpeg, make_registry
from tests.streams.mjpeg_client import MjpegViewer, request

ORCHARD = os.path.join(os.path.dirname(sys.executable), "orchard")


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")}
    return {**env, **extra}


def test_help_names_the_default_address():
    out = subprocess.run([ORCHARD, "streams", "--help"], capture_output=True, text=True, check=True).stdout
    assert "--host" in out and "--port" in out and "127.0.0.1:8081" in out


@pytest.mark.parametrize("secret", [None, "too-short"])
def test_a_missing_or_short_secret_stops_start_up_with_one_line(tmp_path, secret):
    env = environment(ORCHARD_DATA_DIR=str(tmp_path))
    if secret:
        env["ORCHARD_SECRET_KEY"] = secret
    result = subprocess.run([ORCHARD, "streams", "--port", str(free_port())], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ORCHARD_SECRET_KEY" in lines[0], result.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_it_serves_then_stops_cleanly_on_a_signal_even_with_a_viewer_watching(broker, tmp_path, sig):
    port = free_port()
    db_url = f"sqlite:///{tmp_path / 'registry.db'}"
    make_registry(db_url, CAMERAS)
    env = environment(ORCHARD_MQTT_URL=broker.url("orchard-streams"), ORCHARD_SECRET_KEY=SECRET,
                      ORCHARD_DATA_DIR=str(tmp_path / "data"), ORCHARD_DB_URL=db_url)
    log = open(tmp_path / "streams.log", "w+")
    process = subprocess.Popen([sys.executable, "-m", "streams", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    viewer = None
    try:
        wait_for_port(port, timeout=30, process=process)
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: httpx.get(f"{url}/healthz").json()["mqtt_connected"], message="relay connected")
        jpeg = make_jpeg(1)
        publish(broker.url("orchard-simulator"), f"orchard/{FARM}/{DEVICE}/camera/{CAMERA}/jpeg", jpeg)
        token = mint_camera_token(SECRET, [CAMERA], 600)
        wait_until(lambda: httpx.get(f"{url}/cameras/{CAMERA}/latest.jpg",
                                     headers={"Authorization": f"Bearer {token}"}).content == jpeg,
                   message="frame served")
        viewer = MjpegViewer(port, f"/cameras/{CAMERA}/stream.mjpg", token)
        assert viewer.next().body == jpeg

        stopping = time.monotonic()
        process.send_signal(sig)
        assert process.wait(timeout=20) == 0
        # Structural, not a speed figure: an open stream used to hold shutdown until uvicorn's
        # graceful timeout (5 s) forced it.
        assert time.monotonic() - stopping < 4.5
        assert viewer.ended.wait(5)
    finally:
        if viewer is not None:
            viewer.close()
        if process.poll() is None:
            process.kill()
            process.wait()
        log.seek(0)
        output = log.read()
        log.close()
    assert "camera relay stopped" in output
    assert "Traceback" not in output and "ERROR" not in output, output


def test_slow_clients_are_cut_off_while_sending_their_request_head(broker, tmp_path):
    """Slow-loris: connections that never finish their headers must not be held forever."""
    port = free_port()
    db_url = f"sqlite:///{tmp_path / 'registry.db'}"
    make_registry(db_url, CAMERAS)
    env = environment(ORCHARD_MQTT_URL=broker.url("orchard-streams"), ORCHARD_SECRET_KEY=SECRET,
                      ORCHARD_DATA_DIR=str(tmp_path / "data"), ORCHARD_DB_URL=db_url)
    process = subprocess.Popen([sys.executable, "-m", "streams", "--port", str(port), "--header-timeout", "1"],
                               env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=30, process=process)
        silent, partial, keeper = (socket.create_connection(("127.0.0.1", port)) for _ in range(3))
        partial.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        keeper.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while not answer.endswith(b"}"):  # the whole JSON answer, however the segments fall
            answer += keeper.recv(65536)
        assert b"200 OK" in answer
        keeper.sendall(b"GET /heal")  # the next request on a kept-alive connection starts, then stalls
        for sock in (silent, partial, keeper):
            sock.settimeout(10)
            try:
                assert sock.recv(65536) in (b"", b"HTTP/1.1 408 Request Timeout\r\n")
            except ConnectionResetError:
                pass
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200  # others are served as ever
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_ctrl_c_with_a_live_stream_and_a_stalled_phone_stops_before_the_graceful_timeout_quietly(broker, tmp_path):
    """Issue 8 item 13: a camera streaming live, one viewer reading it and one that stopped reading."""
    port = free_port()
    db_url = f"sqlite:///{tmp_path / 'registry.db'}"
    make_registry(db_url, CAMERAS)
    env = environment(ORCHARD_MQTT_URL=broker.url("orchard-streams"), ORCHARD_SECRET_KEY=SECRET,
                      ORCHARD_DATA_DIR=str(tmp_path / "data"), ORCHARD_DB_URL=db_url)
    log = open(tmp_path / "streams.log", "w+")
    process = subprocess.Popen([sys.executable, "-m", "streams", "--port", str(port)],
                               env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    camera = Camera(broker.url("orchard-simulator"))
    viewer = stalled = None
    try:
        wait_for_port(port, timeout=30, process=process)
        wait_until(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz").json()["mqtt_connected"],
                   message="relay connected")
        frames = [make_jpeg(n, 640, 480, noise=True, quality=95) for n in range(8)]
        camera.publish(frames[0])
        token = mint_camera_token(SECRET, [CAMERA], 600)
        viewer = MjpegViewer(port, f"/cameras/{CAMERA}/stream.mjpg", token)
        viewer.next()
        stalled = request(port, f"/cameras/{CAMERA}/stream.mjpg", token, rcvbuf=4096)
        for jpeg in frames[1:]:  # live: the stalled phone's buffers fill, its send blocks
            camera.publish(jpeg)
        time.sleep(0.5)
        stopping = time.monotonic()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        took = time.monotonic() - stopping
    finally:
        camera.close()
        for closing in (viewer, stalled):
            if closing is not None:
                closing.close()
        if process.poll() is None:
            process.kill()
            process.wait()
        log.seek(0)
        output = log.read()
        log.close()
    assert "Traceback" not in output and "ERROR" not in output and "CancelledError" not in output, output
    assert took < 4.5, (took, output)  # before uvicorn's 5 s graceful timeout, which it used to wait out


def test_a_port_already_taken_stops_start_up_with_a_failure(broker, tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    env = environment(ORCHARD_MQTT_URL=broker.url("orchard-streams"), ORCHARD_SECRET_KEY=SECRET,
                      ORCHARD_DATA_DIR=str(tmp_path / "data"))
    try:
        result = subprocess.run([sys.executable, "-m", "streams", "--port", str(taken.getsockname()[1])],
                                env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    finally:
        taken.close()
    assert result.returncode != 0
    assert "address already in use" in result.stderr.lower()
