"""`orchard dashboard` / `python -m dashboard`: serve the dashboard until interrupted."""

from __future__ import annotations

import logging

import click
from sqlalchemy.exc import SQLAlchemyError

from orchard.cli import load_settings, setup_logging
from orchard.errors import OrchardError
from orchard.registry.migrate import upgrade
from orchard.web.server import HEADER_TIMEOUT_S, serve

log = logging.getLogger("dashboard")


@click.command("dashboard")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=8083, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--header-timeout", default=HEADER_TIMEOUT_S, show_default=True, type=click.FloatRange(0.1),
              help="Seconds a client may take to send a request's headers before it is disconnected.")
def command(host: str, port: int, header_timeout: float) -> None:
    """Serve the dashboard: farmers' overview, charts, devices, cameras and claims; customers' trees.

    Needs ORCHARD_SECRET_KEY (the same as the API's, so one login serves both); the
    registry is ORCHARD_DB_URL, readings ORCHARD_STORE_URL, and browsers fetch camera
    images from ORCHARD_CAMERAS_URL (default /cameras, the relay behind the same proxy).
    """
    from dashboard.app import create_app

    settings = load_settings()
    setup_logging(settings)
    try:
        app = create_app(settings)  # first: a missing secret is reported before any migration runs
        upgrade(settings.db_url)
    except (OrchardError, SQLAlchemyError) as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None
    log.info("dashboard on http://%s:%s/", host, port)
    serve(app, settings, host, port, header_timeout, log)
