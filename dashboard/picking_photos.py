"""Photos of picked fruit in the dashboard: POST /picking-photo?request=ID&kind=tree|box (the photo as the body,
from assets/picking.js) for the farm's staff; GET /picking-photo/{id} for the request's customer and the staff."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from dashboard import guard, paths, services
from orchard.errors import Invalid, NotFound, Unauthenticated
from orchard.picking_photos import MAX_PHOTO_BYTES, photo_file, save_photo
from orchard.registry import picking_requests as steps
from orchard.registry.picking import PhotoKind, PickingPhoto, PickingRequest

UPLOAD_LIMIT = MAX_PHOTO_BYTES + 64 * 1024  # orchard.web.BodyLimit's cap on POST /picking-photo (dashboard/app.py)

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


@router.post(paths.PICKING_PHOTO, include_in_schema=False)
async def upload_photo(request: Request) -> JSONResponse:
    """Keep a photo of a request's fruit (the farm's staff): decoded first, 8 MB at most."""
    viewer = await run_in_threadpool(guard.current_viewer, request)
    if viewer is None:
        raise Unauthenticated("log in first")
    try:
        request_id = int(request.query_params.get("request", ""))
        kind = PhotoKind(request.query_params.get("kind", "box"))
    except ValueError:
        raise Invalid("request: a request id; kind: tree or box") from None
    data = await request.body()

    def keep() -> int:
        svc = services.get()
        with svc.writing() as session:
            picking = session.get(PickingRequest, request_id)
            farm = picking.claim.tree.farm_id if picking is not None else None
            if picking is None or farm is None or not svc.policy.sees_claim(viewer, picking.claim.user_id, farm):
                raise NotFound(f"no picking request {request_id}")
            svc.policy.require_edit(viewer, "picking", farm)
            path, content_type = save_photo(svc.settings.data_dir, picking.id, data)
            return steps.add_photo(session, picking, kind, path, content_type, by=viewer.user_id).id
    photo_id = await run_in_threadpool(keep)
    return JSONResponse({"id": photo_id, "url": photo_src(photo_id)}, status_code=201)
