"""Cameras and their live views: the list, the latest frame, the MJPEG stream."""

from __future__ import annotations

import time
from email.utils import formatdate

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel

from orchard.auth import ALL_CAMERAS
from streams.access import Camera, CurrentCaller, CurrentViewer, ask, revoked
from streams.errors import NotFound
from streams.hub import Frame
from streams.mjpeg import MEDIA_TYPE, FrameStream, MJPEGResponse
from streams.service import Relay, RelayDep
from streams.timerange import iso

router = APIRouter(prefix="/cameras", tags=["cameras"])

JPEG = {"content": {"image/jpeg": {}}, "description": "the latest frame, byte for byte as the camera sent it"}


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


# latest.jpg carries its token in the URL (no cookies), so a page on any origin may fetch() it and read these.
CROSS_ORIGIN = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, X-Frame-Age, X-Frame-Stale",
}
PREFLIGHT = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET",
    "Access-Control-Allow-Headers": "If-None-Match, Authorization",
    "Access-Control-Max-Age": "600",
}


def _frame_headers(relay: Relay, frame: Frame) -> dict[str, str]:
    age = max(0.0, time.time() - frame.arrived_at)
    headers = {
        **CROSS_ORIGIN,
        "ETag": f'"{frame.etag}"',
        "Last-Modified": formatdate(frame.arrived_at, usegmt=True),
        "Cache-Control": "no-store",
        "X-Frame-Age": f"{age:.1f}",
    }
    if age > relay.stale_after_s:
        headers["X-Frame-Stale"] = "1"
    return headers


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/").strip('"') for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags


@router.get("/{camera}/latest.jpg", response_class=Response,
            responses={200: JPEG, 304: {"description": "the caller already has this frame"}})
async def latest(camera: Camera, relay: RelayDep,
                 if_none_match: str | None = Header(default=None),
                 watch: bool = Query(default=False, description="1: this page polls as a live viewer")) -> Response:
    """The newest frame; `X-Frame-Age` says how old it is, `X-Frame-Stale: 1` when the camera is silent."""
    if watch:
        relay.hub.lease(camera, relay.watch_lease_s)
    frame = relay.hub.latest(camera)
    if frame is None:
        raise NotFound(f"camera {camera!r} has not sent a frame since the relay started")
    headers = _frame_headers(relay, frame)
    if _matches(if_none_match, frame.etag):
        return Response(status_code=304, headers=headers)
    relay.stats.sent.inc()
    return Response(frame.jpeg, media_type="image/jpeg", headers=headers)


@router.options("/{camera}/latest.jpg", status_code=204, response_class=Response)
async def latest_preflight(camera: str) -> Response:
    """A browser's CORS preflight before fetch() with If-None-Match: no token needed to ask."""
    return Response(status_code=204, headers=PREFLIGHT)


@router.get("/{camera}/stream.mjpg", response_class=MJPEGResponse,
            responses={200: {"content": {MEDIA_TYPE: {}}, "description": "one JPEG part per frame"}})
async def stream(camera: Camera, caller: CurrentCaller, relay: RelayDep) -> MJPEGResponse:
    """Live MJPEG: the current frame at once, then each new one; the camera goes live while anyone watches.

    Access is asked again every few seconds and when the token expires; the stream ends when it is gone.
    """
    body = FrameStream(relay.hub, camera, relay.stats.sent.inc)
    return MJPEGResponse(body, until=lambda: revoked(relay, caller, camera, relay.reauth_s),
                         headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
