"""`orchard admin purge-addresses`: erase ship-to addresses ORCHARD_ADDRESS_DAYS after delivery.

The API does the same when it starts and every few hours; this command is for a cron job on a
machine where the API is not always running, or to erase at once after changing the setting.
"""

from __future__ import annotations

import click

from orchard.admin.context import Admin, pass_admin
from orchard.registry.picking_requests import purge_addresses


@click.command("purge-addresses")
@click.option("--days", type=click.FloatRange(min=0), default=None,
              help="Erase addresses delivered (or cancelled) more than this many days ago "
                   "(default: ORCHARD_ADDRESS_DAYS, 30).")
@pass_admin
def purge_addresses_command(admin: Admin, days: float | None) -> None:
    """Erase the ship-to addresses of picking requests delivered or cancelled long enough ago."""
    days = admin.settings.address_days if days is None else days
    with admin.session() as session:
        erased = purge_addresses(session, days)
    click.echo(f"erased {erased} ship-to address{'es' if erased != 1 else ''} older than {days:g} days")
