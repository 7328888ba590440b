"""Cameras: admins manage them; farmers see their farms'; customers those seeing a tree they claim.

A logged-in person gets a short-lived camera token here for the streams service (`?token=`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.access import CurrentViewer, load
from api.fields import Int64
from api.services import ServicesDep
from api.times import UTCTime
from orchard.auth.policy import Policy, Viewer
from orchard.errors import NotFound
from orchard.registry import orchards
from orchard.registry.models import Camera
from orchard.topics import ID_PATTERN

router = APIRouter(prefix="/cameras", tags=["cameras"])

MAX_TOKEN_TTL_S = 3600


class CameraOut(BaseModel):
    id: str
    device_id: str
    farm_id: str
    tree_ids: list[int] = Field(description="the trees it sees, of those the asker may see")
    created_at: UTCTime

    @classmethod
    def of(cls, camera: Camera, policy: Policy, viewer: Viewer) -> CameraOut:
        return cls(id=camera.id, device_id=camera.device_id, farm_id=camera.device.farm_id,
                   tree_ids=[tree.id for tree in camera.trees if policy.sees_tree(viewer, tree.id)],
                   created_at=camera.created_at)


class CameraIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=f"^{ID_PATTERN.pattern}$", description="the `{camera}` of its MQTT topic")
    device_id: str
    tree_ids: list[Int64] = Field(default=[], max_length=1000, description="trees of the device's farm it sees")


class CameraPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tree_ids: list[Int64] = Field(max_length=1000, description="the trees it sees now, replacing the old list")


class CameraToken(BaseModel):
    camera: str
    token: str = Field(description="for the streams service: ?token=, or Authorization: Bearer")
    expires_at: UTCTime


@router.get("")
def list_cameras(viewer: CurrentViewer, services: ServicesDep, farm: str | None = None) -> list[CameraOut]:
    """The cameras the asker may watch (of one farm with ?farm=)."""
    with services.reading() as session:
        return [CameraOut.of(camera, services.policy, viewer) for camera in orchards.list_cameras(session, farm)
                if services.policy.may_watch(viewer, camera.id)]


@router.get("/{camera_id}")
def get_camera(camera_id: str, viewer: CurrentViewer, services: ServicesDep) -> CameraOut:
    with services.reading() as session:
        return CameraOut.of(load(session, Camera, camera_id, viewer, services.policy), services.policy, viewer)


@router.post("", status_code=201)
def create_camera(body: CameraIn, viewer: CurrentViewer, services: ServicesDep) -> CameraOut:
    """Add a camera to a device (admins only)."""
    services.policy.require_admin(viewer, "add cameras")  # before the lookup: a device id must not reveal its farm
    with services.writing() as session:
        device = orchards.get_device(session, body.device_id)
        if device is None:
            raise NotFound(f"no device {body.device_id!r}")
        services.policy.require_edit(viewer, "camera", device.farm_id)
        camera = orchards.create_camera(session, body.id, device.id, body.tree_ids)
        return CameraOut.of(camera, services.policy, viewer)


@router.patch("/{camera_id}")
def update_camera(camera_id: str, body: CameraPatch, viewer: CurrentViewer, services: ServicesDep) -> CameraOut:
    """Say which trees a camera sees (admins only)."""
    with services.writing() as session:
        camera = load(session, Camera, camera_id, viewer, services.policy)
        services.policy.require_edit(viewer, "camera", camera.device.farm_id)
        orchards.set_camera_trees(session, camera, body.tree_ids)
        return CameraOut.of(camera, services.policy, viewer)


@router.delete("/{camera_id}", status_code=204)
def delete_camera(camera_id: str, viewer: CurrentViewer, services: ServicesDep) -> Response:
    """Remove a camera (admins only); its archived snapshots stay with the streams service."""
    with services.writing() as session:
        camera = load(session, Camera, camera_id, viewer, services.policy)
        services.policy.require_edit(viewer, "camera", camera.device.farm_id, delete=True)
        session.delete(camera)
        session.flush()
    return Response(status_code=204)


@router.post("/{camera_id}/token")
def camera_token(camera_id: str, viewer: CurrentViewer, services: ServicesDep,
                 ttl_s: int = Query(900, ge=10, le=MAX_TOKEN_TTL_S, description="lifetime, at most an hour")
                 ) -> CameraToken:
    """A camera token for this camera, naming the asker, for `<img src>` and MJPEG on the streams service.

    The token names the asker as its subject, so a service reading it with
    Policy.from_camera_token checks their claims again on every use. A camera the asker
    may not watch is 404.
    """
    with services.reading() as session:
        camera = load(session, Camera, camera_id, viewer, services.policy).id
    now = datetime.now(UTC)
    token = services.policy.camera_token(viewer, [camera], ttl_s, now=now.timestamp())
    return CameraToken(camera=camera, token=token,
                       expires_at=datetime.fromtimestamp(int(now.timestamp()) + ttl_s, UTC))
