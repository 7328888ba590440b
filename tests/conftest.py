"""Fixtures that start real servers (see tests/services.py) and clean up after them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services import Influxd, Mosquitto


@pytest.fixture
def broker(tmp_path_factory) -> Iterator[Mosquitto]:
    server = Mosquitto(tmp_path_factory.mktemp("mosquitto"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def influxd_session(tmp_path_factory) -> Iterator[Influxd]:
    server = Influxd(tmp_path_factory.mktemp("influxd"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def influxd(tmp_path_factory) -> Iterator[Influxd]:
    """A private influxd, for tests that stop and restart it."""
    server = Influxd(tmp_path_factory.mktemp("influxd"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
