"""A registry database of each kind for every test: a SQLite file, and a real PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.orm import Session

from orchard.registry.db import make_engine, session_factory
from orchard.registry.migrate import upgrade
from orchard.registry.models import Base

# The PostgreSQL the tests use: a server on this machine, trust auth (see the README's test setup).
POSTGRES = "postgresql://postgres@127.0.0.1:5432"


class Postgres:
    """A reachable PostgreSQL server where tests make databases of their own, all dropped at the end."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.databases: list[str] = []

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(f"{self.base_url}/postgres", autocommit=True, connect_timeout=3)

    def create_database(self) -> str:
        """The URL of a new, empty database."""
        name = f"orchard_test_{uuid.uuid4().hex[:12]}"
        with self.admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return f"{self.base_url}/{name}"

    def drop_all(self) -> None:
        with self.admin() as connection:
            for name in self.databases:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.databases.clear()


def require_postgres(base_url: str) -> Postgres:
    """The server at `base_url`; fail in CI (ORCHARD_REQUIRE_SERVICES=1), else skip, when unreachable."""
    server = Postgres(base_url)
    try:
        server.admin().close()
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL is not reachable at {base_url}: {str(exc).strip().splitlines()[0]}"
        if os.environ.get("ORCHARD_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return server


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    server = require_postgres(POSTGRES)
    try:
        yield server
    finally:
        server.drop_all()


@pytest.fixture(scope="session")
def postgres_registry(postgres: Postgres) -> str:
    """One migrated PostgreSQL registry for the run; each test empties it after itself."""
    url = postgres.create_database()
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite registry that tests copy rather than migrate again."""
    path = tmp_path_factory.mktemp("registry") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """The URL of a migrated, empty registry database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "registry.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_registry")
    yield url
    with psycopg.connect(url, autocommit=True) as connection:
        tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
        connection.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
def session(db_url) -> Iterator[Session]:
    """A session on the test's registry; what a test does not commit is rolled back."""
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as open_session:
            yield open_session
    finally:
        engine.dispose()
