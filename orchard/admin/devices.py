"""Field units and their cameras: `add-device`, `reset-device-password`, `revoke-device`, `add-camera`."""

from __future__ import annotations

import shlex
from urllib.parse import urlsplit

import click
from sqlalchemy.orm import Session

from orchard.admin.context import Admin, pass_admin
from orchard.admin.farms import need_farm, need_plot
from orchard.admin.mosquitto_files import SERVICE_RULES, service_rules
from orchard.registry.models import Device, Farm, Tree
from orchard.registry.orchards import (
    create_camera,
    create_device,
    find_tree,
    get_camera,
    get_device,
    reset_device_password,
    revoke_device,
)

BROKER_URL_HELP = "The broker as the Pi reaches it, mqtt://host:port (default: host and port of ORCHARD_MQTT_URL)."


def need_device(session: Session, device_id: str) -> Device:
    device = get_device(session, device_id)
    if device is None:
        raise click.ClickException(f"there is no device {device_id!r} (see `orchard admin list devices`)")
    return device


def need_tree(session: Session, farm: Farm, label: str) -> Tree:
    tree = find_tree(session, farm.id, label)
    if tree is None:
        raise click.ClickException(f"farm {farm.id!r} has no tree {label!r} (see `orchard admin list trees`)")
    return tree


def broker_for_pi(admin: Admin, broker_url: str | None) -> str:
    """`scheme://host[:port]` of the broker for a Pi's settings, checked before anything is saved."""
    parts = urlsplit(broker_url or admin.settings.mqtt_url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = "?"
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname or port == "?":
        raise click.BadParameter(f"{broker_url!r} is not like mqtt://host:port", param_hint="--broker-url")
    return f"{parts.scheme}://{parts.hostname}{port}"


def pi_environment(device: Device, password: str, broker: str) -> str:
    """The ORCHARD_* lines a Pi needs, one per line, quoted for a shell or a systemd EnvironmentFile."""
    scheme, host = broker.split("://", 1)
    lines = {
        "ORCHARD_FARM": device.farm_id,
        "ORCHARD_DEVICE": device.id,
        "ORCHARD_MQTT_URL": f"{scheme}://{device.id}@{host}",
        "ORCHARD_MQTT_PASSWORD": password,
    }
    if device.sensors:
        lines["ORCHARD_SENSORS"] = device.sensors
    return "\n".join(f"{key}={shlex.quote(value)}" for key, value in lines.items())


def show_credentials(device: Device, password: str, broker: str) -> None:
    """Say who the device is on the broker (stderr) and print its Pi settings (stdout), the password once."""
    environment = pi_environment(device, password, broker)
    click.echo(f"MQTT username: {device.id}; its password is ORCHARD_MQTT_PASSWORD below, shown only this once.\n"
               "Save these lines on the Pi as device.env and run `sudo deploy/pi/install.sh device.env`; then run "
               "`orchard admin sync-broker` so the broker accepts it:", err=True)
    click.echo(environment)


@click.command("add-device")
@click.argument("device_id", metavar="ID")
@click.option("--farm", "farm_id", required=True, help="The farm it stands on.")
@click.option("--tree", "tree_label", help="The tree it stands at (label).")
@click.option("--plot", "plot_name", help="The plot it stands in, if not at one tree.")
@click.option("--sensors", default="", help="Its sensors, as ORCHARD_SENSORS on the Pi, "
                                             "e.g. 'ds18b20=soil_temp_c, bme280:1:0x76'.")
@click.option("--broker-url", help=BROKER_URL_HELP)
@pass_admin
def add_device(admin: Admin, device_id: str, farm_id: str, tree_label: str | None, plot_name: str | None,
               sensors: str, broker_url: str | None) -> None:
    """Add a field unit; prints its MQTT password once, in the settings to put on the Pi.

    ID is also its MQTT username, so it must be unique across the cooperative. Only a hash of
    the password is kept; a lost password is replaced with reset-device-password.
    """
    if tree_label and plot_name:
        raise click.UsageError("give --tree or --plot, not both (a tree's plot is known)")
    if device_id in service_rules(SERVICE_RULES)[1]:
        raise click.ClickException(f"{device_id!r} is the broker account of a service; choose another id")
    broker = broker_for_pi(admin, broker_url)
    with admin.session() as session:
        farm = need_farm(session, farm_id)
        existing = get_device(session, device_id)
        if existing is not None:
            raise click.ClickException(f"device {device_id!r} already exists (on farm {existing.farm_id!r})")
        tree_id = need_tree(session, farm, tree_label).id if tree_label else None
        plot_id = need_plot(session, farm, plot_name).id if plot_name else None
        device, password = create_device(session, device_id, farm.id, tree_id=tree_id, plot_id=plot_id,
                                         sensors=sensors)
    where = f", tree {tree_label}" if tree_label else f", plot {plot_name}" if plot_name else ""
    click.echo(f"device {device_id} added to farm {farm_id}{where}", err=True)
    show_credentials(device, password, broker)


@click.command("reset-device-password")
@click.argument("device_id", metavar="ID")
@click.option("--broker-url", help=BROKER_URL_HELP)
@pass_admin
def reset_device_password_command(admin: Admin, device_id: str, broker_url: str | None) -> None:
    """Give a device a new MQTT password (printed once); the old one works until the next sync-broker."""
    broker = broker_for_pi(admin, broker_url)
    with admin.session() as session:
        device = need_device(session, device_id)
        if device.revoked:
            raise click.ClickException(f"device {device_id!r} is revoked; add the unit again under a new id")
        password = reset_device_password(session, device)
    show_credentials(device, password, broker)


@click.command("revoke-device")
@click.argument("device_id", metavar="ID")
@pass_admin
def revoke_device_command(admin: Admin, device_id: str) -> None:
    """Revoke a lost, stolen or retired device; the broker refuses it after the next sync-broker."""
    with admin.session() as session:
        device = need_device(session, device_id)
        already = device.revoked
        revoke_device(session, device)
    click.echo(f"device {device_id} {'was already' if already else 'is now'} revoked; "
               "run `orchard admin sync-broker` so the broker refuses it")


@click.command("add-camera")
@click.argument("camera_id", metavar="ID")
@click.option("--device", "device_id", required=True, help="The field unit it is plugged into.")
@click.option("--tree", "tree_labels", multiple=True, help="A tree it sees (label); repeat for each tree.")
@pass_admin
def add_camera(admin: Admin, camera_id: str, device_id: str, tree_labels: tuple[str, ...]) -> None:
    """Add a camera to a device, with the trees in its view: their customers may watch it."""
    with admin.session() as session:
        if get_camera(session, camera_id) is not None:
            raise click.ClickException(f"camera {camera_id!r} already exists")
        device = need_device(session, device_id)
        trees = [need_tree(session, device.farm, label) for label in tree_labels]
        create_camera(session, camera_id, device.id, [tree.id for tree in trees])
    seen = ", ".join(tree.label for tree in trees) or "no trees yet"
    click.echo(f"camera {camera_id} added to device {device_id} (sees {seen}); "
               "run `orchard admin sync-broker` so the broker lets the device publish its frames")
