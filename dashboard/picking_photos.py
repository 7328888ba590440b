"""Photos of picked fruit in the dashboard: /picking-photo/{id}, for the request's customer and the farm's staff."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from dashboard import guard, paths, services
from orchard.errors import NotFound, Unauthenticated
from orchard.picking_photos import photo_file
from orchard.registry.picking import PickingPhoto

router = APIRouter()


def photo_src(photo_id: int) -> str:
    return f"{paths.PICKING_PHOTO}/{photo_id}"


@router.get(paths.PICKING_PHOTO + "/{photo_id}", include_in_schema=False)
def picking_photo(photo_id: int, request: Request) -> FileResponse:
    viewer = guard.current_viewer(request)
    if viewer is None:
        raise Unauthenticated("log in first")
    svc = services.get()
    with svc.reading() as session:
        photo = session.get(PickingPhoto, photo_id)
        if photo is None or not svc.policy.sees_claim(viewer, photo.request.claim.user_id,
                                                      photo.request.claim.tree.farm_id):
            raise NotFound(f"no photo {photo_id}")
        path, content_type = photo_file(svc.settings.data_dir, photo.path), photo.content_type
    return FileResponse(path, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})
