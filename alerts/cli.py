"""`orchard alerts`: run the alerts service (no subcommand), or manage alerts (subcommands)."""

from __future__ import annotations

import logging
import signal
import sys

import click

from orchard.cli import load_settings, setup_logging
from orchard.errors import OrchardError

log = logging.getLogger("alerts")


@click.group("alerts", invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def group(ctx: click.Context) -> None:
    """Evaluate alert rules every ORCHARD_ALERTS_INTERVAL_S seconds and publish alert events.

    Without a subcommand, runs the service until interrupted: readings from ORCHARD_STORE_URL,
    rules, state and incidents in ORCHARD_DB_URL (migrated at start), events on
    orchard/{farm}/alerts through ORCHARD_MQTT_URL.
    """
    if ctx.invoked_subcommand is None:
        run_service()


def run_service() -> None:
    from alerts.delivery import Courier
    from alerts.service import AlertsService
    from orchard.registry.db import session_factory
    from orchard.registry.migrate import upgrade
    from orchard.store import open_store

    settings = load_settings()
    setup_logging(settings)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per store query, twice a minute, says nothing
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.db_url)
        token = settings.influx_token.get_secret_value() if settings.influx_token is not None else None
        store = open_store(settings.store_url, token=token)
    except OrchardError as exc:
        raise click.ClickException(str(exc)) from None
    sessions = session_factory(settings.db_url)
    service = AlertsService(
        sessions, store, settings.mqtt_url, Courier(sessions, settings),
        interval_s=settings.alerts_interval_s, device_interval_s=settings.alerts_device_interval_s,
        camera_idle_s=settings.camera_idle_s, client_id=settings.alerts_client_id,
        heartbeat=settings.data_dir / "alerts-heartbeat",
    )
    supervisor = service.supervisor
    supervisor.watch_all_threads()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: supervisor.stop())
    service.start()
    log.info("evaluating alerts every %gs from %s", settings.alerts_interval_s, settings.store_url.split("@")[-1])
    supervisor.stopping.wait()
    service.stop()
    sys.exit(supervisor.exit_code)
