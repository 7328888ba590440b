"""The archive: a camera's snapshots in a time range, and one snapshot's JPEG."""

from __future__ import annotations

import asyncio
import time
from email.utils import formatdate
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from orchard import times
from orchard.errors import NotFound
from streams.access import ArchiveCamera, Camera, Windows, clip
from streams.archive import Snapshot
from streams.service import RelayDep
from streams.timerange import iso, time_range

router = APIRouter(prefix="/cameras/{camera}/snapshots", tags=["snapshots"])

RANGE_HELP = "ISO 8601 (2026-06-01T08:00:00+08:00; no zone means UTC) or epoch ms"


class SnapshotInfo(BaseModel):
    id: int  # epoch ms
    time: str  # ISO 8601, UTC
    size: int  # bytes
    url: str  # add the token (?token=) if the page has no cookie


@router.get("")
async def list_snapshots(
    camera: ArchiveCamera,
    windows: Windows,
    relay: RelayDep,
    response: Response,
    start: Annotated[str | None, Query(description=f"{RANGE_HELP}; default 24 h before end")] = None,
    end: Annotated[str | None, Query(description=f"{RANGE_HELP}; default now")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="at most this many, oldest first")] = 1000,
) -> list[SnapshotInfo]:
    """Archived snapshots, oldest first, within the viewer's dates; page on with start = last id + 1."""
    start_ms, end_ms = time_range(start, end)
    # A gallery on another origin (the demo has no proxy) reads this with ?token= and no cookie.
    response.headers["Access-Control-Allow-Origin"] = "*"
    found: list[Snapshot] = []
    for part_start, part_end in clip(start_ms, end_ms, windows):
        found += await asyncio.to_thread(relay.archive.snapshots, camera, part_start, part_end, limit - len(found))
        if len(found) >= limit:
            break
    return [SnapshotInfo(id=s.id, time=iso(s.id), size=s.size, url=f"/cameras/{camera}/snapshots/{s.id}.jpg")
            for s in found]


NEAREST_WITHIN_MS = 3 * 3_600_000  # a care-log entry's picture: the nearest snapshot up to 3 hours away


@router.get("/nearest.jpg", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}, "description": "the archived JPEG nearest `at`"}})
async def nearest_snapshot(camera: Camera, windows: Windows, relay: RelayDep,
                           at: Annotated[str, Query(description=RANGE_HELP)]) -> Response:
    """The archived snapshot nearest `at` (within 3 hours, and within the viewer's dates), e.g. of a care-log entry."""
    moment = times.parse_instant(at, "at")
    if moment is None:
        raise NotFound(f"camera {camera!r} has no snapshot near that time")
    at_ms = times.to_ms(moment)
    found: list[Snapshot] = []
    for part_start, part_end in clip(at_ms - NEAREST_WITHIN_MS, at_ms + NEAREST_WITHIN_MS, windows):
        found += await asyncio.to_thread(relay.archive.snapshots, camera, part_start, part_end)
    if not found:
        raise NotFound(f"camera {camera!r} has no snapshot within 3 hours of {times.iso_ms(at_ms)}")
    nearest = min(found, key=lambda s: (abs(s.id - at_ms), s.id))
    return await snapshot(camera, windows, relay, nearest.id)


@router.get("/newest.jpg", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}, "description": "the newest JPEG you may see"}})
async def newest_snapshot(camera: ArchiveCamera, windows: Windows, relay: RelayDep) -> Response:
    """The newest archived snapshot within the viewer's dates (a share link's preview picture)."""
    for start_ms, end_ms in reversed(clip(0, int(time.time() * 1000), windows)):
        newest = await asyncio.to_thread(relay.archive.newest, camera, start_ms, end_ms)
        if newest is not None:
            return await snapshot(camera, windows, relay, newest.id)
    raise NotFound(f"camera {camera!r} has no snapshots you may see")


@router.get("/{snapshot}.jpg", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}, "description": "the archived JPEG"}})
async def snapshot(camera: ArchiveCamera, windows: Windows, relay: RelayDep, snapshot: int) -> Response:
    if not clip(snapshot, snapshot, windows):  # taken outside the viewer's dates: not theirs to see
        raise NotFound(f"camera {camera!r} has no snapshot {snapshot}")
    try:
        jpeg = await asyncio.to_thread(relay.archive.path(camera, snapshot).read_bytes)
    except (FileNotFoundError, ValueError, OverflowError, OSError):
        raise NotFound(f"camera {camera!r} has no snapshot {snapshot}") from None
    headers = {
        # A snapshot never changes; "private" because it is only for the token's holder.
        "Cache-Control": "private, max-age=31536000, immutable",
        "ETag": f'"{snapshot}-{len(jpeg)}"',
        "Last-Modified": formatdate(snapshot / 1000, usegmt=True),
    }
    relay.stats.sent.inc()
    return Response(jpeg, media_type="image/jpeg", headers=headers)
