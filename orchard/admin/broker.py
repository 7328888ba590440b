"""`orchard admin sync-broker`: make Mosquitto's password and ACL files match the registry, then reload it."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from orchard.admin.context import Admin, pass_admin
from orchard.admin.mosquitto_files import (
    SERVICE_RULES,
    BrokerSyncError,
    DeviceAccount,
    check_accounts,
    read_text,
    render_acl,
    render_passwd,
    run_reload_command,
    service_rules,
    signal_broker,
    synced_devices,
    write_atomically,
)
from orchard.registry.models import Device

# Where docker-compose's broker reads them: both in the mosquitto-data volume (see deploy/mosquitto/).
DEFAULT_PASSWD = Path("/mosquitto/data/passwd")
DEFAULT_ACL = Path("/mosquitto/data/acl")


def registry_accounts(admin: Admin) -> tuple[list[DeviceAccount], set[str]]:
    """The devices the broker should accept, and the ids of the revoked ones."""
    with admin.session() as session:
        devices = list(session.scalars(select(Device).order_by(Device.id)))
    accepted = [DeviceAccount(d.id, d.farm_id, d.mqtt_password_hash or "")
                for d in devices if not d.revoked and d.mqtt_password_hash]
    return accepted, {d.id for d in devices if d.revoked or not d.mqtt_password_hash}


@click.command("sync-broker")
@click.option("--passwd", "passwd_path", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_PASSWD, show_default=True,
              help="Mosquitto's password_file (docker compose: in the mosquitto-data volume).")
@click.option("--acl", "acl_path", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_ACL, show_default=True,
              help="Mosquitto's acl_file, generated whole (docker compose: in the mosquitto-data volume).")
@click.option("--service-acl", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Rules for the non-device accounts; default: those of deploy/mosquitto/acl. "
                   "Its pattern lines are dropped.")
@click.option("--reload-pid", type=click.Path(dir_okay=False, path_type=Path),
              help="Send SIGHUP to the broker whose pid is in this file "
                   "(docker compose: /mosquitto/data/mosquitto.pid, from a container sharing the broker's pid "
                   "namespace).")
@click.option("--reload-cmd", help="Run this to make the broker reload, e.g. 'docker compose kill -s HUP mosquitto'.")
@pass_admin
def sync_broker(admin: Admin, passwd_path: Path, acl_path: Path, service_acl: Path | None,
                reload_pid: Path | None, reload_cmd: str | None) -> None:
    """Bring the broker's password and ACL files in line with the registry, then reload the broker.

    Every device that is not revoked gets its line in the password file (its stored hash) and
    an ACL block letting it publish telemetry, status and camera frames, and read commands,
    under orchard/<its farm>/<its id>/ only. Lines of other accounts (the services, and any
    made with mosquitto_passwd) are kept as they are; revoked and deleted devices are removed.
    Both files are replaced atomically (the password file with mode 0600).
    """
    if reload_pid and reload_cmd:
        raise click.UsageError("give --reload-pid or --reload-cmd, not both")
    rules, services = service_rules(service_acl.read_text() if service_acl else SERVICE_RULES)
    devices, gone = registry_accounts(admin)
    try:
        check_accounts(devices, services)
        old_acl, old_passwd = read_text(acl_path), read_text(passwd_path)
        passwd = render_passwd(old_passwd, devices, forget=gone | synced_devices(old_acl))
        # The password file first: the old ACL then still records which accounts were devices, if this fails.
        write_atomically(passwd_path, passwd)
        write_atomically(acl_path, render_acl(rules, devices))
        kept = len(passwd.splitlines()) - len(devices)
        click.echo(f"{passwd_path}: {len(devices)} device account(s), {kept} other line(s) kept; {acl_path} written")
        if reload_pid:
            click.echo(f"broker (pid {signal_broker(reload_pid)}) told to reload")
        elif reload_cmd:
            run_reload_command(reload_cmd)
            click.echo(f"broker reloaded with {reload_cmd!r}")
        else:
            click.echo("the broker uses the new files once it reloads: send it SIGHUP "
                       "(docker compose kill -s HUP mosquitto)", err=True)
    except (BrokerSyncError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
