"""`orchard demo`: the whole product on one machine, on embedded defaults.

Mosquitto (a child process, with the repo's production configuration), a registry with
a demo cooperative, the ingester (SQLite store), the alerts service, the camera relay and the management API,
and a simulated orchard whose units publish readings and camera snapshots. Everything
lives under ORCHARD_DATA_DIR.
"""

from __future__ import annotations

import logging
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from orchard import demo_orchard, demo_picking, demo_share
from orchard.demo_broker import OPERATOR

log = logging.getLogger("orchard.demo")


def demo_secret_path(data_dir: Path) -> Path:
    """Where the demo keeps the secret key it made (`orchard camera-token` looks there too)."""
    return data_dir / "demo-secret-key"


def _free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _secret(data_dir: Path) -> str:
    """ORCHARD_SECRET_KEY for the demo: made once and kept, so tokens survive a restart."""
    path = demo_secret_path(data_dir)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


class WebServer:
    """A uvicorn server in a thread of the demo."""

    def __init__(self, app: Any, port: int, name: str, on_stop: Callable[[], None] | None = None) -> None:
        """`on_stop` runs before the server stops: it ends what would hold shutdown up (open streams)."""
        import uvicorn

        from orchard.web.server import protocol

        # No proxy in front of the demo: X-Forwarded-For must not pick a client's address (login throttle).
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False,
                                lifespan="on", timeout_graceful_shutdown=3, proxy_headers=False,
                                http=protocol())  # slow-loris: heads must arrive in time, as in production
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=name, daemon=True)
        self.on_stop = on_stop

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not self.server.started:
            raise click.ClickException(f"{self.thread.name} did not start")

    def stop(self) -> None:
        if self.on_stop is not None:
            self.on_stop()
        self.server.should_exit = True
        self.thread.join(timeout=10)


def banner(*, devices: int, interval: float, backlog: int, data_dir: Path, mqtt_port: int,
           ports: dict[str, int], token: str, operator_password: str, links: dict[str, str] | None = None) -> str:
    """What the demo prints at start: every command in it works as printed, with its credentials."""
    people = ", ".join(f"{name} / {password}" for name, password in demo_orchard.PASSWORDS.items())
    pub = (f"mosquitto_pub -p {mqtt_port} -u {demo_orchard.MY_PI} -P {demo_orchard.MY_PI_PASSWORD} "
           f"-t orchard/{demo_orchard.FARM}/{demo_orchard.MY_PI}/telemetry")
    shared = "".join(f"  {label:<12} http://127.0.0.1:{ports['dashboard']}{(links or {})[key]}\n"
                     for key, label in (("share", "share link"), ("invite", "invitation")) if key in (links or {}))
    return (
        f"\nOrchard Live demo: farm '{demo_orchard.FARM}', {devices} field units with a camera each, "
        f"a reading every {interval:g}s ({backlog} past readings queued).\n"
        f"  watch live   http://127.0.0.1:{ports['streams']}/cameras/cam-01/stream.mjpg?token={token}   (for 1 h)\n"
        f"  dashboard    http://127.0.0.1:{ports['dashboard']}/   (log in as one of the people below)\n"
        f"  API docs     http://127.0.0.1:{ports['api']}/api/docs\n"
        f"{shared}"
        f"  people       {people}\n"
        f"  readings     ORCHARD_DATA_DIR={data_dir} .venv/bin/orchard readings   # another terminal, this folder\n"
        f"  publish      {pub} -m '{{\"air_temp_c\": 21.5}}'\n"
        f"  refused      {pub} -m '{{\"soil_temp_c\": 85.0}}'\n"
        f"  dead letters mosquitto_sub -p {mqtt_port} -u {OPERATOR} -P {operator_password} "
        f"-t orchard/deadletter -v\n"
        f"  alerts       mosquitto_sub -p {mqtt_port} -u {OPERATOR} -P {operator_password} "
        f"-t orchard/{demo_orchard.FARM}/alerts -v   # frost, drought, offline... as they fire\n"
        f"Ctrl-C stops.\n"
    )


def _dashboard(settings, broker, ports: dict[str, int]) -> WebServer:
    """The dashboard; with no proxy in the demo, browsers fetch camera images from the relay's own port."""
    from dashboard.app import create_app as dashboard_app

    settings = settings.model_copy(update={"mqtt_url": broker.url("orchard-dashboard"),
                                           "cameras_url": f"http://127.0.0.1:{ports['streams']}/cameras"})
    return WebServer(dashboard_app(settings), ports["dashboard"], "dashboard")


def _alerts(settings, sessions, broker, interval: float, camera_idle: float):
    """The alerts service, told how often the simulated units report and snap."""
    from alerts.delivery import Courier
    from alerts.service import AlertsService
    from orchard.store import open_store

    return AlertsService(sessions, open_store(settings.store_url), broker.url("orchard-alerts"),
                         Courier(sessions, settings), interval_s=settings.alerts_interval_s, device_interval_s=interval,
                         camera_idle_s=camera_idle, client_id="orchard-demo-alerts")


@click.command("demo")
@click.option("--mqtt-port", default=1884, show_default=True,
              help="Port of the demo's Mosquitto (1883 is usually a system Mosquitto's).")
@click.option("--streams-port", default=8081, show_default=True, help="Port of the camera relay.")
@click.option("--api-port", default=8082, show_default=True, help="Port of the management API.")
@click.option("--dashboard-port", default=8083, show_default=True, help="Port of the dashboard.")
@click.option("--devices", default=8, show_default=True, type=click.IntRange(1, 24))
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(0.1),
              help="Seconds between simulated readings.")
@click.option("--camera-idle", default=60.0, show_default=True, type=click.FloatRange(1),
              help="Seconds between camera snapshots while nobody watches.")
@click.option("--backfill-hours", default=72.0, show_default=True, type=click.FloatRange(0),
              help="History of readings and archived snapshots made at start, so charts and timelapses have a past.")
@click.option("--duration", default=0.0, type=click.FloatRange(0),
              help="Stop after this many seconds (0: run until Ctrl-C).")
def command(mqtt_port: int, streams_port: int, api_port: int, dashboard_port: int, devices: int, interval: float,
            camera_idle: float, backfill_hours: float, duration: float) -> None:
    """Run Mosquitto, the registry, ingester, alerts, camera relay, API and a simulated orchard on this machine.

    Everything lives under ORCHARD_DATA_DIR (default ./data). Ctrl-C stops it cleanly.
    """
    from api.app import create_app as api_app
    from devices.camera_unit import CameraConfig
    from devices.frames import SyntheticSource
    from devices.simulator import Simulator
    from ingest.locations import DeviceLocations
    from ingest.service import Ingester
    from orchard.auth import mint_camera_token
    from orchard.cli import load_settings, setup_logging
    from orchard.demo_broker import DemoBroker
    from orchard.demo_snapshots import start_backfill
    from orchard.errors import OrchardError
    from orchard.registry.db import session_factory
    from orchard.registry.migrate import upgrade
    from orchard.store import open_store
    from streams.app import create_app as streams_app
    from streams.service import Relay

    ports = {"mqtt": mqtt_port, "streams": streams_port, "api": api_port, "dashboard": dashboard_port}
    for name, port in ports.items():
        if not _free(port):
            raise click.UsageError(f"port {port} is taken; choose another with --{name}-port")
    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    secret_key = settings.secret_key.get_secret_value() if settings.secret_key else _secret(settings.data_dir)
    operator_password = demo_orchard.OPERATOR_PASSWORD
    try:
        broker = DemoBroker(settings.data_dir / "broker", mqtt_port, operator_password)
    except OrchardError as exc:
        raise click.ClickException(str(exc)) from None
    settings = load_settings(mqtt_url=broker.url("orchard-ingest"), secret_key=secret_key)
    setup_logging(settings)

    upgrade(settings.db_url)
    sessions = session_factory(settings.db_url)
    demo_orchard.seed(sessions, devices)
    demo_picking.seed(sessions, settings.data_dir)  # an open picking window, a shipped request, visit times
    links = demo_share.links(sessions)  # a share link of `customer`'s tree and an invitation, printed below
    try:
        broker.prepare(settings.db_url)
        broker.start()
    except OrchardError as exc:
        raise click.ClickException(str(exc)) from None

    try:  # the broker is a process of its own: it must not outlive the demo
        ingester = Ingester(broker.url("orchard-ingest"), open_store(settings.store_url),
                            settings.data_dir / "ingest-spool.db", client_id="orchard-demo-ingest",
                            locations=DeviceLocations(sessions, refresh_s=10))
        ingester.start()
        alerts = _alerts(settings, sessions, broker, interval, camera_idle)
        alerts.start()
        streams_settings = settings.model_copy(update={"mqtt_url": broker.url("orchard-streams")})
        # The web services, started in order and stopped in reverse.
        relay = Relay(streams_settings)
        servers = [
            WebServer(streams_app(streams_settings, relay=relay), ports["streams"], "streams",
                      on_stop=relay.close_streams_threadsafe),
            WebServer(api_app(settings), ports["api"], "api"),
            _dashboard(settings, broker, ports),
        ]
        for server in servers:
            server.start()
        cameras = CameraConfig.from_settings(settings, idle_s=camera_idle)
        simulator = Simulator(broker.url("orchard-simulator"), settings.data_dir, demo_orchard.FARM, devices, interval,
                              camera_config=cameras)
        backlog = simulator.backfill(backfill_hours)

        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        sources = {unit.camera: unit.source for agent in simulator.agents for unit in agent.cameras
                   if isinstance(unit.source, SyntheticSource)}
        history = start_backfill(sources, settings.data_dir / "snapshots", settings.archive_every_s, backfill_hours,
                                 cameras, stop)
        sim_thread = threading.Thread(target=simulator.run, args=(stop,), name="simulator")
        sim_thread.start()
        token = mint_camera_token(secret_key, ["cam-01"], 3600, subject=None)  # printed: short-lived, one camera
        click.echo(banner(devices=devices, interval=interval, backlog=backlog, data_dir=settings.data_dir.absolute(),
                          mqtt_port=mqtt_port, ports=ports, token=token, operator_password=operator_password,
                          links=links))
        started = time.monotonic()
        while not stop.wait(min(10.0, duration - (time.monotonic() - started)) if duration else 10.0):
            stats = ingester.stats
            log.info("stored %d readings, rejected %d messages, %d spooled",
                     stats.value("orchard_ingest_readings_stored_total"),
                     sum(s.value for s in list(stats.rejected.collect())[0].samples if s.name.endswith("_total")),
                     len(ingester.spool))
            if duration and time.monotonic() - started >= duration - 0.01:
                stop.set()
        alerts.stop()  # first: nothing to judge while the simulated units say goodbye
        sim_thread.join()
        history.join(timeout=5)
        for server in reversed(servers):
            server.stop()
        ingester.stop()
    finally:
        broker.stop()
    click.echo("demo stopped; everything stays in " + str(settings.data_dir))
