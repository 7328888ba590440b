"""`orchard streams` / `python -m streams`: run the camera relay until interrupted."""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Callable, Iterator

import click
import uvicorn

from orchard.auth.setup import proxy_options
from orchard.cli import load_settings, setup_logging
from orchard.errors import OrchardError
from streams.app import create_app
from streams.service import Relay

log = logging.getLogger("streams")


class RelayServer(uvicorn.Server):
    """uvicorn, but a stop signal first ends the open MJPEG streams (they would hold shutdown up)."""

    def __init__(self, config: uvicorn.Config, on_stop: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_stop = on_stop

    def handle_exit(self, sig: int, frame) -> None:
        self._on_stop()
        super().handle_exit(sig, frame)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn re-raises the signal after its shutdown; a clean stop should exit with status 0.
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


@click.command("streams")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface).")
@click.option("--port", default=8081, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on (default 8081).")
def command(host: str, port: int) -> None:
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
    config = uvicorn.Config(create_app(settings, relay=relay), host=host, port=port, log_config=None,
                            access_log=False, timeout_graceful_shutdown=5, lifespan="on", **proxy_options(settings))
    RelayServer(config, on_stop=relay.close_streams_threadsafe).run()
    log.info("camera relay stopped")


if __name__ == "__main__":
    command()
