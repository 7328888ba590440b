"""Fixtures for ingester tests: a store of each backend, an ingester, a device agent."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator

import pytest

from devices.agent import Agent
from ingest.service import Ingester
from orchard.spool import Spool
from orchard.store import open_store

BASE_TS = 1_790_000_000_000


class CountingSensor:
    """A sensor whose n-th reading is n, so a test can tell exactly which readings arrived."""

    name = "counter"

    def __init__(self) -> None:
        self.count = 0

    def read(self) -> dict[str, float]:
        self.count += 1
        return {"soil_moisture_pct": float(self.count % 100), "custom_seq": float(self.count)}


def stepping_clock(start: int = BASE_TS, step: int = 1000):
    counter = itertools.count()
    return lambda: start + next(counter) * step


@pytest.fixture(params=["sqlite", "influxdb"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'readings.db'}"
    influxd = request.getfixturevalue("influxd_session")
    return influxd.url(f"t{uuid.uuid4().hex[:12]}")


@pytest.fixture
def start_ingester(broker, tmp_path):
    started: list[Ingester] = []

    def start(store_url: str, **options) -> Ingester:
        ingester = Ingester(broker.url("orchard-ingest"), open_store(store_url), tmp_path / "ingest-spool.db",
                            client_id=f"ingest-{uuid.uuid4().hex[:8]}", batch_ms=50, **options)
        ingester.start()
        started.append(ingester)
        return ingester

    yield start
    for ingester in started:
        ingester.stop()


@pytest.fixture
def device(broker, tmp_path) -> Iterator[Agent]:
    agent = Agent("farm1", "dev-a", [CountingSensor()], Spool(tmp_path / "device-spool.db"),
                  broker.url("dev-a"), clock=stepping_clock())
    yield agent
    agent.stop()
    agent.spool.close()
