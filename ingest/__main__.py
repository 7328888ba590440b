"""`orchard ingest` / `python -m ingest`: run the ingester until interrupted."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

import click

from ingest.locations import DeviceLocations
from ingest.service import Ingester
from ingest.subscriber import member_id
from orchard.cli import load_settings, setup_logging
from orchard.errors import OrchardError
from orchard.retention import Retention
from orchard.store import open_store

log = logging.getLogger("ingest")


@click.command("ingest")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address of the Prometheus /metrics endpoint.")
@click.option("--port", default=9108, show_default=True, type=int, help="Port of /metrics (0 to disable).")
@click.option("--leave", is_flag=True,
              help="Retire this ingester (ORCHARD_INGEST_CLIENT_ID) for good: unsubscribe, store what its "
                   "session still holds, then end the session and exit.")
def command(host: str, port: int, leave: bool) -> None:
    """Subscribe to telemetry, validate it and write it to the store (ORCHARD_STORE_URL)."""
    settings = load_settings()
    setup_logging(settings)
    client_id = settings.ingest_client_id or member_id(settings.data_dir)
    try:
        store = open_store(settings.store_url, token=_secret(settings.influx_token))
    except OrchardError as exc:
        raise click.ClickException(str(exc)) from None
    ingester = Ingester(
        settings.mqtt_url,
        store,
        settings.data_dir / "ingest-spool.db",
        client_id=client_id,
        group=settings.ingest_group,
        session_expiry_s=settings.ingest_session_expiry_s,
        leaving=leave,
        batch_size=settings.ingest_batch_size,
        batch_ms=settings.ingest_batch_ms,
        locations=registry_locations(settings.db_url),
    )
    if port:
        ingester.serve_metrics(host, port)
    supervisor = ingester.supervisor
    supervisor.watch_all_threads()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: supervisor.stop())
    ingester.start()
    if settings.rollup_every_s and not leave:  # every instance: runs overlap harmlessly (orchard/retention.py)
        Retention(store, settings.raw_days, settings.rollup_lookback_hours).start_thread(settings.rollup_every_s)
    log.info("ingesting from %s into %s as %s%s", ingester.subscriber.address, settings.store_url.split("@")[-1],
             client_id, f" in group {settings.ingest_group}" if settings.ingest_group else "")
    drained = False
    if leave:
        log.info("leaving as %s: storing what the session holds", client_id)
        while not supervisor.stopping.wait(0.5):
            if ingester.drained():
                drained = True
                break
    else:
        supervisor.stopping.wait()
    ingester.stop(end_session=drained)
    if drained:
        log.info("left: the broker has forgotten the session of %s", client_id)
        return
    sys.exit(supervisor.exit_code)


def registry_locations(db_url: str) -> DeviceLocations | None:
    """Device places from the registry, if there is one; without it readings carry farm and device only."""
    from orchard.registry.db import session_factory

    if db_url.startswith("sqlite:///") and not Path(db_url.removeprefix("sqlite:///")).exists():
        log.info("no registry at %s: readings are tagged with farm and device only", db_url)
        return None
    return DeviceLocations(session_factory(db_url))


def _secret(value) -> str | None:
    return value.get_secret_value() if value is not None else None


if __name__ == "__main__":
    command()
