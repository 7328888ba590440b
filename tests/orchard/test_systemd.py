"""orchard/systemd.py: the notify protocol spoken to a real unix datagram socket, as systemd listens."""

from __future__ import annotations

import socket

import pytest

from orchard.systemd import Notifier


@pytest.fixture
def listener(tmp_path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    sock.settimeout(2)
    yield sock
    sock.close()


def received(sock: socket.socket) -> list[str]:
    found = []
    sock.settimeout(0.2)
    try:
        while True:
            found.append(sock.recv(4096).decode())
    except TimeoutError:
        return found


def test_ready_then_the_watchdog_at_half_its_interval_then_stopping(listener, tmp_path):
    now = [100.0]
    notifier = Notifier(str(tmp_path / "notify"), watchdog_s=10, clock=lambda: now[0])
    notifier.ready("2 sensor(s)")
    assert received(listener) == ["READY=1\nSTATUS=2 sensor(s)"]
    for step in range(12):  # 12 turns of a loop, 1 s apart: fed at 5 s and 10 s
        now[0] = 100.0 + step + 1
        notifier.alive()
    assert received(listener) == ["WATCHDOG=1", "WATCHDOG=1"]
    notifier.stopping()
    assert received(listener) == ["STOPPING=1"]


def test_outside_systemd_nothing_is_sent_and_nothing_breaks():
    notifier = Notifier.from_environ({})
    assert not notifier.enabled
    notifier.ready()
    notifier.alive()
    notifier.stopping()


def test_the_watchdog_interval_comes_from_systemd_and_only_for_this_process(tmp_path):
    import os
    ours = Notifier.from_environ({"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000",
                                  "WATCHDOG_PID": str(os.getpid())})
    assert ours.watchdog_s == 30
    parents = Notifier.from_environ({"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"})
    assert parents.watchdog_s is None


def test_an_abstract_socket_name_is_spelled_with_a_nul_byte():
    assert Notifier("@orchard/notify").address == "\0orchard/notify"


def test_a_socket_that_went_away_is_reported_once_and_the_service_goes_on(tmp_path, caplog):
    notifier = Notifier(str(tmp_path / "gone"), watchdog_s=0.001)
    for _ in range(5):
        notifier.alive()
    assert sum("cannot tell systemd" in r.message for r in caplog.records) == 1
