"""Trees from a spreadsheet: a CSV upserted on farm + label, all rows or none."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from api.access import CurrentViewer
from api.services import ServicesDep
from orchard.errors import Invalid
from orchard.registry.trees_csv import decode_csv, import_trees, parse_trees_csv

router = APIRouter(prefix="/trees", tags=["trees"])

MAX_CSV_BYTES = 5 * 1024 * 1024
IMPORT_PATH = "/trees/import"  # its body may be MAX_CSV_BYTES (orchard.web.BodyLimit, set in api.app)
CSV_BODY = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}}, "required": ["file"]}},
    },
}


class ImportResult(BaseModel):
    created: int
    updated: int
    plots_created: int


async def csv_text(request: Request) -> str:
    """The CSV sent as a text/csv body or as the `file` field of a form (UTF-8 or GB18030)."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        async with request.form(max_files=1) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise Invalid("file: send the CSV as the form's `file` field")
            data = await upload.read(MAX_CSV_BYTES + 1)
    else:
        data = await request.body()
    if len(data) > MAX_CSV_BYTES:
        raise Invalid(f"file: larger than {MAX_CSV_BYTES // (1024 * 1024)} MB; split it")
    return decode_csv(data)


@router.post("/import", openapi_extra={"requestBody": CSV_BODY},
             responses={422: {"description": "`problems` lists each bad line and column; nothing was changed"}})
def import_trees_csv(viewer: CurrentViewer, text: Annotated[str, Depends(csv_text)],
                     services: ServicesDep) -> ImportResult:
    """Create or update trees from a CSV with columns farm,label,plot,variety,planted,lat,lon.

    Farm and label are required; an absent optional column leaves that field alone. Admins
    import any farm's trees, farmers those of their own farms. Every row is checked first:
    one bad cell, unknown farm or farm not theirs, and nothing is changed.
    """
    rows = parse_trees_csv(text)
    for farm in sorted({row.farm for row in rows}):
        services.policy.require_edit(viewer, "tree", farm)
    with services.writing() as session:
        return ImportResult(**import_trees(session, rows)._asdict())
