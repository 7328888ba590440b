"""Alerts fixtures: a migrated registry with one farm, a store of each backend, a clock the test moves."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from orchard.registry.orchards import create_camera, create_device, create_farm, create_plot, create_tree
from orchard.store import TimeSeriesStore, open_store

START = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)


class Clock:
    """A wall clock a test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("alerts-registry") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def registry_url(registry_template, tmp_path) -> str:
    """A migrated registry: farm1 with plot "north", tree 1 in it carrying dev-a (camera cam-a), and dev-b."""
    path = tmp_path / "registry.db"
    shutil.copyfile(registry_template, path)
    url = f"sqlite:///{path}"
    with session_factory(url)() as session:
        create_farm(session, "farm1", "Hillside")
        plot = create_plot(session, "farm1", "north")
        tree = create_tree(session, "farm1", "A1", plot_id=plot.id)
        create_device(session, "dev-a", "farm1", tree_id=tree.id)
        create_device(session, "dev-b", "farm1", plot_id=plot.id)
        create_camera(session, "cam-a", "dev-a", [tree.id])
        session.commit()
    return url


@pytest.fixture
def sessions(registry_url) -> sessionmaker[Session]:
    return session_factory(registry_url)


@pytest.fixture(params=["sqlite", "influxdb"])
def store_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'readings.db'}"
        return
    influxd = request.getfixturevalue("influxd_session")
    database = f"alerts_{uuid.uuid4().hex[:12]}"
    yield influxd.url(database)
    httpx.post(f"http://127.0.0.1:{influxd.port}/query", data={"q": f'DROP DATABASE "{database}"'})


@pytest.fixture
def store(store_url) -> Iterator[TimeSeriesStore]:
    with open_store(store_url) as opened:
        yield opened


@pytest.fixture
def clock() -> Clock:
    return Clock()
