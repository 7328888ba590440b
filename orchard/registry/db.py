"""The registry database: engine and sessions for ORCHARD_DB_URL (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from orchard.errors import Conflict, SettingsError

SQLITE_BUSY_TIMEOUT_MS = 10_000


def database_url(url: str | URL) -> URL:
    """The SQLAlchemy URL for a registry URL: `postgresql://` means psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SettingsError(f"ORCHARD_DB_URL: not a database URL (got {str(url)[:80]!r})") from None
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in ("sqlite", "postgresql+psycopg"):
        return parsed
    raise SettingsError(
        f"ORCHARD_DB_URL must start with sqlite:/// or postgresql:// (got {parsed.drivername}://...)"
    )


def make_engine(url: str | URL, *, foreign_keys: bool = True, **options: Any) -> Engine:
    """An engine for the registry; on SQLite: foreign keys on, WAL, and real transactions."""
    parsed = database_url(url)
    if parsed.drivername != "sqlite":
        return create_engine(parsed, pool_pre_ping=True, **options)
    if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # pysqlite would otherwise BEGIN only before DML, leaving DDL and reads outside transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def session_factory(url_or_engine: str | URL | Engine) -> sessionmaker[Session]:
    """Sessions on the registry; objects stay readable after commit."""
    engine = url_or_engine if isinstance(url_or_engine, Engine) else make_engine(url_or_engine)
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block ends, rolls back if it raises, and closes."""
    session = sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def conflicts() -> Iterator[None]:
    """Turn a constraint the database refused into Conflict, with a reason a person reads and no SQL."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(conflict_reason(exc)) from exc


def conflict_reason(exc: IntegrityError) -> str:
    """A short reason for a refused constraint (PostgreSQL's SQLSTATE, else SQLite's words)."""
    code = getattr(exc.orig, "sqlstate", None)
    text = str(exc.orig).lower()
    if "one customer per tree" in text:  # migration 0006's triggers (orchard.registry.claim_rule)
        return "another customer's active claim holds that tree for some of those dates"
    if code == "23505" or "unique" in text:
        return "that already exists (a duplicate id, username, label, name or order)"
    if code == "23503" or "foreign key" in text:
        return "other records still depend on it (claims, trees, devices), or it names one that does not exist"
    if code == "23514" or "check" in text:
        return "a value breaks a rule of the registry (end after start, coordinates in range)"
    return "the change conflicts with what the registry holds"
