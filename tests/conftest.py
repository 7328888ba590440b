"""Fixtures that start real servers (see tests/services.py) and clean up after them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services import Influxd, Mosquitto, Server


def running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def broker(tmp_path_factory) -> Iterator[Mosquitto]:
    """Mosquitto with the repo's config and ACL, for one test."""
    yield from running(Mosquitto(tmp_path_factory.mktemp("mosquitto")))


@pytest.fixture(scope="session")
def influxd_session(tmp_path_factory) -> Iterator[Influxd]:
    """One influxd for the whole run; tests use databases of their own."""
    yield from running(Influxd(tmp_path_factory.mktemp("influxd")))


@pytest.fixture
def influxd(tmp_path_factory) -> Iterator[Influxd]:
    """A private influxd, for tests that stop and restart it."""
    yield from running(Influxd(tmp_path_factory.mktemp("influxd")))
