"""`orchard demo`: broker, ingester and a simulated orchard in one process, on embedded defaults."""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time

import click

log = logging.getLogger("orchard.demo")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@click.command("demo")
@click.option("--mqtt-port", default=1884, show_default=True,
              help="Port of the embedded broker (1883 is usually a system Mosquitto's).")
@click.option("--devices", default=8, show_default=True, type=click.IntRange(1, 100))
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(0.1),
              help="Seconds between simulated readings.")
@click.option("--backfill-hours", default=24.0, show_default=True, type=click.FloatRange(0),
              help="History to publish at start, so charts have a past.")
@click.option("--duration", default=0.0, type=click.FloatRange(0), help="Stop after this many seconds (0: run until Ctrl-C).")
def command(mqtt_port: int, devices: int, interval: float, backfill_hours: float, duration: float) -> None:
    """Run an embedded MQTT broker, the ingester (SQLite store) and a simulated orchard.

    Everything lives under ORCHARD_DATA_DIR (default ./data). Ctrl-C stops it cleanly.
    """
    from orchard.cli import load_settings, setup_logging
    from orchard.embedded_broker import EmbeddedBroker
    from orchard.store import open_store
    from devices.simulator import Simulator
    from ingest.service import Ingester

    if not _free(mqtt_port):
        raise click.UsageError(f"port {mqtt_port} is taken; choose another with --mqtt-port")
    broker = EmbeddedBroker(port=mqtt_port)
    settings = load_settings(mqtt_url=broker.url)
    setup_logging(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    broker.start()
    ingester = Ingester(broker.url, open_store(settings.store_url), settings.data_dir / "ingest-spool.db",
                        client_id="orchard-demo-ingest")
    ingester.start()
    simulator = Simulator(broker.url, settings.data_dir, "demo", devices, interval)
    backlog = simulator.backfill(backfill_hours)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    sim_thread = threading.Thread(target=simulator.run, args=(stop,), name="simulator")
    sim_thread.start()
    click.echo(
        f"\nOrchard Live demo: {devices} field units on farm 'demo', a reading every {interval:g}s"
        f" ({backlog} past readings queued).\n"
        f"  broker     {broker.url}\n"
        f"  readings   {settings.store_url}\n"
        f"  see them   ORCHARD_DATA_DIR={settings.data_dir} orchard readings   (in another terminal)\n"
        f"  publish    mosquitto_pub -p {mqtt_port} -t orchard/demo/my-pi/telemetry -m '{{\"air_temp_c\": 21.5}}'\n"
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
    ingester.stop()
    broker.stop()
    click.echo("demo stopped; the readings stay in " + settings.store_url)
