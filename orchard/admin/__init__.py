"""`orchard admin`: the registry from the command line, and the broker's accounts made to match it.

Every command migrates the registry (ORCHARD_DB_URL) to the current schema before it uses it.
"""

from __future__ import annotations

import click

from orchard.admin.addresses import purge_addresses_command
from orchard.admin.backup import backup_command, restore_command
from orchard.admin.broker import sync_broker
from orchard.admin.channels import add_channel_command, remove_channel_command, test_channel_command
from orchard.admin.context import Admin, pass_admin
from orchard.admin.devices import add_camera, add_device, reset_device_password_command, revoke_device_command
from orchard.admin.farms import add_farm, add_plot, add_tree, import_trees_command
from orchard.admin.links import password_link
from orchard.admin.listing import list_command
from orchard.admin.people import add_claim, add_customer, add_farmer, create_admin
from orchard.registry.migrate import current_revision


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db-url", help="The registry database (default: ORCHARD_DB_URL).")
@click.pass_context
def group(ctx: click.Context, db_url: str | None) -> None:
    """Manage the registry (farms, trees, devices, cameras, people, claims, alert channels) and the broker's accounts.

    Settings come from ORCHARD_* variables; the registry is ORCHARD_DB_URL, migrated to the
    current schema before any command uses it.
    """
    ctx.obj = Admin(db_url)
    ctx.call_on_close(ctx.obj.close)


@group.command("migrate")
@pass_admin
def migrate(admin: Admin) -> None:
    """Bring the registry database to the current schema (every command also does this first)."""
    admin.migrate()
    click.echo(f"registry at revision {current_revision(admin.settings.db_url)}")


for command in (create_admin, add_farm, add_plot, add_tree, import_trees_command, add_device,
                reset_device_password_command, revoke_device_command, add_camera, add_customer, add_farmer,
                add_claim, list_command, sync_broker, backup_command, restore_command, add_channel_command,
                remove_channel_command, test_channel_command, purge_addresses_command,
                password_link):
    group.add_command(command)
