"""`orchard device` under systemd (Type=notify, WatchdogSec=): ready once started, the watchdog fed by the
sampling loop, and starved when a sensor read hangs, so that systemd restarts the agent."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

HANG = textwrap.dedent("""
    import time
    import devices.sensors.ds18b20 as ds

    def hang(self):
        time.sleep(3600)   # an I2C/1-Wire bus that never answers

    for cls in vars(ds).values():
        if isinstance(cls, type) and hasattr(cls, "read") and cls.__module__ == ds.__name__:
            cls.read = hang
""")
RUN = "from devices.__main__ import device_command\ndevice_command([])\n"


@pytest.fixture
def systemd_socket(tmp_path):
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    yield sock, path
    sock.close()


def start_agent(broker, tmp_path, notify_path, *, hang: bool) -> subprocess.Popen:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")},
           "ORCHARD_MQTT_URL": broker.url("dev-a"), "ORCHARD_DATA_DIR": str(tmp_path),
           "ORCHARD_FARM": "farm1", "ORCHARD_DEVICE": "dev-a", "ORCHARD_SENSORS": "ds18b20=soil_temp_c",
           "ORCHARD_INTERVAL_S": "1", "NOTIFY_SOCKET": str(notify_path), "WATCHDOG_USEC": "1000000"}
    script = (HANG if hang else "") + RUN
    return subprocess.Popen([sys.executable, "-c", script], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for(sock: socket.socket, wanted: str, count: int = 1, timeout: float = 60) -> list[str]:
    """What the agent says until it has said `wanted` `count` times (a slow start on a busy machine is fine)."""
    found, deadline = [], time.monotonic() + timeout
    while sum(m.startswith(wanted) for m in found) < count:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            found.append(sock.recv(4096).decode())
        except TimeoutError:
            raise AssertionError(f"the agent never said {wanted!r} {count} times; it said {found}") from None
    return found


def messages(sock: socket.socket, seconds: float) -> list[str]:
    found, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            found.append(sock.recv(4096).decode())
        except TimeoutError:
            break
    return found


def test_the_agent_says_ready_feeds_the_watchdog_and_says_stopping(broker, tmp_path, systemd_socket):
    sock, path = systemd_socket
    agent = start_agent(broker, tmp_path, path, hang=False)
    try:
        said = wait_for(sock, "READY=1")
        assert said[0].startswith("READY=1"), said
        wait_for(sock, "WATCHDOG=1", count=4)  # fed as the sampling loop turns
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(30) == 0, agent.stderr.read() if agent.stderr else ""
        assert "STOPPING=1" in messages(sock, 1)
    finally:
        agent.kill()
        agent.wait()


def test_a_hung_sensor_read_starves_the_watchdog(broker, tmp_path, systemd_socket):
    sock, path = systemd_socket
    agent = start_agent(broker, tmp_path, path, hang=True)
    try:
        assert wait_for(sock, "READY=1")[0].startswith("READY=1")
        said = messages(sock, 6)
        # Sampling is due at once and never returns: after READY, no more than the first turn's feed.
        assert said.count("WATCHDOG=1") <= 1, said
        assert agent.poll() is None  # still "running": only the watchdog can tell systemd it is stuck
    finally:
        agent.kill()
        agent.wait()
