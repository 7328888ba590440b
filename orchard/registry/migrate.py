"""Bring a registry database to the current schema with the migrations shipped in this package.

No alembic.ini: the Alembic configuration is built here, pointing into the installed package.
Developers add a revision with `python -m orchard.registry.migrate revision "what changed"`.
"""

from __future__ import annotations

import argparse
import logging
from importlib.resources import files
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from orchard.errors import OrchardError
from orchard.registry.db import make_engine
from orchard.registry.models import Base

log = logging.getLogger(__name__)

MIGRATION_LOCK = 0x0_7C4A_2D  # any constant of ours: the PostgreSQL advisory lock key migrations take


def alembic_config(db_url: str) -> Config:
    """An Alembic Config for `db_url`, built in code."""
    config = Config()
    config.set_main_option("script_location", str(files("orchard.registry") / "migrations"))
    # Kept out of the ini options: configparser would read the % of an escaped password as interpolation.
    config.attributes["db_url"] = db_url
    return config


def _run(db_url: str, action: Any, *args: Any) -> None:
    # SQLite: foreign keys off while migrating, or batch mode's copy-and-drop of a table would
    # cascade deletes into its children; checked once at the end instead.
    engine = make_engine(db_url, foreign_keys=False)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Several services (and replicas) start at once and each migrates first: one at a time,
                # the others wait and then find nothing to do. Released when the transaction ends.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            config = alembic_config(db_url)
            config.attributes["connection"] = connection
            action(config, *args)
            if connection.dialect.name == "sqlite":
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise OrchardError(f"the migration left rows pointing at nothing: {broken[:5]}")
    finally:
        engine.dispose()


def upgrade(db_url: str, revision: str = "head") -> None:
    """Migrate the database at `db_url` (sqlite:///path or postgresql://...) up to `revision`."""
    _run(db_url, command.upgrade, revision)
    log.info("registry database at revision %s", current_revision(db_url))


def downgrade(db_url: str, revision: str) -> None:
    """Migrate the database down to `revision` ("base" drops every table)."""
    _run(db_url, command.downgrade, revision)


def current_revision(db_url: str) -> str | None:
    """The revision the database is at; None if it was never migrated."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def schema_diffs(db_url: str) -> list[Any]:
    """What differs between the models and the migrated schema (empty when they match)."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return compare_metadata(_context(connection), Base.metadata)
    finally:
        engine.dispose()


def _context(connection: Connection) -> MigrationContext:
    return MigrationContext.configure(connection, opts={"compare_type": True})


def make_revision(db_url: str, message: str) -> None:
    """Autogenerate a new revision from the models against a database at the current head."""
    command.revision(alembic_config(db_url), message=message, autogenerate=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m orchard.registry.migrate", description=__doc__)
    parser.add_argument("action", choices=["upgrade", "revision", "check"])
    parser.add_argument("message", nargs="?", default="", help="what a new revision changes")
    parser.add_argument("--db-url", help="the registry database (default: ORCHARD_DB_URL)")
    args = parser.parse_args(argv)
    if args.db_url is None:
        from orchard.settings import Settings

        args.db_url = Settings.load().db_url
    if args.action == "upgrade":
        upgrade(args.db_url)
    elif args.action == "revision":
        make_revision(args.db_url, args.message or "change")
    else:
        diffs = schema_diffs(args.db_url)
        print("\n".join(map(str, diffs)) or "the schema matches the models")
        raise SystemExit(1 if diffs else 0)


if __name__ == "__main__":
    main()
