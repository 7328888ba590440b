"""orchard/registry/db.py: URLs, SQLite's settings, sessions, and UTC times on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from orchard.errors import SettingsError
from orchard.registry.db import database_url, make_engine, session_factory, session_scope
from orchard.registry.models import Farm
from orchard.registry.orchards import create_farm, get_farm

SHANGHAI = timezone(timedelta(hours=8))


@pytest.mark.parametrize(("given", "driver"), [
    ("postgresql://u:p%40ss@db:5432/orchard", "postgresql+psycopg"),
    ("postgres://u@db/orchard", "postgresql+psycopg"),
    ("postgresql+psycopg://u@db/orchard", "postgresql+psycopg"),
    ("sqlite:///data/registry.db", "sqlite"),
])
def test_registry_urls_use_psycopg_3_for_postgresql(given, driver):
    assert database_url(given).drivername == driver


def test_an_escaped_password_survives():
    assert database_url("postgresql://orchard:p%40ss%25@db/orchard").password == "p@ss%"


@pytest.mark.parametrize("given", ["mysql://u@db/orchard", "not a url", "postgresql+psycopg2://u@db/x"])
def test_other_urls_are_refused_naming_the_variable(given):
    with pytest.raises(SettingsError, match="ORCHARD_DB_URL"):
        database_url(given)


def test_sqlite_enforces_foreign_keys_and_uses_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/new/registry.db")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()


def test_session_scope_commits_on_success_and_rolls_back_on_error(db_url):
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    with session_scope(sessions) as session:
        create_farm(session, "kept", "Kept")
    with pytest.raises(RuntimeError), session_scope(sessions) as session:
        create_farm(session, "lost", "Lost")
        raise RuntimeError("the webhook failed half-way")
    with session_scope(sessions) as session:
        assert get_farm(session, "kept") is not None
        assert get_farm(session, "lost") is None
    engine.dispose()


def test_ddl_on_sqlite_is_transactional(tmp_path):
    # pysqlite alone would commit the CREATE TABLE; a failed migration must leave nothing behind.
    engine = make_engine(f"sqlite:///{tmp_path}/registry.db")
    try:
        with pytest.raises(RuntimeError), engine.begin() as connection:
            connection.execute(text("CREATE TABLE half_done (x INTEGER)"))
            raise RuntimeError("migration failed")
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() == 0
    finally:
        engine.dispose()


def test_times_come_back_timezone_aware_in_utc(session):
    created = datetime(2025, 3, 1, 8, 30, 15, 123456, tzinfo=SHANGHAI)
    session.add(Farm(id="f1", name="F1", created_at=created))
    session.commit()
    session.expire_all()
    stored = session.get(Farm, "f1").created_at
    assert stored == created
    assert stored.tzinfo == UTC
    assert stored.hour == 0


def test_naive_times_are_refused(session):
    session.add(Farm(id="f1", name="F1", created_at=datetime(2025, 3, 1, 8, 30)))
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()
