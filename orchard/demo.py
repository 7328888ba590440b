"""`orchard demo`: the whole product in one process, on embedded defaults.

An embedded MQTT broker, a registry with a demo cooperative, the ingester (SQLite
store), the camera relay and the management API, and a simulated orchard whose
units publish readings and camera snapshots. Everything lives under ORCHARD_DATA_DIR.
"""

from __future__ import annotations

import logging
import secrets
import signal
import socket
import threading
import time
from pathlib import Path

import click

log = logging.getLogger("orchard.demo")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _secret(data_dir: Path) -> str:
    """ORCHARD_SECRET_KEY for the demo: made once and kept, so tokens survive a restart."""
    path = data_dir / "demo-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


class WebServer:
    """A uvicorn server in a thread of the demo."""

    def __init__(self, app, port: int, name: str) -> None:
        import uvicorn

        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False,
                                lifespan="on", timeout_graceful_shutdown=3)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=name, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not self.server.started:
            raise click.ClickException(f"{self.thread.name} did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _start_dashboard(settings, port: int, streams_port: int) -> WebServer:
    """The dashboard, its browsers fetching camera images straight from the demo's relay (no proxy here)."""
    from dashboard.app import create_app as dashboard_app

    settings = settings.model_copy(update={"cameras_url": f"http://127.0.0.1:{streams_port}/cameras"})
    server = WebServer(dashboard_app(settings), port, "dashboard")
    server.start()
    return server


@click.command("demo")
@click.option("--mqtt-port", default=1884, show_default=True,
              help="Port of the embedded broker (1883 is usually a system Mosquitto's).")
@click.option("--streams-port", default=8081, show_default=True, help="Port of the camera relay.")
@click.option("--api-port", default=8082, show_default=True, help="Port of the management API.")
@click.option("--dashboard-port", default=8083, show_default=True, help="Port of the dashboard.")
@click.option("--devices", default=8, show_default=True, type=click.IntRange(1, 24))
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(0.1),
              help="Seconds between simulated readings.")
@click.option("--camera-idle", default=60.0, show_default=True, type=click.FloatRange(1),
              help="Seconds between camera snapshots while nobody watches.")
@click.option("--backfill-hours", default=24.0, show_default=True, type=click.FloatRange(0),
              help="History to publish at start, so charts have a past.")
@click.option("--duration", default=0.0, type=click.FloatRange(0), help="Stop after this many seconds (0: run until Ctrl-C).")
def command(mqtt_port: int, streams_port: int, api_port: int, dashboard_port: int, devices: int, interval: float,
            camera_idle: float, backfill_hours: float, duration: float) -> None:
    """Run the broker, registry, ingester, camera relay, API and a simulated orchard in one process.

    Everything lives under ORCHARD_DATA_DIR (default ./data). Ctrl-C stops it cleanly.
    """
    from orchard import demo_orchard
    from orchard.auth import mint_camera_token
    from orchard.cli import load_settings, setup_logging
    from orchard.embedded_broker import EmbeddedBroker
    from orchard.registry.db import session_factory
    from orchard.registry.migrate import upgrade
    from orchard.store import open_store
    from api.app import create_app as api_app
    from devices.camera_unit import CameraConfig
    from devices.simulator import Simulator
    from ingest.locations import DeviceLocations
    from ingest.service import Ingester
    from streams.app import create_app as streams_app

    for port, option in ((mqtt_port, "--mqtt-port"), (streams_port, "--streams-port"), (api_port, "--api-port"),
                         (dashboard_port, "--dashboard-port")):
        if not _free(port):
            raise click.UsageError(f"port {port} is taken; choose another with {option}")
    broker = EmbeddedBroker(port=mqtt_port)
    settings = load_settings(mqtt_url=broker.url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.secret_key is None:
        settings = load_settings(mqtt_url=broker.url, secret_key=_secret(settings.data_dir))
    setup_logging(settings)
    secret = settings.secret_key.get_secret_value()

    upgrade(settings.db_url)
    sessions = session_factory(settings.db_url)
    demo_orchard.seed(sessions, devices)

    broker.start()
    ingester = Ingester(broker.url, open_store(settings.store_url), settings.data_dir / "ingest-spool.db",
                        client_id="orchard-demo-ingest", locations=DeviceLocations(sessions, refresh_s=10))
    ingester.start()
    streams = WebServer(streams_app(settings), streams_port, "streams")
    api = WebServer(api_app(settings), api_port, "api")
    streams.start()
    api.start()
    dashboard = _start_dashboard(settings, dashboard_port, streams_port)
    cameras = CameraConfig.from_settings(settings, idle_s=camera_idle)
    simulator = Simulator(broker.url, settings.data_dir, demo_orchard.FARM, devices, interval, camera_config=cameras)
    backlog = simulator.backfill(backfill_hours)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    sim_thread = threading.Thread(target=simulator.run, args=(stop,), name="simulator")
    sim_thread.start()
    token = mint_camera_token(secret, ["*"], 7 * 86400, subject=None)
    relay = f"http://127.0.0.1:{streams_port}"
    click.echo(
        f"\nOrchard Live demo: farm '{demo_orchard.FARM}', {devices} field units with a camera each, "
        f"a reading every {interval:g}s ({backlog} past readings queued).\n"
        f"  watch live   {relay}/cameras/cam-01/stream.mjpg?token={token}\n"
        f"  dashboard    http://127.0.0.1:{dashboard_port}/\n"
        f"  API docs     http://127.0.0.1:{api_port}/api/docs   log in as admin / {demo_orchard.PASSWORDS['admin']},"
        f" farmer / {demo_orchard.PASSWORDS['farmer']}, customer / {demo_orchard.PASSWORDS['customer']}\n"
        f"  readings     ORCHARD_DATA_DIR={settings.data_dir} .venv/bin/orchard readings   (another terminal)\n"
        f"  publish      mosquitto_pub -p {mqtt_port} -t orchard/demo/my-pi/telemetry -m '{{\"air_temp_c\": 21.5}}'\n"
        f"Ctrl-C stops.\n"
    )
    started = time.monotonic()
    while not stop.wait(min(10.0, duration - (time.monotonic() - started)) if duration else 10.0):
        stats = ingester.stats
        log.info("stored %d readings, rejected %d messages, %d spooled",
                 stats.value("orchard_ingest_readings_stored_total"),
                 sum(s.value for s in stats.rejected.collect()[0].samples if s.name.endswith("_total")),
                 len(ingester.spool))
        if duration and time.monotonic() - started >= duration - 0.01:
            stop.set()
    sim_thread.join()
    dashboard.stop()
    api.stop()
    streams.stop()
    ingester.stop()
    broker.stop()
    click.echo("demo stopped; everything stays in " + str(settings.data_dir))
