"""Farms, plots, trees, devices and cameras: create, get, list, and where a device stands."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import NamedTuple, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchard.errors import Invalid, NotFound
from orchard.registry.models import Camera, Device, Farm, Plot, Tree, utcnow
from orchard.registry.passwords import mqtt_password_hash, new_secret


def create_farm(session: Session, id: str, name: str, *, location: str | None = None,
                timezone: str = "UTC") -> Farm:
    """A new farm; `id` is its slug in MQTT topics, `timezone` a name like "Asia/Shanghai"."""
    farm = Farm(id=id, name=name, location=location, timezone=timezone)
    session.add(farm)
    session.flush()
    return farm


def get_farm(session: Session, farm_id: str) -> Farm | None:
    return session.get(Farm, farm_id)


def list_farms(session: Session) -> list[Farm]:
    return list(session.scalars(select(Farm).order_by(Farm.id)))


def create_plot(session: Session, farm_id: str, name: str) -> Plot:
    plot = Plot(farm_id=farm_id, name=name)
    session.add(plot)
    session.flush()
    return plot


def list_plots(session: Session, farm_id: str) -> list[Plot]:
    return list(session.scalars(select(Plot).where(Plot.farm_id == farm_id).order_by(Plot.name)))


def create_tree(session: Session, farm_id: str, label: str, *, plot_id: int | None = None,
                variety: str | None = None, planted_on: date | None = None,
                latitude: float | None = None, longitude: float | None = None,
                photo: str | None = None) -> Tree:
    """A new tree on a farm, optionally in one of that farm's plots."""
    _same_farm(session, farm_id, plot_id=plot_id)
    tree = Tree(farm_id=farm_id, label=label, plot_id=plot_id, variety=variety, planted_on=planted_on,
                latitude=latitude, longitude=longitude, photo=photo)
    session.add(tree)
    session.flush()
    return tree


def get_tree(session: Session, tree_id: int) -> Tree | None:
    return session.get(Tree, tree_id)


def find_tree(session: Session, farm_id: str, label: str) -> Tree | None:
    """The tree a customer knows as `label` on a farm."""
    return session.scalar(select(Tree).where(Tree.farm_id == farm_id, Tree.label == label.strip()))


def list_trees(session: Session, farm_id: str | None = None) -> list[Tree]:
    query = select(Tree).order_by(Tree.farm_id, Tree.id)
    if farm_id is not None:
        query = query.where(Tree.farm_id == farm_id)
    return list(session.scalars(query))


def create_device(session: Session, id: str, farm_id: str, *, tree_id: int | None = None,
                  plot_id: int | None = None, sensors: str = "") -> tuple[Device, str]:
    """A new device with a fresh MQTT password; the password is returned once and stored only hashed."""
    _same_farm(session, farm_id, plot_id=plot_id, tree_id=tree_id)
    password = new_secret()
    device = Device(id=id, farm_id=farm_id, tree_id=tree_id, plot_id=plot_id, sensors=sensors,
                    mqtt_password_hash=mqtt_password_hash(password))
    session.add(device)
    session.flush()
    return device, password


def get_device(session: Session, device_id: str) -> Device | None:
    return session.get(Device, device_id)


def list_devices(session: Session, farm_id: str | None = None, *, include_revoked: bool = True) -> list[Device]:
    query = select(Device).order_by(Device.id)
    if farm_id is not None:
        query = query.where(Device.farm_id == farm_id)
    if not include_revoked:
        query = query.where(Device.revoked_at.is_(None))
    return list(session.scalars(query))


def reset_device_password(session: Session, device: Device) -> str:
    """Give a device a new MQTT password and return it (once); the old one stops working at the next sync."""
    password = new_secret()
    device.mqtt_password_hash = mqtt_password_hash(password)
    session.flush()
    return password


def revoke_device(session: Session, device: Device, at: datetime | None = None) -> None:
    """Mark a device revoked (lost, stolen, retired); the broker refuses it after the next sync."""
    if device.revoked_at is None:
        device.revoked_at = at or utcnow()
    session.flush()


class DeviceLocation(NamedTuple):
    """Where a device stands, for tagging its readings: farm id, tree id and plot id."""

    farm: str
    tree: int | None
    plot: int | None


def device_location(session: Session, device_id: str) -> DeviceLocation | None:
    """The farm, tree and plot of a device (a tree's plot if it stands at a tree); None if unknown."""
    device = session.get(Device, device_id)
    if device is None:
        return None
    plot_id = device.plot_id
    if plot_id is None and device.tree is not None:
        plot_id = device.tree.plot_id
    return DeviceLocation(device.farm_id, device.tree_id, plot_id)


def create_camera(session: Session, id: str, device_id: str, tree_ids: Iterable[int] = ()) -> Camera:
    """A new camera on a device, seeing the given trees."""
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound(f"no device {device_id!r}")
    camera = Camera(id=id, device=device)
    session.add(camera)
    set_camera_trees(session, camera, tree_ids)
    return camera


def set_camera_trees(session: Session, camera: Camera, tree_ids: Iterable[int]) -> None:
    """Say which trees a camera sees (replacing what it saw before); they must be on its device's farm."""
    tree_ids = set(tree_ids)
    trees = list(session.scalars(select(Tree).where(Tree.id.in_(tree_ids)))) if tree_ids else []
    missing = tree_ids - {tree.id for tree in trees}
    if missing:
        raise NotFound(f"no trees with ids {sorted(missing)}")
    elsewhere = [tree.id for tree in trees if tree.farm_id != camera.device.farm_id]
    if elsewhere:
        raise Invalid(f"trees {elsewhere} are not on farm {camera.device.farm_id!r} of camera {camera.id!r}")
    camera.trees = sorted(trees, key=lambda tree: tree.id)
    session.flush()


def get_camera(session: Session, camera_id: str) -> Camera | None:
    return session.get(Camera, camera_id)


def list_cameras(session: Session, farm_id: str | None = None) -> list[Camera]:
    query = select(Camera).order_by(Camera.id)
    if farm_id is not None:
        query = query.join(Camera.device).where(Device.farm_id == farm_id)
    return list(session.scalars(query))


def _same_farm(session: Session, farm_id: str, *, plot_id: int | None = None,
               tree_id: int | None = None) -> None:
    """Refuse a plot or tree of another farm: readings would be tagged with the wrong farm."""
    for model, row_id in ((Plot, plot_id), (Tree, tree_id)):
        if row_id is None:
            continue
        row = cast(Plot | Tree | None, session.get(model, row_id))
        if row is None:
            raise NotFound(f"no {model.__name__.lower()} with id {row_id}")
        if row.farm_id != farm_id:
            raise Invalid(f"{model.__name__.lower()} {row_id} is on farm {row.farm_id!r}, not {farm_id!r}")
