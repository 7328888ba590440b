"""Alembic's entry point: migrate the connection (or URL) orchard.registry.migrate hands over."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from orchard.registry.db import database_url, make_engine
from orchard.registry.models import Base, UTCDateTime

config = context.config


def render_item(kind: str, obj: Any, autogen: AutogenContext) -> str | Literal[False]:
    """Write UTCDateTime as a plain timestamptz, so migrations never import the models."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure(dialect: str, **options: Any) -> None:
    context.configure(
        target_metadata=Base.metadata,
        compare_type=True,
        render_item=render_item,
        # SQLite alters a table by copying it; batch mode writes later migrations that way.
        render_as_batch=dialect == "sqlite",
        **options,
    )


def run() -> None:
    if context.is_offline_mode():
        url = database_url(config.attributes["db_url"])
        configure(url.get_backend_name(), url=url, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        configure(connection.dialect.name, connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.attributes["db_url"], foreign_keys=False)
    try:
        with engine.begin() as connection:
            configure(connection.dialect.name, connection=connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run()
