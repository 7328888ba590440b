"""Cameras and their live views: the list and the MJPEG stream (latest.jpg: streams/routes/latest.py)."""

from __future__ import annotations

import time

from fastapi import APIRouter
from pydantic import BaseModel

from orchard.auth import ALL_CAMERAS
from streams.access import Camera, CurrentCaller, CurrentViewer, ask, revoked
from streams.mjpeg import MEDIA_TYPE, FrameStream, MJPEGResponse
from streams.service import Relay, RelayDep
from streams.timerange import iso

router = APIRouter(prefix="/cameras", tags=["cameras"])


class CameraState(BaseModel):
    camera: str
    farm: str | None
    device: str | None
    last_frame_at: str | None  # ISO 8601, UTC
    age_s: float | None
    stale: bool  # true when no frame for 2.5 idle intervals (or none yet)
    mode: str  # "live" while someone watches (and a few seconds after), else "idle"
    viewers: int
    width: int | None
    height: int | None


def _state(relay: Relay, camera: str, now: float) -> CameraState:
    frame = relay.hub.latest(camera)
    farm, device = relay.hub.address(camera) or (None, None)
    age = max(0.0, now - frame.arrived_at) if frame else None
    return CameraState(
        camera=camera, farm=farm, device=device,
        last_frame_at=iso(int(frame.arrived_at * 1000)) if frame else None,
        age_s=round(age, 1) if age is not None else None,
        stale=age is None or age > relay.stale_after_s,
        mode=relay.live.mode(camera), viewers=relay.hub.viewer_count(camera),
        width=frame.width if frame else None, height=frame.height if frame else None,
    )


@router.get("")
async def list_cameras(viewer: CurrentViewer, relay: RelayDep) -> list[CameraState]:
    """The cameras the viewer may watch: from the registry, or those a token names ("*": every one seen)."""
    allowed = await ask(viewer, relay.policy.camera_ids, viewer)
    seen = set(relay.hub.cameras())
    cameras = seen if allowed is None else set(allowed) - {ALL_CAMERAS}
    now = time.time()
    return [_state(relay, camera, now) for camera in sorted(cameras)]


@router.get("/{camera}/stream.mjpg", response_class=MJPEGResponse,
            responses={200: {"content": {MEDIA_TYPE: {}}, "description": "one JPEG part per frame"}})
async def stream(camera: Camera, caller: CurrentCaller, relay: RelayDep) -> MJPEGResponse:
    """Live MJPEG: the current frame at once, then each new one; the camera goes live while anyone watches.

    Access is asked again every few seconds and when the token expires; the stream ends when it is gone.
    """
    body = FrameStream(relay.hub, camera, relay.stats.sent.inc)
    return MJPEGResponse(body, until=lambda: revoked(relay, caller, camera, relay.reauth_s),
                         headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
