"""orchard/registry/migrate.py: the shipped migrations build the models' schema on an empty database."""

from __future__ import annotations

from importlib.resources import files

import pytest
from sqlalchemy import inspect, text

from orchard.registry.db import make_engine
from orchard.registry.migrate import current_revision, downgrade, schema_diffs, upgrade
from orchard.registry.models import Base

HEAD = "0006"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path) -> str:
    """A database nobody has migrated yet."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/fresh/registry.db"  # the folder does not exist yet either
    return request.getfixturevalue("postgres").create_database()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_builds_every_table_on_an_empty_database(empty_url):
    assert current_revision(empty_url) is None
    upgrade(empty_url)
    assert current_revision(empty_url) == HEAD
    assert tables(empty_url) == {table.name for table in Base.metadata.sorted_tables} | {"alembic_version"}


def test_the_migrated_schema_matches_the_models(empty_url):
    upgrade(empty_url)
    assert schema_diffs(empty_url) == []


def test_the_check_notices_a_schema_that_does_not_match(empty_url):
    upgrade(empty_url)
    downgrade(empty_url, "base")
    diffs = schema_diffs(empty_url)
    assert {diff[1].name for diff in diffs if diff[0] == "add_table"} == set(Base.metadata.tables)


def test_downgrade_to_base_leaves_only_alembic_bookkeeping_and_upgrade_again_works(empty_url):
    upgrade(empty_url)
    downgrade(empty_url, "base")
    assert tables(empty_url) == {"alembic_version"}
    assert current_revision(empty_url) is None
    upgrade(empty_url)
    upgrade(empty_url)  # already at head: nothing to do
    assert current_revision(empty_url) == HEAD


def test_the_migrations_ship_inside_the_package():
    migrations = files("orchard.registry") / "migrations"
    for name in ("env.py", "script.py.mako", "versions/0001_initial.py", "versions/0002_credentials.py"):
        assert (migrations / name).is_file(), name


def test_0002_keeps_users_and_their_ids_and_stores_usernames_in_one_form(empty_url):
    upgrade(empty_url, "0001")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            for name in ("ana", "ｖｉｃｔｉｍ", "Bo "):
                connection.execute(text(
                    "INSERT INTO users (username, display_name, role, active, created_at) "
                    "VALUES (:name, '', 'customer', true, CURRENT_TIMESTAMP)"), {"name": name})
    finally:
        engine.dispose()
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            rows = connection.execute(text(
                "SELECT id, username, credential_generation FROM users ORDER BY id")).all()
            assert [tuple(row) for row in rows] == [(1, "ana", 0), (2, "victim", 0), (3, "bo", 0)]
            connection.execute(text("DELETE FROM users WHERE id = 3"))
            connection.execute(text(
                "INSERT INTO users (username, display_name, role, active, created_at, credential_generation) "
                "VALUES ('new', '', 'customer', true, CURRENT_TIMESTAMP, 0)"))
            assert connection.execute(text("SELECT id FROM users WHERE username = 'new'")).scalar() == 4
    finally:
        engine.dispose()


def test_services_starting_together_each_migrate_a_new_postgresql_registry_once(postgres):
    """Every service migrates at start; compose starts them at once (and --scale starts replicas at once)."""
    import threading
    url = postgres.create_database()
    errors: list[BaseException] = []

    def start() -> None:
        try:
            upgrade(url)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    services = [threading.Thread(target=start) for _ in range(4)]
    for service in services:
        service.start()
    for service in services:
        service.join(120)
    assert errors == []
    assert current_revision(url) == HEAD
    assert schema_diffs(url) == []
