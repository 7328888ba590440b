"""An `orchard admin` runner on a fresh SQLite registry in the test's folder."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.orm import Session

from orchard.admin import group
from orchard.registry.db import make_engine, session_factory

Admin = Callable[..., Result]


def run_admin(db_url: str, *args: object, input: str | None = None, ok: bool = True) -> Result:
    """Run `orchard admin --db-url DB ARGS...`; by default insist that it succeeds."""
    result = CliRunner().invoke(group, ["--db-url", db_url, *map(str, args)], input=input)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path) -> None:
    """No ORCHARD_* settings or .env file of the developer's leak into a test."""
    for key in os.environ:
        if key.startswith("ORCHARD_") and key != "ORCHARD_REQUIRE_SERVICES":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'registry.db'}"


@pytest.fixture
def admin(db_url) -> Admin:
    return lambda *args, **options: run_admin(db_url, *args, **options)


@pytest.fixture
def registry(db_url, admin) -> Iterator[Callable[[], Session]]:
    """Sessions on the registry the commands wrote, to check what they stored."""
    admin("migrate")
    engine = make_engine(db_url)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def hillside(admin) -> None:
    """Farm hillside (Asia/Shanghai) with plot north and trees 17 and 18, and farm valley (UTC)."""
    admin("add-farm", "hillside", "--name", "Hillside Orchard", "--location", "Anji, Zhejiang")
    admin("add-farm", "valley", "--name", "Valley", "--timezone", "UTC")
    admin("add-plot", "hillside", "north")
    admin("add-tree", "hillside", "17", "--plot", "north", "--variety", "Fuji", "--planted", "2019-04-01",
          "--lat", "30.6", "--lon", "119.7")
    admin("add-tree", "hillside", "18")
