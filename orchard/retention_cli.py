"""`orchard retention`: roll up readings hourly and delete raw readings past ORCHARD_RAW_DAYS."""

from __future__ import annotations

import signal

import click

from orchard.errors import OrchardError
from orchard.retention import Retention
from orchard.store import open_store


@click.command("retention")
@click.option("--once", is_flag=True, help="Run once, print what was done and exit (for cron or by hand).")
def command(once: bool) -> None:
    """Roll up completed hours and prune raw readings older than ORCHARD_RAW_DAYS.

    Every ingester already does this every ORCHARD_ROLLUP_EVERY_S; runs may overlap harmlessly.
    """
    from orchard.cli import load_settings, setup_logging

    settings = load_settings()
    setup_logging(settings)
    token = settings.influx_token.get_secret_value() if settings.influx_token else None
    try:
        with open_store(settings.store_url, token=token) as store:
            retention = Retention(store, settings.raw_days, settings.rollup_lookback_hours)
            if once:
                done = retention.run()
                deleted = "some" if done.raw_deleted < 0 else str(done.raw_deleted)
                click.echo(f"rolled up {done.rollup_rows} hour(s) of series; deleted {deleted} raw reading(s) "
                           f"older than {settings.raw_days:g} days")
                return
            stop = retention.start_thread(settings.rollup_every_s or 3600.0)
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
            stop.wait()
    except OrchardError as exc:
        raise click.ClickException(str(exc)) from None
