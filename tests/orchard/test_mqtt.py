import socket

import pytest

from orchard.errors import SettingsError
from orchard.mqtt import BrokerAddress, BufferedSocket


def test_broker_url_with_credentials_and_tls():
    address = BrokerAddress.parse("mqtts://node%2F7:p%40ss@coop.example")
    assert (address.host, address.port, address.username, address.password, address.tls) == (
        "coop.example", 8883, "node/7", "p@ss", True)
    assert "p@ss" not in str(address)


def test_bad_broker_url_names_the_setting():
    with pytest.raises(SettingsError, match="ORCHARD_MQTT_URL"):
        BrokerAddress.parse("tcp://broker:1883")


def test_buffered_socket_serves_small_reads_from_one_recv():
    left, right = socket.socketpair()
    try:
        right.sendall(b"\x30\x05hello\x40")
        buffered = BufferedSocket(left)
        assert buffered.recv(1) == b"\x30"
        assert buffered.pending() == 7
        assert buffered.recv(1) == b"\x05"
        assert buffered.recv(5) == b"hello"
        assert buffered.recv(10) == b"\x40"   # a short read, as a socket may give
        assert buffered.pending() == 0
        left.setblocking(False)
        with pytest.raises(BlockingIOError):
            buffered.recv(1)
        right.close()
        assert buffered.recv(1) == b""        # end of stream still reads as b""
        assert buffered.fileno() == left.fileno()
    finally:
        left.close()
