"""Photos of picked fruit: the farm's staff upload them; the request's customer and staff see them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from starlette.datastructures import UploadFile

from api.access import CurrentViewer
from api.fields import Int64
from api.picking_answers import PHOTO_PATH, PhotoOut
from api.routes.picking import load_request
from api.services import ServicesDep
from orchard.errors import Invalid, NotFound
from orchard.picking_photos import MAX_PHOTO_BYTES, photo_file, save_photo
from orchard.registry import picking_requests as steps
from orchard.registry.picking import PhotoKind, PickingPhoto

router = APIRouter(prefix="/picking", tags=["picking"])
UPLOAD_PATH = "/picking/photos"  # its body may be a photo (orchard.web.BodyLimit, set in api.app)
PHOTO_BODY = {
    "required": True,
    "content": {
        "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
        "image/png": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}}, "required": ["file"]}},
    },
}


async def photo_bytes(request: Request) -> bytes:
    """The photo sent as the body (image/jpeg, image/png) or as the `file` field of a form."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        async with request.form(max_files=1) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise Invalid("file: send the photo as the form's `file` field")
            return await upload.read(MAX_PHOTO_BYTES + 1)
    return await request.body()


@router.post("/photos", status_code=201, openapi_extra={"requestBody": PHOTO_BODY})
def upload_photo(viewer: CurrentViewer, services: ServicesDep, data: Annotated[bytes, Depends(photo_bytes)],
                 request: Int64, kind: PhotoKind = PhotoKind.BOX) -> PhotoOut:
    """Add a photo of a request's fruit, on the tree or in the box (the farm's staff), before marking it picked."""
    with services.writing() as session:
        picking = load_request(session, request, viewer, services.policy)
        services.policy.require_edit(viewer, "picking", picking.claim.tree.farm_id)
        path, content_type = save_photo(services.data_dir, picking.id, data)
        photo = steps.add_photo(session, picking, kind, path, content_type, by=viewer.user_id)
        return PhotoOut(id=photo.id, kind=photo.kind, url=PHOTO_PATH.format(photo_id=photo.id),
                        uploaded_at=photo.uploaded_at)


@router.get("/photos/{photo_id}", response_class=FileResponse)
def get_photo(photo_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> FileResponse:
    """A photo of a request the asker sees (its customer, the farm's staff)."""
    with services.reading() as session:
        photo = session.get(PickingPhoto, photo_id)
        if photo is None:
            raise NotFound(f"no photo {photo_id}")
        load_request(session, photo.request_id, viewer, services.policy)
        path, content_type = photo_file(services.data_dir, photo.path), photo.content_type
    return FileResponse(path, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})
