"""Timelapse videos of a camera's archive, with each snapshot's time burned in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from orchard.errors import NotFound
from streams.access import ArchiveCamera, CurrentCaller, Windows, clip
from streams.service import RelayDep
from streams.timelapse import round_fps, round_range
from streams.timerange import time_range

router = APIRouter(prefix="/cameras/{camera}", tags=["timelapses"])


@router.get("/timelapse.mp4", response_class=FileResponse,
            responses={200: {"content": {"video/mp4": {}}, "description": "MP4, one frame per snapshot"},
                       404: {"description": "no snapshots in the range"}})
async def timelapse(
    camera: ArchiveCamera,
    windows: Windows,
    caller: CurrentCaller,
    relay: RelayDep,
    start: Annotated[str | None, Query(description="ISO 8601 or epoch ms; default 24 h before end")] = None,
    end: Annotated[str | None, Query(description="ISO 8601 or epoch ms; default now")] = None,
    fps: Annotated[int, Query(ge=1, le=30, description="frames per second of the video")] = 10,
    daily_at: Annotated[int | None, Query(ge=0, le=23, description="one frame a day: the snapshot nearest this "
                                          "hour on the farm's clock (a season's timelapse)")] = None,
) -> FileResponse:
    """Built on first request (at most 1800 frames, spread over the range), then served from the cache.

    fps is rounded to 1, 2, 5, 10, 15 or 30 and the range widened to a step of about 1/50 of it; one
    video at a time per viewer and a few in all are built, 429 with Retry-After beyond.
    """
    start_ms, end_ms = round_range(*time_range(start, end))
    parts = clip(start_ms, end_ms, windows)
    if not parts:
        raise NotFound(f"camera {camera!r} has no snapshots you may see in that range")
    # Within the viewer's dates only; a customer with several claims gets the latest one's part.
    start_ms, end_ms = parts[-1]
    path = await relay.timelapses.video(camera, start_ms, end_ms, round_fps(fps), viewer=caller.who,
                                        zone=relay.assignments.zone(camera), daily_at=daily_at)
    return FileResponse(path, media_type="video/mp4", filename=f"{camera}-timelapse.mp4",
                        content_disposition_type="inline", headers={"Cache-Control": "private, max-age=3600"})
