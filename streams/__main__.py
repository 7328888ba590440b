"""`orchard streams` / `python -m streams`: run the camera relay until interrupted."""

from __future__ import annotations

import logging
import os
import sys

import click

from orchard.auth.setup import proxy_options
from orchard.cli import load_settings, setup_logging
from orchard.errors import OrchardError
from streams.app import create_app
from streams.server import HEADER_TIMEOUT_S, RelayServer, server_config
from streams.service import Relay

log = logging.getLogger("streams")


@click.command("streams")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface).")
@click.option("--port", default=8081, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on (default 8081).")
@click.option("--header-timeout", default=HEADER_TIMEOUT_S, show_default=True, type=click.FloatRange(0.1),
              help="Seconds a client may take to send a request's headers before it is disconnected.")
def command(host: str, port: int, header_timeout: float) -> None:
    """Relay camera snapshots from MQTT to browsers: latest JPEG, live MJPEG, archive and timelapses.

    Needs ORCHARD_SECRET_KEY (it checks camera tokens) and ORCHARD_MQTT_URL; keeps
    snapshots under ORCHARD_DATA_DIR/snapshots. Listens on 127.0.0.1:8081 by default.
    """
    settings = load_settings()
    setup_logging(settings)
    try:
        relay = Relay(settings)
    except OrchardError as exc:
        raise click.ClickException(str(exc)) from None
    config = server_config(create_app(settings, relay=relay), host, port, header_timeout, **proxy_options(settings))
    server = RelayServer(config, on_stop=relay.close_streams_threadsafe)
    server.run()
    if not server.started:
        raise SystemExit(1)  # uvicorn said why (the port is taken, ...)
    log.info("camera relay stopped")
    # All is stopped and flushed; the interpreter's own teardown (FastAPI, SQLAlchemy, OpenCV...) would
    # take another second or more on a small machine, and a Ctrl-C should be done within two.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    command()
