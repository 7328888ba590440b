"""Field units: admins add them (getting their MQTT password once), move and revoke them; farmers read theirs."""

from __future__ import annotations

from typing import cast

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.access import CurrentViewer, load
from api.fields import Int64, Line
from api.services import ServicesDep
from api.times import UTCTime
from orchard.errors import Invalid, NotFound
from orchard.registry import orchards
from orchard.registry.models import Device, Plot, Tree, utcnow
from orchard.topics import ID_PATTERN

router = APIRouter(prefix="/devices", tags=["devices"])


class DeviceOut(BaseModel):
    id: str
    farm_id: str
    tree_id: int | None
    plot_id: int | None
    sensors: str
    camera_ids: list[str]
    created_at: UTCTime
    revoked_at: UTCTime | None

    @classmethod
    def of(cls, device: Device) -> DeviceOut:
        return cls(id=device.id, farm_id=device.farm_id, tree_id=device.tree_id, plot_id=device.plot_id,
                   sensors=device.sensors, camera_ids=[camera.id for camera in device.cameras],
                   created_at=device.created_at, revoked_at=device.revoked_at)


class MqttLogin(BaseModel):
    mqtt_username: str
    mqtt_password: str = Field(description="shown this once; only its hash is kept")


class DeviceCreated(DeviceOut, MqttLogin):
    pass


class DeviceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=f"^{ID_PATTERN.pattern}$", description="also its MQTT username")
    farm_id: str
    tree_id: Int64 | None = None
    plot_id: Int64 | None = None
    sensors: Line = Field(max_length=500, default="", description="as ORCHARD_SENSORS on the Pi")


class DevicePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tree_id: Int64 | None = None
    plot_id: Int64 | None = None
    sensors: Line | None = Field(default=None, max_length=500)
    revoked: bool | None = Field(default=None, description="true: the broker refuses it after the next sync")


def _same_farm(session: Session, farm_id: str, tree_id: int | None, plot_id: int | None) -> None:
    for name, model, row_id in (("tree_id", Tree, tree_id), ("plot_id", Plot, plot_id)):
        row = cast(Tree | Plot | None, session.get(model, row_id)) if row_id is not None else None
        if row_id is not None and (row is None or row.farm_id != farm_id):
            raise Invalid(f"{name}: farm {farm_id!r} has no {model.__name__.lower()} {row_id}")


@router.get("")
def list_devices(viewer: CurrentViewer, services: ServicesDep, farm: str | None = None) -> list[DeviceOut]:
    """The devices of the farms the asker may see (of one farm with ?farm=)."""
    with services.reading() as session:
        return [DeviceOut.of(device) for device in orchards.list_devices(session, farm)
                if services.policy.sees_farm(viewer, device.farm_id)]


@router.get("/{device_id}")
def get_device(device_id: str, viewer: CurrentViewer, services: ServicesDep) -> DeviceOut:
    with services.reading() as session:
        return DeviceOut.of(load(session, Device, device_id, viewer, services.policy))


@router.post("", status_code=201)
def create_device(body: DeviceIn, viewer: CurrentViewer, services: ServicesDep) -> DeviceCreated:
    """Add a field unit (admins only); the answer holds its MQTT username and password, this once."""
    services.policy.require_edit(viewer, "device", body.farm_id)
    with services.writing() as session:
        if orchards.get_farm(session, body.farm_id) is None:
            raise NotFound(f"no farm {body.farm_id!r}")
        _same_farm(session, body.farm_id, body.tree_id, body.plot_id)
        device, password = orchards.create_device(session, body.id, body.farm_id, tree_id=body.tree_id,
                                                  plot_id=body.plot_id, sensors=body.sensors)
        return DeviceCreated(**DeviceOut.of(device).model_dump(), mqtt_username=device.id, mqtt_password=password)


@router.patch("/{device_id}")
def update_device(device_id: str, body: DevicePatch, viewer: CurrentViewer, services: ServicesDep) -> DeviceOut:
    """Move a device to another tree or plot of its farm, change its sensors, revoke or restore it (admins)."""
    with services.writing() as session:
        device = load(session, Device, device_id, viewer, services.policy)
        services.policy.require_edit(viewer, "device", device.farm_id)
        changes = body.model_dump(exclude_unset=True)
        _same_farm(session, device.farm_id, changes.get("tree_id"), changes.get("plot_id"))
        for name in ("tree_id", "plot_id", "sensors"):
            if name in changes and (changes[name] is not None or name != "sensors"):
                setattr(device, name, changes[name])
        if changes.get("revoked") is not None:
            device.revoked_at = (device.revoked_at or utcnow()) if changes["revoked"] else None
        session.flush()
        return DeviceOut.of(device)


@router.post("/{device_id}/password")
def reset_device_password(device_id: str, viewer: CurrentViewer, services: ServicesDep) -> MqttLogin:
    """Give a device a new MQTT password, returned this once (admins only)."""
    with services.writing() as session:
        device = load(session, Device, device_id, viewer, services.policy)
        services.policy.require_edit(viewer, "device", device.farm_id)
        return MqttLogin(mqtt_username=device.id, mqtt_password=orchards.reset_device_password(session, device))


@router.delete("/{device_id}", status_code=204)
def delete_device(device_id: str, viewer: CurrentViewer, services: ServicesDep) -> Response:
    """Remove a device and its cameras (admins only); to keep its history, revoke it instead."""
    with services.writing() as session:
        device = load(session, Device, device_id, viewer, services.policy)
        services.policy.require_edit(viewer, "device", device.farm_id, delete=True)
        session.delete(device)
        session.flush()
    return Response(status_code=204)
