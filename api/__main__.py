"""`orchard api` / `python -m api`: serve the management API until interrupted."""

from __future__ import annotations

import logging

import click
from sqlalchemy.exc import SQLAlchemyError

from api.app import create_app
from orchard.cli import load_settings, setup_logging
from orchard.errors import OrchardError
from orchard.registry.migrate import upgrade
from orchard.web.server import HEADER_TIMEOUT_S, serve

log = logging.getLogger("api")


@click.command("api")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=8082, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--header-timeout", default=HEADER_TIMEOUT_S, show_default=True, type=click.FloatRange(0.1),
              help="Seconds a client may take to send a request's headers before it is disconnected.")
def command(host: str, port: int, header_timeout: float) -> None:
    """Serve the management API under /api (docs at /api/docs): farms, trees, devices, cameras, people, claims.

    Needs ORCHARD_SECRET_KEY (it signs sessions and camera tokens); the registry is
    ORCHARD_DB_URL, migrated to the current schema at start; readings come from
    ORCHARD_STORE_URL; the shop's order webhook works once ORCHARD_SHOP_SECRET is set.
    """
    settings = load_settings()
    setup_logging(settings)
    try:
        app = create_app(settings)  # first: a missing secret is reported before any migration runs
        upgrade(settings.db_url)
    except (OrchardError, SQLAlchemyError) as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None
    log.info("management API on http://%s:%s/api (docs at /api/docs)", host, port)
    serve(app, settings, host, port, header_timeout, log)


if __name__ == "__main__":
    command()
